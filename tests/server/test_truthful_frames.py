"""What the frames show is what the network does: the arrow is the next step, a phase shows
only what it computed, runaway training is called divergence. Through a real server."""

import httpx
import numpy as np
import pytest
from safetensors.numpy import load

from dialboard.engine import Architecture, Network
from tests.server.live import Client, Frame, Live, opened, run

PARAMS = ("layers.0.weight", "layers.0.bias", "layers.1.weight", "layers.1.bias")


def _state(live: Live, sid: str, grads: bool = False) -> dict[str, np.ndarray]:
    r = httpx.get(f"{live.base}/api/sessions/{sid}/state.safetensors",
                  params={"grads": "true"} if grads else {}, timeout=30)
    assert r.status_code == 200, r.text
    return load(r.content)


def test_the_update_is_exactly_what_the_next_step_adds(live: Live) -> None:
    async def go() -> None:
        c, created, _ = await opened(live, "circle", batch_size=8, momentum=0.9)
        sid = created["id"]
        await c.send({"type": "step", "count": 5})  # momentum now carries velocity
        await c.frame(step="5", running="false")
        for step in range(6, 9):
            before = _state(live, sid, grads=True)
            await c.send({"type": "step"})
            await c.frame(step=str(step))
            after = _state(live, sid)
            for name in PARAMS:
                np.testing.assert_allclose(after[name] - before[name], before[f"{name}.update"],
                                           rtol=0, atol=1e-12)
                assert np.abs(before[f"{name}.update"]).max() > 0
        await c.close()

    run(go())


def test_the_frames_arrow_is_the_next_step_and_names_its_batch(live: Live) -> None:
    async def go() -> None:
        c, _, f = await opened(live, "circle", batch_size=8, momentum=0.9)
        await c.send({"type": "step", "count": 3})
        f = await c.frame(step="3", running="false")
        assert f.meta["in_step"] == "false" and f.meta["update_kind"] == "gradient_descent"
        assert f.meta["update_examples"] == "8" and f["update.batch"].shape == (8,)
        assert f["update.batch"].dtype == np.int32
        await c.send({"type": "step"})
        g = await c.frame(step="4")
        for name in PARAMS:  # F64 dials, F32 arrows: the change is the arrow to F32's digits
            change = g[name] - f[name]
            np.testing.assert_allclose(change, f[f"{name}.update"], rtol=1e-6, atol=1e-12)
            # and it is not the screen's slope times −η: that is a different direction here
            assert f"{name}.grad" in f.tensors and f"{name}.step_grad" in f.tensors
        await c.close()

    run(go())


def test_a_phase_shows_only_what_it_computed(live: Live) -> None:
    async def go() -> None:
        c, _, _ = await opened(live, "spiral", batch_size=16)
        layers = 3
        revealed: list[int] = []
        for _ in range(2 * layers + 2):
            await c.send({"type": "phase"})
            f = await c.frame()
            while f.meta["phase"] == "idle":
                f = await c.frame()
            phase = f.meta["phase"]
            if phase.startswith("backward:"):
                revealed.append(int(phase.split(":")[1]))
            in_step = phase != "update"
            assert f.meta["in_step"] == ("true" if in_step else "false"), phase
            names = set(f.tensors)
            for l in range(layers):
                for kind in ("weight", "bias"):
                    name = f"layers.{l}.{kind}"
                    if in_step:
                        assert f"{name}.grad" not in names, phase  # no slope mid-step
                        shown = l in revealed
                        assert (f"{name}.update" in names) == shown, (phase, name)
                        assert (f"{name}.step_grad" in names) == shown, (phase, name)
                    else:
                        assert f"{name}.grad" in names and f"{name}.update" in names
                if in_step:
                    assert (f"layers.{l}.delta" in names) == (l in revealed), (phase, l)
            expect = ",".join(map(str, revealed)) if in_step else "2,1,0"
            assert f.meta["update_layers"] == expect, phase
        assert revealed == [2, 1, 0]
        await c.close()

    run(go())


def test_trial_and_error_shows_the_one_dial_it_will_try(live: Live) -> None:
    async def go() -> None:
        c, _, _ = await opened(live, "xor", learner="trial_and_error", step_size=0.25)
        await c.send({"type": "step", "count": 3})
        f = await c.frame(step="3", running="false")
        assert f.meta["update_kind"] == "trial_and_error"
        nonzero = [(n, np.flatnonzero(f[f"{n}.update"])) for n in PARAMS]
        tried = [(n, idx) for n, idx in nonzero if idx.size]
        assert len(tried) == 1 and tried[0][1].size == 1
        name, (k,) = tried[0]
        amount = float(f[f"{name}.update"].ravel()[k])
        assert abs(amount) == pytest.approx(0.25)
        await c.send({"type": "phase"})  # nudge: the dial turns by exactly that
        g = await c.frame(phase="nudge")
        assert g.meta["in_step"] == "true" and f"{name}.update" not in g.tensors
        np.testing.assert_array_equal(g[f"{name}.tried"], f[f"{name}.update"])
        assert float(g[name].ravel()[k]) == pytest.approx(float(f[name].ravel()[k]) + amount,
                                                          abs=1e-6)
        assert g.meta["base_cost"] != "" and g.meta["phases"] == "nudge,cost,keep"
        await c.close()

    run(go())


def test_the_boundary_grid_is_the_networks_output(live: Live) -> None:
    async def go() -> None:
        created = live.create(preset="circle")
        c = await Client.connect(live, created["id"])
        hello = await c.json()
        grid = hello["dataset"]["grid"]
        await c.frame()
        await c.control(created["control_token"])
        f: Frame = await c.frame(precision="f32")
        (x0, x1, nx), (y0, y1, ny) = grid["x"], grid["y"]
        out = f["grid.output"]
        assert out.shape == (ny, nx)
        params = {n: f[n].astype(np.float64) for n in PARAMS}
        cfg = hello["config"]
        net = Network(Architecture(tuple(cfg["layers"]), cfg["activation"],
                                   cfg["output_activation"], cfg["loss"]), params)
        for r, col in ((0, 0), (ny - 1, 3), (ny // 2, nx // 2)):
            x = x0 + col * (x1 - x0) / (nx - 1)
            y = y0 + r * (y1 - y0) / (ny - 1)
            _, acts = net.forward(np.array([[x, y]]))
            assert float(out[r, col]) == pytest.approx(float(acts[-1][0, 0]), abs=1e-5)
        await c.close()

    run(go())


def test_runaway_training_stops_play_and_says_so(live: Live) -> None:
    async def go() -> None:
        c, _, f = await opened(live, "xor", dataset="digits", layers=[64, 10],
                               output_activation="softmax", loss="cross_entropy",
                               learning_rate=1e6, batch_size=32)
        await c.send({"type": "play"})
        err = await c.json(timeout=30)
        assert err["type"] == "error" and err["reason"] == "diverged", err
        assert "ran away" in err["message"] and "Lower the learning rate" in err["message"]
        g = await c.frame(playing="false")
        while not g.meta["diverged"]:
            g = await c.frame(playing="false")
        assert int(g.meta["step"]) < 10 and g.meta["update_refused"]
        await c.send({"type": "undo"})
        h = await c.frame(step="0")
        assert h.meta["diverged"] == "" and h.cost == pytest.approx(f.cost)
        await c.close()

    run(go())


def test_undoing_a_change_made_while_playing_keeps_the_runs_progress(live: Live) -> None:
    async def go() -> None:
        c, _, first = await opened(live, "xor")
        rate = first.meta["learning_rate"]
        held = {"name": "layers.1.bias", "index": [0]}  # locked: training never moves it
        await c.send({"type": "lock", **held, "locked": True})
        await c.frame(undo_levels="1")
        await c.send({"type": "play"})
        f = await c.frame(playing="true")
        while int(f.meta["step"]) < 20:
            f = await c.frame()
        await c.send({"type": "set", **held, "value": 1.5})
        await c.send({"type": "lock", "name": "layers.0.weight", "index": [0, 1],
                      "locked": True})
        await c.send({"type": "configure", "learning_rate": 2.0})
        f = await c.frame(learning_rate="2.0")
        changed_at = int(f.meta["step"])
        while int(f.meta["step"]) < changed_at + 200:
            f = await c.frame()
        await c.send({"type": "pause"})
        f = await c.frame(playing="false")
        paused_at = int(f.meta["step"])
        await c.send({"type": "undo"})
        f = await c.frame(learning_rate=rate)
        assert int(f.meta["step"]) == paused_at  # the run's progress stays
        await c.send({"type": "undo"})
        f = await c.frame(undo_levels="3")
        assert int(f.meta["step"]) == paused_at and "layers.0.weight.locked" not in f.tensors
        assert float(f["layers.1.bias"][0]) == 1.5
        await c.send({"type": "undo"})
        f = await c.frame(undo_levels="2")
        assert int(f.meta["step"]) == paused_at
        assert float(f["layers.1.bias"][0]) == float(first["layers.1.bias"][0])
        await c.send({"type": "undo"})  # then the run itself
        f = await c.frame(step="0")
        np.testing.assert_array_equal(f["layers.0.weight"], first["layers.0.weight"])
        await c.close()

    run(go())


def test_a_viewer_of_a_still_big_board_gets_its_arrows(live: Live) -> None:
    async def go() -> None:
        c, created, _ = await opened(live, "digits-625")
        v = await Client.connect(live, created["id"])
        await v.json()
        for step in range(1, 4):  # each state, once still, reaches the viewer with arrows
            await c.send({"type": "step"})
            await c.frame(step=str(step))
            f = await v.frame(timeout=20, step=str(step), has_grads="true")
            assert "layers.0.weight.update" in f.tensors and f.meta["precision"] == "f16"
        await v.close()
        await c.close()

    run(go())


def test_the_example_on_display_goes_out_as_the_network_has_it(live: Live) -> None:
    """The presenter's frames carried the example's numbers as F32: the textbook's
    z = 0.15·0.05 + 0.20·0.10 + 0.35 = 0.3775 (worked-example lesson) came as 0.37749999…
    and the phase panel said 0.377 where the network has 0.3775 (0.378 to three digits)."""
    from dialboard.server.lessons import lessons
    from dialboard.server.session_config import build, resolve

    board = lessons()["worked-example"]["steps"][0]["board"]
    t = build(resolve(board), max_parameters=1000)
    z = t.net.forward_layer(0, t.data.x_train[:1], guarded=False)[0][0]  # the engine's own

    async def go() -> None:
        created = live.create(**board)
        c = await Client.connect(live, created["id"])
        assert (await c.json())["type"] == "hello"
        await c.frame()
        await c.control(created["control_token"])
        await c.frame()
        await c.send({"type": "phase"})
        f = await c.frame(phase="forward:0")
        assert f.meta["precision"] == "f32"  # the presenter's frame
        assert f["layers.0.z"].dtype == np.float64
        assert f["layers.0.z"].tobytes() == np.asarray(z, dtype=np.float64).tobytes()
        assert f"{f['layers.0.z'][0]:.3f}" == "0.378"
        assert f["example.input"].dtype == np.float64
        await c.close()

    run(go())
