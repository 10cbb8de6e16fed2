"""Odd and hostile input is refused with words (4xx), never a 500, and changes nothing."""

import json
import struct
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient

from dialboard.engine import ConfigError, parse_name
from dialboard.engine.network import MAX_LAYERS
from dialboard.server.app import create_app
from dialboard.server.safetensors_io import DecodeError, decode, encode
from dialboard.server.settings import Settings


@pytest.fixture
def client() -> TestClient:
    with TestClient(create_app(Settings()), base_url="http://localhost") as c:
        yield c


@pytest.mark.parametrize("body", [{"preset": []}, {"preset": {}}, {"preset": 3},
                                  {"preset": None}, {"layers": [2] + [1] * 10_000 + [1]}])
def test_odd_session_configs_get_words_not_500(client: TestClient, body: object) -> None:
    r = client.post("/api/sessions", json=body)
    assert r.status_code == 422, r.text
    assert r.json()["detail"].split(" ")[0].rstrip(":") in ("preset", "layers")


def test_the_depth_limit_is_stated() -> None:
    with pytest.raises(ConfigError, match=f"at most {MAX_LAYERS + 1}"):
        from dialboard.engine import Architecture
        Architecture(tuple([2] * (MAX_LAYERS + 2)))


@pytest.mark.parametrize("name", ["layers.01.weight", "layers.².bias", "layers.+1.weight",
                                  "layers.5.weight", "layers.1.weights", "layers..bias", "x"])
def test_parameter_names_are_spelled_exactly(name: str) -> None:
    with pytest.raises(ConfigError, match="unknown parameter"):
        parse_name(name, 3)
    assert parse_name("layers.2.bias", 3) == (2, "bias")
    assert parse_name("layers.10.weight", 11) == (10, "weight")


def _blob(header: bytes, data: bytes = b"") -> bytes:
    return struct.pack("<Q", len(header)) + header + data


@pytest.mark.parametrize("header", [
    b'{"a": {"dtype": "F64", "shape": [2], "data_offsets": [0, Infinity]}}',
    b'{"a": {"dtype": "F64", "shape": [Infinity], "data_offsets": [0, 8]}}',
    b'{"a": {"dtype": "F64", "shape": [2147483648, 2147483648, 4], "data_offsets": [0, 0]}}',
    b'{"a": {"dtype": "F64", "shape": [1.5], "data_offsets": [0, 8]}}',
    b'{"a": {"dtype": "F64", "shape": [true], "data_offsets": [0, 8]}}',
    b'{"a": {"dtype": "F64", "shape": [-1], "data_offsets": [0, 8]}}',
    b"[" * 200_000,
])
def test_bad_safetensors_headers_are_decode_errors(header: bytes) -> None:
    with pytest.raises(DecodeError):
        decode(_blob(header, b"\0" * 8))


def test_bad_state_files_get_422_and_change_nothing(client: TestClient) -> None:
    s = client.post("/api/sessions", json={"preset": "xor"}).json()
    url, auth = f"/api/sessions/{s['id']}/state.safetensors", {
        "Authorization": f"Bearer {s['control_token']}"}
    before = client.get(url).content
    for header in (b'{"layers.0.weight": {"dtype": "F64", "shape": [Infinity], '
                   b'"data_offsets": [0, 8]}}', b"[" * 200_000):
        r = client.put(url, content=_blob(header, b"\0" * 8), headers=auth)
        assert r.status_code == 422 and r.json()["detail"], r.text
    assert client.get(url).content == before
    good = encode({"layers.0.bias": np.array([0.5, -0.5])}, {})
    assert client.put(url, content=good, headers=auth).status_code == 200
    assert json.loads(client.get(f"/api/sessions/{s['id']}").text)["step"] == 0


def test_creating_a_session_needs_json_from_this_servers_own_pages() -> None:
    with TestClient(create_app(Settings()), base_url="http://localhost:8000") as c:
        body = json.dumps({"preset": "xor"})
        r = c.post("/api/sessions", content=body, headers={"content-type": "text/plain"})
        assert r.status_code == 415 and "application/json" in r.json()["detail"]
        r = c.post("/api/sessions", content=body, headers={
            "content-type": "application/json", "origin": "http://evil.example"})
        assert r.status_code == 403 and "another site" in r.json()["detail"]
        assert c.app.state.registry.sessions == {}  # type: ignore[attr-defined]
        r = c.post("/api/sessions", content=body, headers={
            "content-type": "application/json", "origin": "http://localhost:8000"})
        assert r.status_code == 201, r.text


def test_one_address_may_create_only_so_many_sessions_a_minute() -> None:
    with TestClient(create_app(Settings(sessions_per_minute=3)),
                    base_url="http://localhost") as c:
        for _ in range(3):
            assert c.post("/api/sessions", json={"preset": "xor"}).status_code == 201
        r = c.post("/api/sessions", json={"preset": "xor"})
        assert r.status_code == 429 and "the limit" in r.json()["detail"]
        assert int(r.headers["retry-after"]) > 0
        assert len(c.app.state.registry.sessions) == 3  # type: ignore[attr-defined]


def test_a_request_under_another_host_name_is_refused() -> None:
    """DNS rebinding: a page on evil.example that resolves to this server is not served."""
    with TestClient(create_app(Settings()), base_url="http://evil.example") as c:
        r = c.get("/api/presets")
        assert r.status_code == 400 and "evil.example" in r.json()["detail"]
        r = c.post("/api/sessions", json={"preset": "xor"})
        assert r.status_code == 400 and c.app.state.registry.sessions == {}  # type: ignore[attr-defined]
    with TestClient(create_app(Settings(allowed_hosts=("dialboard.school",))),
                    base_url="http://dialboard.school:8000") as c:
        assert c.get("/api/presets").status_code == 200
    with TestClient(create_app(Settings(allowed_hosts=("*",))),
                    base_url="http://anything.example") as c:
        assert c.get("/api/presets").status_code == 200


def test_a_websocket_under_another_host_name_is_refused(live: Any) -> None:
    import asyncio

    import websockets

    from tests.server.live import run

    sid = live.create(preset="xor")["id"]

    async def go() -> None:
        url = f"{live.ws_base}/ws/sessions/{sid}"
        with pytest.raises(websockets.exceptions.InvalidStatus) as exc:
            await websockets.connect(url, additional_headers={
                "Host": "evil.example", "Origin": "http://evil.example"})
        assert exc.value.response.status_code == 403
        ok = await websockets.connect(url)  # the same socket under this server's own name
        await asyncio.wait_for(ok.recv(), 5)
        await ok.close()

    run(go())
