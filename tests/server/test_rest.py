"""REST endpoints against a running server."""

from typing import Any

import httpx
import numpy as np
import pytest
from safetensors.numpy import load, save

from tests.server.live import DEADLINE, Client, Live, live_server, run


def test_health_presets_and_datasets(live: Live) -> None:
    assert httpx.get(f"{live.base}/healthz").json() == {"status": "ok"}
    presets = {p["id"]: p for p in httpx.get(f"{live.base}/api/presets").json()}
    assert presets["xor"]["config"]["layers"] == [2, 2, 1]
    assert presets["digits-625"]["config"]["layers"] == [625, 20, 20, 10]
    assert presets["digits-625"]["config"]["dataset"] == "digits-25x25"
    assert all({"id", "title", "description", "config"} <= set(p) for p in presets.values())
    names = {d["name"] for d in httpx.get(f"{live.base}/api/datasets").json()}
    assert {"xor", "digits-25x25", "spiral"} <= names


def test_every_preset_builds(live: Live) -> None:
    for p in httpx.get(f"{live.base}/api/presets").json():
        assert live.create(preset=p["id"])["config"]["layers"] == p["config"]["layers"]


def test_create_with_a_preset_and_overrides(live: Live) -> None:
    out = live.create(preset="digits-625", learning_rate=0.1, batch_size=None)
    assert out["parameter_count"] == 13_150
    assert out["config"]["learning_rate"] == 0.1 and out["config"]["batch_size"] is None
    assert len(out["id"]) >= 20 and len(out["control_token"]) >= 30
    info = httpx.get(f"{live.base}/api/sessions/{out['id']}").json()
    assert info["step"] == 0 and info["phase"] == "idle" and info["cost"] > 0


def test_default_is_xor_and_inline_data_works(live: Live) -> None:
    assert live.create()["config"]["dataset"] == "xor"
    out = live.create(layers=[1, 3, 1], dataset={"inputs": [[0], [1], [2]],
                                                 "targets": [[0], [1], [0]]},
                      init={"layers.1.bias": [0.5]}, locked=["layers.0.bias"])
    with httpx.Client() as c:
        st = load(c.get(f"{live.base}/api/sessions/{out['id']}/state.safetensors").content)
    assert st["layers.1.bias"].tolist() == [0.5]


@pytest.mark.parametrize(
    "body,needle",
    [
        ({"layers": [2, 0, 1]}, "layers[1] is 0"),
        ({"layers": [3, 2, 1]}, "layers: dataset 'xor' has 2 inputs"),
        ({"learning_rate": 0}, "learning_rate must be greater than 0"),
        ({"batch_size": "big"}, "batch_size must be a whole number"),
        ({"dataset": "imagenet"}, "dataset: unknown dataset 'imagenet'"),
        ({"dataset": {"inputs": [[1, 2]], "targets": [[1]], "extra": 1}}, "dataset:"),
        ({"preset": "nope"}, "preset: 'nope' is unknown"),
        ({"colour": "red"}, "unknown field 'colour'"),
        ({"learner": "magic"}, "learner 'magic' is unknown"),
        ({"loss": "cross_entropy", "output_activation": "linear"}, "needs output_activation"),
        ({"init": {"layers.0.weight": [[1.0]]}}, "init: layers.0.weight has shape [1, 1]"),
        ({"locked": ["layers.3.bias"]}, "locked[0]: unknown parameter"),
        ({"seed": -1}, "seed must be a whole number"),
        ({"preset": "digits-625", "layers": [625, 600, 10]}, "the limit is 250\u202f000"),
    ],
)
def test_invalid_configs_get_422_naming_the_field(live: Live, body: dict[str, object],
                                                  needle: str) -> None:
    before = len(live.app.state.registry.sessions)
    r = httpx.post(f"{live.base}/api/sessions", json=body)
    assert r.status_code == 422 and needle in r.json()["detail"], r.text
    assert len(live.app.state.registry.sessions) == before


def test_not_json_is_422(live: Live) -> None:
    r = httpx.post(f"{live.base}/api/sessions", content=b"{nope",
                   headers={"content-type": "application/json"})
    assert r.status_code == 422 and "not JSON" in r.json()["detail"]


def test_unknown_session_is_404(live: Live) -> None:
    for method, path in [("GET", ""), ("GET", "/state.safetensors"),
                         ("PUT", "/state.safetensors"), ("DELETE", "")]:
        r = httpx.request(method, f"{live.base}/api/sessions/nope{path}")
        assert r.status_code == 404 and "no session 'nope'" in r.json()["detail"]


def test_export_loads_in_safetensors_with_grads(live: Live) -> None:
    sid = live.create(preset="xor")["id"]
    plain = load(httpx.get(f"{live.base}/api/sessions/{sid}/state.safetensors").content)
    assert set(plain) == {"cost", "layers.0.weight", "layers.0.bias", "layers.1.weight",
                          "layers.1.bias"}
    assert all(a.dtype == np.float64 for a in plain.values())
    trainer = live.session(sid).trainer
    assert plain["cost"][0] == trainer.cost()
    np.testing.assert_array_equal(plain["layers.0.weight"], trainer.net.params["layers.0.weight"])
    full = load(httpx.get(f"{live.base}/api/sessions/{sid}/state.safetensors?grads=true").content)
    np.testing.assert_array_equal(full["layers.1.weight.grad"],
                                  trainer.gradient()["layers.1.weight"])


def test_import_round_trip_needs_the_token(live: Live) -> None:
    a = live.create(preset="xor", seed=1)
    b = live.create(preset="xor", seed=2)
    blob = httpx.get(f"{live.base}/api/sessions/{a['id']}/state.safetensors").content
    url = f"{live.base}/api/sessions/{b['id']}/state.safetensors"
    assert httpx.put(url, content=blob).status_code == 401
    r = httpx.put(url, content=blob, headers={"Authorization": "Bearer wrong"})
    assert r.status_code == 403 and "does not open" in r.json()["detail"]
    r = httpx.put(url, content=blob, headers={"Authorization": f"Bearer {b['control_token']}"})
    assert r.status_code == 200 and r.json()["replaced"] == [
        "layers.0.bias", "layers.0.weight", "layers.1.bias", "layers.1.weight"]
    again = load(httpx.get(url).content)
    original = load(blob)
    for name in r.json()["replaced"]:
        np.testing.assert_array_equal(again[name], original[name])
    assert again["cost"][0] == original["cost"][0]


@pytest.mark.parametrize(
    "tensors,needle",
    [
        ({"layers.0.weight": np.zeros((3, 2))}, "has shape [3, 2], expected [2, 2]"),
        ({"layers.9.weight": np.zeros((2, 2))}, "unknown parameter 'layers.9.weight'"),
        ({"layers.0.bias": np.array([np.nan, 0.0])}, "NaN"),
        ({"cost": np.zeros(1)}, "none of this network's parameters"),
    ],
)
def test_bad_imports_say_what_is_wrong_and_change_nothing(
    live: Live, tensors: dict[str, np.ndarray], needle: str
) -> None:
    s = live.create(preset="xor")
    url = f"{live.base}/api/sessions/{s['id']}/state.safetensors"
    before = httpx.get(url).content
    auth = {"Authorization": f"Bearer {s['control_token']}"}
    r = httpx.put(url, content=save(tensors), headers=auth)
    assert r.status_code == 422 and needle in r.json()["detail"], r.text
    assert httpx.get(url).content == before


def test_garbage_import_is_422(live: Live) -> None:
    s = live.create(preset="xor")
    r = httpx.put(f"{live.base}/api/sessions/{s['id']}/state.safetensors", content=b"junk",
                  headers={"Authorization": f"Bearer {s['control_token']}"})
    assert r.status_code == 422 and "safetensors" in r.json()["detail"]


def test_delete_needs_the_token(live: Live) -> None:
    s = live.create(preset="xor")
    url = f"{live.base}/api/sessions/{s['id']}"
    assert httpx.delete(url).status_code == 401
    assert httpx.delete(url, headers={"Authorization": "Bearer x"}).status_code == 403
    assert httpx.delete(url, headers={"Authorization": f"Bearer {s['control_token']}"}
                        ).status_code == 204
    assert httpx.get(url).status_code == 404


def step_once(live: Live, created: dict[str, Any]) -> None:
    async def go() -> None:
        c = await Client.connect(live, created["id"])
        await c.json()
        await c.control(created["control_token"])
        await c.send({"type": "step"})
        await c.frame(step="1")
        await c.close()

    run(go())


def test_session_limit_is_a_clear_503() -> None:
    with live_server(max_sessions=2) as live:
        for _ in range(2):
            step_once(live, live.create())  # used boards are never reclaimed
        r = httpx.post(f"{live.base}/api/sessions", json={})
        assert r.status_code == 503 and "limit" in r.json()["detail"]


def test_a_full_server_reclaims_the_oldest_board_nobody_used() -> None:
    """Page loads whose tabs closed leave untouched boards: they never block a teacher."""
    with live_server(max_sessions=3) as live:
        used = live.create()
        step_once(live, used)
        abandoned = [live.create(), live.create()]
        fresh = live.create()
        assert fresh["id"] and live.session(abandoned[0]["id"]) is None  # the oldest went
        assert live.session(abandoned[1]["id"]) is not None
        assert live.session(used["id"]) is not None


def test_a_watched_board_is_never_reclaimed() -> None:
    with live_server(max_sessions=1) as live:
        watched = live.create()

        async def go() -> None:
            c = await Client.connect(live, watched["id"])
            await c.json()
            r = httpx.post(f"{live.base}/api/sessions", json={}, timeout=DEADLINE)
            assert r.status_code == 503
            await c.close()

        run(go())
        assert live.session(watched["id"]) is not None


def test_odd_imports_are_422_not_500(live: Live) -> None:
    s = live.create(preset="xor")
    url = f"{live.base}/api/sessions/{s['id']}/state.safetensors"
    auth = {"Authorization": f"Bearer {s['control_token']}"}
    before = httpx.get(url).content
    bad_shape = b'{"layers.0.bias":{"dtype":"F64","shape":[0,-1],"data_offsets":[0,0]}}'
    bad_meta = b'{"__metadata__":[1]}      '
    for header in (bad_shape, bad_meta):
        blob = len(header).to_bytes(8, "little") + header
        r = httpx.put(url, content=blob, headers=auth)
        assert r.status_code == 422, r.text
    ints = save({"layers.0.bias": np.array([1, 2], dtype=np.int64)})
    r = httpx.put(url, content=ints, headers=auth)
    assert r.status_code == 422 and "must be floats" in r.json()["detail"]
    assert httpx.get(url).content == before
