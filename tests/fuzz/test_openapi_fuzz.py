"""Schemathesis against the app's own /openapi.json, in process (ASGI): every operation,
a bounded number of examples each. Nothing may answer 5xx, a response with a declared schema
must fit it, and every refusal (4xx) is JSON `{"detail": "…"}` in words.

Session routes are reached with a real session (a random id only ever meets the 404), and
`PUT` with its control token, so the fuzzed query strings get past the door.
"""

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from app.server.app import create_app
from app.server.settings import Settings

HOST = "localhost"  # the app refuses a Host that is not one of its names
EXAMPLES = 30  # per operation

# Generous on sessions and creations (the TestClient's address is one "client"), small on
# networks: the fuzzer may create as many boards as it likes, none of them big.
APP = create_app(Settings(sessions_per_minute=100_000, max_sessions=10_000,
                          max_parameters=2_000, server_memory_mb=1024))
schema = schemathesis.openapi.from_asgi("/openapi.json", APP, headers={"Host": HOST})


@schemathesis.check
def refusals_in_words(ctx: Any, response: schemathesis.Response, case: schemathesis.Case) -> None:
    """Every 4xx is JSON with a non-empty `detail` string."""
    if not 400 <= response.status_code < 500:
        return
    try:
        body = response.json()
    except ValueError:
        text = response.content[:200]
        raise AssertionError(f"{response.status_code} is not JSON: {text!r}") from None
    detail = body.get("detail") if isinstance(body, dict) else None
    assert isinstance(detail, str) and detail.strip(), (
        f"{response.status_code} without a detail in words: {body!r}")


_session: dict[str, Any] = {}


def session() -> dict[str, Any]:
    """A real session for the session routes, made through the app itself. Schemathesis ends
    the app's lifespan after each test (which closes every session), so it is made again
    whenever it is gone."""
    if not _session or APP.state.registry.get(_session["id"]) is None:
        with schemathesis.python.asgi.get_client(APP) as client:  # type: ignore[attr-defined]
            r = client.post(f"http://{HOST}/api/sessions", json={"preset": "xor"})
        assert r.status_code == 201, r.text
        _session.update(r.json())
    return _session


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
def test_every_operation_answers_in_words_never_5xx(case: schemathesis.Case) -> None:
    headers: dict[str, str] = {}
    if "session_id" in (case.path_parameters or {}):
        s = session()
        if case.method != "DELETE":  # a fuzzed DELETE would end the session for the others
            case.path_parameters = {**(case.path_parameters or {}), "session_id": s["id"]}
        if case.method == "PUT":
            headers["Authorization"] = f"Bearer {s['control_token']}"
    case.call_and_validate(base_url=f"http://{HOST}", headers=headers,
                           checks=[not_a_server_error, response_schema_conformance,
                                   refusals_in_words])


def test_a_range_too_wide_for_a_float_is_refused_in_words() -> None:
    """Found by the fuzzer: lo=-1e308, hi=1e308 is a finite range whose width is not, and the
    slice came back as nulls (a 500 where warnings are errors)."""
    s = session()
    with schemathesis.python.asgi.get_client(APP) as client:  # type: ignore[attr-defined]
        r = client.get(f"http://{HOST}/api/sessions/{s['id']}/slice", params={
            "name": "layers.0.weight", "index": "0,0", "lo": -1e308, "hi": 1e308})
    assert r.status_code == 422, r.text
    assert "too wide" in r.json()["detail"]


pytestmark = pytest.mark.filterwarnings("error")
