"""Board files against a real server, read back with the reference `safetensors` library.

The outputs a student would get are computed here in plain NumPy from the file's arrays and
the activations its metadata names, and compared with what the server's network computes.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
from safetensors.numpy import load, load_file

from dialboard.engine.activations import ACTIVATIONS, HIDDEN_ACTIVATIONS, OUTPUT_ACTIVATIONS
from dialboard.server import boardfile_api
from dialboard.server.boardfile import TORCH_MODULES
from tests.server.live import Client, Live, opened, run

ROOT = Path(__file__).parents[2]
# The student's side, written out here rather than taken from the engine.
NUMPY_ACTS: dict[str, Any] = {
    "sigmoid": lambda z: 1.0 / (1.0 + np.exp(-z)), "tanh": np.tanh,
    "relu": lambda z: np.maximum(z, 0.0), "linear": lambda z: z,
    "softmax": lambda z: np.exp(z - z.max(1, keepdims=True))
    / np.exp(z - z.max(1, keepdims=True)).sum(1, keepdims=True),
}
BOARDS = [  # (preset, overrides): every hidden and output activation at least once
    ("xor", {}),
    ("circle", {"activation": "relu"}),
    ("sine", {"activation": "linear", "layers": [1, 3, 3, 1]}),
    ("digits", {"activation": "tanh"}),
    ("circle", {"output_activation": "tanh", "loss": "quadratic"}),
]


def url(live: Live, sid: str) -> str:
    return f"{live.base}/api/sessions/{sid}/board.safetensors"


def trained(live: Live, preset: str, steps: int = 15, **config: Any) -> tuple[dict[str, Any],
                                                                                bytes]:
    """A board trained `steps` steps through its websocket, and its file."""
    async def go() -> dict[str, Any]:
        c, created, _ = await opened(live, preset, **config)
        await c.send({"type": "step", "count": steps})
        await c.frame(step=str(steps), running="false")
        return created

    created = run(go())
    r = httpx.get(url(live, created["id"]))
    assert r.status_code == 200, r.text
    assert r.headers["content-disposition"].endswith('.safetensors"')
    return created, r.content


def numpy_forward(arrays: dict[str, np.ndarray], config: dict[str, Any], x: np.ndarray
                  ) -> np.ndarray:
    n = len(config["layers"]) - 1
    a = x
    for l in range(n):
        a = a @ arrays[f"{2 * l}.weight"].T + arrays[f"{2 * l}.bias"]
        a = NUMPY_ACTS[config["activation"] if l < n - 1 else config["output_activation"]](a)
    return a


def server_params(live: Live, sid: str) -> dict[str, np.ndarray]:
    return live.call(lambda: {k: v.copy() for k, v in live.session(sid).trainer.net.params.items()})


def test_every_engine_activation_has_a_torch_module() -> None:
    assert set(TORCH_MODULES) == set(ACTIVATIONS) == {*HIDDEN_ACTIVATIONS, *OUTPUT_ACTIVATIONS}


@pytest.mark.parametrize(("preset", "overrides"), BOARDS)
def test_the_file_read_with_numpy_gives_the_boards_outputs(
        live: Live, tmp_path: Path, preset: str, overrides: dict[str, Any]) -> None:
    created, blob = trained(live, preset, **overrides)
    path = tmp_path / "board.safetensors"
    path.write_bytes(blob)
    arrays = load_file(str(path))
    meta = json.loads(blob[8: 8 + int.from_bytes(blob[:8], "little")])["__metadata__"]
    config = json.loads(meta["config"])
    n = len(config["layers"]) - 1
    assert set(arrays) == {f"{2 * l}.{k}" for l in range(n) for k in ("weight", "bias")}
    assert all(a.dtype == np.float64 for a in arrays.values())
    assert meta["step"] == "15" and meta["dataset"] == config["dataset"]
    session = live.session(created["id"])
    data = session.trainer.data
    x = np.concatenate([data.x_train[:5], np.random.default_rng(1).normal(
        size=(3, data.x_train.shape[1]))])
    theirs = live.call(lambda: session.trainer.net.forward(x)[1][-1])
    np.testing.assert_allclose(numpy_forward(arrays, config, x), theirs, rtol=1e-12,
                               atol=1e-14)
    np.testing.assert_array_equal(arrays["0.weight"], server_params(live, created["id"])[
        "layers.0.weight"])


def test_the_file_matches_the_outputs_the_board_streams(live: Live) -> None:
    """XOR's frames carry the network's output on a grid (F32): the file gives the same."""
    async def go() -> tuple[dict[str, Any], Any, bytes]:
        c, created, _ = await opened(live, "xor")
        hello = await (await Client.connect(live, created["id"])).json()
        await c.send({"type": "step", "count": 30})
        frame = await c.frame(step="30", running="false")
        blob = httpx.get(url(live, created["id"])).content
        return hello["dataset"]["grid"], frame, blob

    grid, frame, blob = run(go())
    xs, ys = (np.linspace(lo, hi, int(n)) for lo, hi, n in (grid["x"], grid["y"]))
    points = np.array([[x, y] for y in ys for x in xs])
    out = numpy_forward(load(blob), json.loads(_meta(blob)["config"]), points)
    np.testing.assert_allclose(out.reshape(frame["grid.output"].shape), frame["grid.output"],
                               atol=1e-6)


def _meta(blob: bytes) -> dict[str, str]:
    meta: dict[str, str] = json.loads(blob[8: 8 + int.from_bytes(blob[:8], "little")])[
        "__metadata__"]
    return meta


def test_the_metadata_spells_the_torch_module_and_the_live_settings(live: Live) -> None:
    async def go() -> dict[str, Any]:
        c, created, _ = await opened(live, "digits")
        await c.send({"type": "configure", "learning_rate": 0.125})
        await c.frame(learning_rate="0.125")
        await c.send({"type": "lock", "name": "layers.1.bias", "locked": True})
        await c.send({"type": "lock", "name": "layers.0.weight", "index": [3, 7],
                      "locked": True})
        await c.frame(undo_levels="3")
        return created

    created = run(go())
    meta = _meta(httpx.get(url(live, created["id"])).content)
    assert meta["torch"] == ("nn.Sequential(nn.Linear(64, 16), nn.Sigmoid(), "
                             "nn.Linear(16, 10), nn.Softmax(dim=1))")
    config = json.loads(meta["config"])
    assert config["learning_rate"] == 0.125 and "init" not in config
    assert config["locked"] == [{"name": "layers.0.weight", "index": [3, 7]}, "layers.1.bias"]
    assert meta["dialboard"] == "1" and meta["dataset"] == "digits"


def test_restore_is_one_undo_level_seen_by_viewers_and_needs_the_token(live: Live) -> None:
    async def go() -> None:
        c, created, _ = await opened(live, "xor")
        sid, token = created["id"], created["control_token"]
        viewer = await Client.connect(live, sid)
        await viewer.json()
        await c.send({"type": "step", "count": 10})
        await c.frame(step="10", running="false")
        saved = httpx.get(url(live, sid)).content
        await c.send({"type": "step", "count": 10})
        before = await c.frame(step="20", running="false")
        assert httpx.put(url(live, sid), content=saved).status_code == 401
        wrong = {"Authorization": "Bearer nope"}
        assert httpx.put(url(live, sid), content=saved, headers=wrong).status_code == 403
        r = httpx.put(url(live, sid), content=saved, headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 200, r.text
        assert r.json() == {"restored": ["0.bias", "0.weight", "2.bias", "2.weight"],
                            "differences": []}
        levels = str(int(before.meta["undo_levels"]) + 1)
        shown = await viewer.frame(undo_levels=levels)
        for name, a in load(saved).items():
            ours = f"layers.{int(name.split('.')[0]) // 2}.{name.split('.')[1]}"
            np.testing.assert_allclose(shown[ours], a, rtol=1e-3)  # viewers get F16
            np.testing.assert_array_equal(server_params(live, sid)[ours], a)
        await c.send({"type": "undo"})
        back = await c.frame(undo_levels=before.meta["undo_levels"])
        np.testing.assert_array_equal(back["layers.0.weight"], before["layers.0.weight"])

    run(go())


def test_a_file_opens_as_a_new_board_through_the_normal_creation(live: Live) -> None:
    inline = {"inputs": [[0.0], [0.5], [1.0], [1.5], [2.0]],
              "targets": [[0.0], [0.25], [1.0], [2.25], [4.0]]}
    created, blob = trained(live, "sine", layers=[1, 5, 1], dataset=inline, batch_size=None,
                            seed=9, steps=5)
    assert _meta(blob)["dataset"] == "inline data, 5 rows"
    r = httpx.post(f"{live.base}/api/board-files", content=blob)
    assert r.status_code == 200, r.text
    got = r.json()
    assert got["layers"] == [1, 5, 1] and got["step"] == "5" and got["new_board_refused"] is None
    assert got["torch"] == "nn.Sequential(nn.Linear(1, 5), nn.Tanh(), nn.Linear(5, 1))"
    assert got["config"]["dataset"]["inputs"] == inline["inputs"]
    new = live.create(**got["config"])
    assert new["id"] != created["id"] and new["parameter_count"] == 16
    old_p, new_p = server_params(live, created["id"]), server_params(live, new["id"])
    for name, a in old_p.items():
        np.testing.assert_array_equal(new_p[name], a)
    old_t, new_t = live.session(created["id"]).trainer, live.session(new["id"]).trainer
    np.testing.assert_array_equal(new_t.data.x_train, old_t.data.x_train)
    assert new_t.config == old_t.config


def test_restoring_while_training_runs_is_409_and_changes_nothing(live: Live) -> None:
    async def go() -> None:
        c, created, _ = await opened(live, "xor")
        saved = httpx.get(url(live, created["id"])).content
        await c.send({"type": "play", "steps_per_second": 5})
        await c.frame(playing="true")
        levels = live.call(lambda: len(live.session(created["id"]).history))
        r = httpx.put(url(live, created["id"]), content=saved,
                      headers={"Authorization": f"Bearer {created['control_token']}"})
        assert r.status_code == 409 and "pause" in r.json()["detail"]
        assert live.call(lambda: len(live.session(created["id"]).history)) == levels
        await c.send({"type": "pause"})
        await c.frame(playing="false")

    run(go())


def test_the_routes_and_the_torch_modules_are_documented() -> None:
    protocol = (ROOT / "docs" / "protocol.md").read_text()
    for route in boardfile_api.router.routes:
        for method in route.methods:  # type: ignore[attr-defined]
            path = route.path.replace("{session_id}", "{id}")  # type: ignore[attr-defined]
            assert f"`{method} {path}`" in protocol, f"{method} {path} is not in protocol.md"
    doc = (ROOT / "docs" / "boardfile.md").read_text()
    for name, module in TORCH_MODULES.items():
        assert re.search(rf"^\| `{name}` \| `{re.escape(module)}`", doc, re.M), name


def test_inline_data_is_kept_as_the_network_sees_it(live: Live) -> None:
    data = {"inputs": [[0.0, 10.0], [1.0, 30.0], [2.0, 10.0], [3.0, 50.0], [4.0, 20.0],
                       [5.0, 40.0]],
            "targets": [[1, 0], [0, 1], [1, 0], [0, 1], [1, 0], [0, 1]],
            "class_names": ["cat", "dog"], "scaling": "standardise"}
    created, blob = trained(live, "xor", layers=[2, 3, 2], output_activation="softmax",
                            loss="cross_entropy", dataset=data, steps=3)
    saved = json.loads(_meta(blob)["config"])["dataset"]
    old = live.session(created["id"]).trainer.data
    assert saved["inputs"] == old.x_train.tolist() != data["inputs"]  # scaled, as trained on
    assert saved["class_names"] == ["cat", "dog"]
    opened_as = httpx.post(f"{live.base}/api/board-files", content=blob).json()["config"]
    new = live.session(live.create(**opened_as)["id"]).trainer.data
    np.testing.assert_array_equal(new.x_train, old.x_train)
    np.testing.assert_array_equal(new.y_train, old.y_train)
    assert new.class_names == ("cat", "dog")


def test_inline_data_too_large_for_the_file_is_said_and_the_file_still_restores(
        live: Live) -> None:
    rng = np.random.default_rng(5)
    data = {"inputs": rng.normal(size=(3000, 25)).tolist(),
            "targets": rng.normal(size=(3000, 1)).tolist()}
    created, blob = trained(live, "sine", layers=[25, 2, 1], dataset=data, batch_size=None,
                            steps=2)
    assert _meta(blob)["dataset"] == "inline data, 3000 rows (too large to keep in the file)"
    assert "dataset" not in json.loads(_meta(blob)["config"])
    assert len(blob) < 64 * 1024
    got = httpx.post(f"{live.base}/api/board-files", content=blob).json()
    assert got["config"] is None and "does not keep its data" in got["new_board_refused"]
    r = httpx.put(url(live, created["id"]), content=blob,
                  headers={"Authorization": f"Bearer {created['control_token']}"})
    assert r.status_code == 200, r.text


def test_restoring_into_a_board_with_other_activations_says_so(live: Live) -> None:
    _, blob = trained(live, "circle", steps=1)
    other = live.create(preset="circle", activation="relu")
    r = httpx.put(url(live, other["id"]), content=blob,
                  headers={"Authorization": f"Bearer {other['control_token']}"})
    assert r.status_code == 200, r.text
    assert r.json()["differences"] == ["the file's board used activation 'tanh', this board "
                                       "uses 'relu'"]
