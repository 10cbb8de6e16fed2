"""Frames while training runs and right after a hand turn tell the truth at speed: the cost
belongs to the step it names, the arrows are what the step itself did, a turned dial's frame
comes before its slope and the slope that follows is the server's own. Through a real server;
costs recomputed here in NumPy from the frames' own parameters."""

import functools
from collections.abc import Callable

import httpx
import numpy as np
import pytest
from safetensors.numpy import load

from dialboard.server.figurer import Figurer, Inline
from dialboard.server.figures_proc import Helper
from tests.server.live import Client, Frame, Live, live_server, opened, run

CIRCLE = {"preset": "circle", "momentum": 0.9}  # 2-4-1, tanh, sigmoid, cross-entropy, batch 16
PARAMS = ("layers.0.weight", "layers.0.bias", "layers.1.weight", "layers.1.bias")


def circle_cost(p: dict[str, np.ndarray], x: np.ndarray, y: np.ndarray) -> float:
    """Mean binary cross-entropy of tanh → sigmoid, written out: softplus(z) − y·z."""
    w = {n: p[n].astype(np.float64) for n in PARAMS}
    a = np.tanh(x @ w["layers.0.weight"].T + w["layers.0.bias"])
    z = a @ w["layers.1.weight"].T + w["layers.1.bias"]
    t = y.reshape(z.shape)
    return float((np.logaddexp(0.0, z) - t * z).mean())


def training_set(live: Live, sid: str) -> tuple[np.ndarray, np.ndarray]:
    r = httpx.get(f"{live.base}/api/sessions/{sid}/dataset", timeout=30)
    assert r.status_code == 200, r.text
    train = r.json()["train"]
    return np.array(train["inputs"], dtype=np.float64), np.array(train["targets"], np.float64)


@pytest.mark.parametrize("figurer", [Inline, functools.partial(Helper, judge=False)])
def test_while_playing_the_cost_is_the_cost_of_the_step_it_names(
        figurer: Callable[[], Figurer]) -> None:
    """Playing, the figures are asked of the figurer (the helper process the server has, or
    its in-process stand-in) and come later: frames show an earlier step's, by its name."""
    async def go(live: Live) -> None:
        c, created, _ = await opened(live, **CIRCLE)
        x, y = training_set(live, created["id"])
        await c.send({"type": "play"})
        seen: dict[int, dict[str, np.ndarray]] = {}
        earlier = 0
        while earlier < 3:  # figures made in this process name the frame's own step
            f = await c.frame(playing="true")
            step, cost_step = f.step, int(f.meta["cost_step"])
            seen[step] = {n: f[n] for n in PARAMS}
            assert cost_step <= step and "layers.0.weight.grad" not in f.tensors
            assert f.meta["in_step"] == "false" and "layers.0.weight.update" in f.tensors
            # the chart's newest point is these very figures
            assert f["history.step"][-1] == cost_step
            assert f["history.cost"][-1] == np.float32(f.cost)
            if cost_step in seen:
                assert f.cost == pytest.approx(circle_cost(seen[cost_step], x, y), rel=1e-5)
                earlier += cost_step < step
        await c.send({"type": "pause"})
        f = await c.frame(playing="false", running="false")
        assert f.meta["cost_step"] == f.meta["step"] and "layers.0.weight.grad" in f.tensors
        assert f.cost == pytest.approx(circle_cost({n: f[n] for n in PARAMS}, x, y), rel=1e-5)
        await c.close()

    with live_server(figurer=figurer()) as live:
        run(go(live))


def test_while_playing_the_arrows_are_what_the_next_step_did(live: Live) -> None:
    async def go() -> None:
        c, _, _ = await opened(live, **CIRCLE)
        await c.send({"type": "play", "steps_per_second": 40})
        frames: dict[int, Frame] = {}
        pairs = 0
        while pairs < 5:
            f = await c.frame(playing="true")
            frames[f.step] = f
            before = frames.get(f.step - 1)
            if before is None:
                continue
            assert before.meta["update_examples"] == "16"
            assert before["update.batch"].shape == (16,)
            for name in PARAMS:  # F64 dials, F32 arrows: the change is the arrow to F32's digits
                change = f[name] - before[name]
                np.testing.assert_allclose(change, before[f"{name}.update"], rtol=1e-6,
                                           atol=1e-12)
            pairs += 1
        await c.send({"type": "pause"})
        await c.frame(playing="false", running="false")
        await c.close()

    run(go())


def test_a_turned_dial_reaches_the_presenter_before_its_slope(live: Live) -> None:
    async def go() -> None:
        c, created, _ = await opened(live, "digits-625")
        sid, index = created["id"], [3, 300]
        for value in (0.25, -0.5):
            await c.send({"type": "set", "name": "layers.0.weight", "index": index,
                          "value": value})
            first = await c.frame()
            while first["layers.0.weight"][3, 300] != value:
                first = await c.frame()
            assert first.meta["has_grads"] == "false" and first.meta["precision"] == "f32"
            assert not any(n.endswith((".grad", ".update")) for n in first.tensors)
            full = await c.frame(version=first.meta["version"])
            assert full.meta["has_grads"] == "true"
            r = httpx.get(f"{live.base}/api/sessions/{sid}/state.safetensors",
                          params={"grads": "true"}, timeout=30)
            state = load(r.content)
            assert first.cost == full.cost == float(state["cost"][0])
            for name in ("layers.0.weight", "layers.2.bias"):
                for kind in ("grad", "update"):
                    np.testing.assert_allclose(full[f"{name}.{kind}"], state[f"{name}.{kind}"],
                                               rtol=1e-6, atol=1e-12)
        await c.close()

    run(go())


def test_a_viewer_of_a_turned_big_board_gets_the_slope_too(live: Live) -> None:
    async def go() -> None:
        c, created, _ = await opened(live, "digits-625")
        v = await Client.connect(live, created["id"])
        await v.json()
        await c.send({"type": "set", "name": "layers.1.bias", "index": [2], "value": 1.5})
        f = await c.frame(undo_levels="1", has_grads="true")
        g = await v.frame(version=f.meta["version"], has_grads="true")
        assert "layers.1.bias.grad" in g.tensors and g.meta["precision"] == "f16"
        np.testing.assert_allclose(g["layers.1.bias.grad"], f["layers.1.bias.grad"],
                                   rtol=2e-3, atol=1e-6)
        await v.close()
        await c.close()

    run(go())
