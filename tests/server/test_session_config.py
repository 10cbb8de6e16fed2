"""Session configs (session_config.py): odd ones are a 422 naming the field, never a 500."""

import httpx
import pytest

from tests.server.live import Live

HUGE = "9" * 400


@pytest.mark.parametrize(
    "body,needle",
    [
        ('{"learning_rate": BIG}', "learning_rate must be a finite number"),
        ('{"init": {"layers.0.bias": [BIG, 0]}}', "init"),
        ('{"init": {"layers.00.bias": [5, 5]}}', "unknown parameter 'layers.00.bias'"),
        ('{"locked": ["layers.00.weight"]}', "unknown parameter"),
        ("[" * 5000, "not JSON"),
    ],
)
def test_odd_configs_are_422_not_500(live: Live, body: str, needle: str) -> None:
    before = len(live.app.state.registry.sessions)
    r = httpx.post(f"{live.base}/api/sessions", content=body.replace("BIG", HUGE).encode(),
                   headers={"content-type": "application/json"})
    assert r.status_code == 422 and needle in r.json()["detail"], r.text
    assert len(live.app.state.registry.sessions) == before
