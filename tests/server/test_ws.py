"""The websocket protocol against a running server, through a real websocket client."""

import json
import math

import httpx
import numpy as np
import pytest
import websockets

from dialboard.engine import Architecture, Network
from dialboard.server import history as history_module
from dialboard.server import ws as ws_module
from tests.server.live import DEADLINE, Client, Live, live_server, opened, run


def test_hello_then_a_state_frame(live: Live) -> None:
    async def go() -> None:
        created = live.create(preset="xor")
        c = await Client.connect(live, created["id"])
        hello = await c.json()
        assert hello["protocol"] == 1 and hello["role"] == "viewer"
        assert hello["session"] == created["id"] and hello["config"]["layers"] == [2, 2, 1]
        assert [p["name"] for p in hello["parameters"]] == [
            "layers.0.weight", "layers.0.bias", "layers.1.weight", "layers.1.bias"]
        f = await c.frame()
        assert f.meta["step"] == "0" and f.meta["phase"] == "idle"
        assert f["cost"].dtype == np.float64 and f["cost"].shape == (1,)
        assert f["layers.0.weight"].shape == (2, 2)
        assert f["layers.0.weight.grad"].shape == (2, 2)
        await c.close()

    run(go())


def test_frame_cost_and_gradient_match_the_parameters_in_it(live: Live) -> None:
    async def go() -> None:
        c, _, f = await opened(live, "xor")
        await c.send({"type": "step", "count": 1})
        f = await c.frame(step="1")
        params = {n: f[n] for n in
                  ("layers.0.weight", "layers.0.bias", "layers.1.weight", "layers.1.bias")}
        net = Network(Architecture((2, 2, 1), "sigmoid", "sigmoid", "quadratic"), params)
        x = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
        y = np.array([[0], [1], [1], [0]], dtype=float)
        cost, grads = net.gradient(x, y)
        assert f.cost == pytest.approx(cost, rel=1e-12)  # the network's own F64 parameters
        for name, g in grads.items():
            np.testing.assert_allclose(f[f"{name}.grad"], g, rtol=1e-4, atol=1e-7)
        await c.close()

    run(go())


def test_phase_walks_a_whole_step_with_phase_tensors(live: Live) -> None:
    async def go() -> None:
        c, _, _ = await opened(live, "xor")
        seen = []
        for _ in range(6):
            await c.send({"type": "phase"})
            f = await c.frame()
            seen.append(f.meta["phase"])
            if f.meta["phase"] == "forward:0":
                assert "layers.0.activation" in f.tensors and "layers.1.activation" not in f.tensors
            if f.meta["phase"] == "backward:1":
                assert "layers.1.delta" in f.tensors and "layers.0.delta" not in f.tensors
        assert seen == ["forward:0", "forward:1", "cost", "backward:1", "backward:0", "update"]
        assert f.meta["step"] == "1"
        await c.close()

    run(go())


def test_set_moves_the_cost_and_undo_takes_it_back(live: Live) -> None:
    async def go() -> None:
        c, _, first = await opened(live, "xor")
        await c.send({"type": "set", "name": "layers.1.weight", "index": [0, 0], "value": 3.0})
        f = await c.frame()
        assert f["layers.1.weight"][0, 0] == 3.0 and f.cost != first.cost
        await c.send({"type": "undo"})
        f = await c.frame()
        assert f.cost == first.cost
        np.testing.assert_array_equal(f["layers.1.weight"], first["layers.1.weight"])
        await c.close()

    run(go())


def test_undo_covers_steps_phases_locks_configure_and_reset(live: Live) -> None:
    async def go() -> None:
        c, _, first = await opened(live, "xor")
        actions = [{"type": "step"}, {"type": "phase"},
                   {"type": "lock", "name": "layers.0.bias", "locked": True},
                   {"type": "configure", "learning_rate": 0.1}, {"type": "reset", "seed": 9}]
        for a in actions:
            await c.send(a)
            await c.frame()
        for _ in actions:
            await c.send({"type": "undo"})
            f = await c.frame()
        assert f.meta["step"] == "0" and f.meta["learning_rate"] == "4.0"
        assert f.cost == first.cost and "layers.0.bias.locked" not in f.tensors
        await c.send({"type": "undo"})
        err = await c.json()
        assert err == {"type": "error", "message": "nothing to undo", "request_type": "undo",
                       "words": {"key": "refusal.undo.nothing", "params": {}},
                       "reason": "rejected"}
        await c.close()

    run(go())


def test_lock_shows_in_frames_and_training_respects_it(live: Live) -> None:
    async def go() -> None:
        c, _, first = await opened(live, "xor")
        await c.send({"type": "lock", "name": "layers.0.weight", "index": [1, 0], "locked": True})
        f = await c.frame()
        assert f["layers.0.weight.locked"].tolist() == [[0, 0], [1, 0]]
        await c.send({"type": "step", "count": 5})
        f = await c.frame(step="5", running="false")
        assert f["layers.0.weight"][1, 0] == first["layers.0.weight"][1, 0]
        assert f["layers.0.weight"][0, 0] != first["layers.0.weight"][0, 0]
        await c.close()

    run(go())


def test_configure_changes_learner_and_rates_live(live: Live) -> None:
    async def go() -> None:
        c, _, _ = await opened(live, "circle")
        await c.send({"type": "configure", "learner": "evolution", "step_size": 0.2,
                      "batch_size": None})
        f = await c.frame()
        assert f.meta["learner"] == "evolution"
        await c.send({"type": "phase"})
        f = await c.frame()
        assert f.meta["phase"] == "nudge"
        await c.close()

    run(go())


def test_example_chooses_what_is_on_display(live: Live) -> None:
    async def go() -> None:
        c, _, _ = await opened(live, "xor")
        await c.send({"type": "example", "index": 2})
        f = await c.frame()
        assert f.meta["example"] == "2" and f["example.input"].tolist() == [1.0, 0.0]
        assert f["example.target"].tolist() == [1.0] and "layers.0.delta" in f.tensors
        await c.close()

    run(go())


@pytest.mark.parametrize(
    "message,needle",
    [
        ("not json", "not JSON"),
        ("[1, 2]", "must be a JSON object"),
        ('{"type": "fly"}', "unknown message type 'fly'"),
        ('{"kind": "step"}', "unknown message type None"),
        ('{"type": "step", "count": "3"}', "step.count must be a whole number"),
        ('{"type": "step", "count": 0}', "count must be 1"),
        ('{"type": "step", "speed": 3}', "step has no field 'speed'"),
        ('{"type": "set", "name": "layers.0.weight", "index": [5, 0], "value": 1}',
         "index[0] of layers.0.weight must be 0 … 1"),
        ('{"type": "set", "name": "layers.0.weight", "index": [0, 0], "value": NaN}',
         "set.value must be a finite number"),
        ('{"type": "set", "name": "layers.0.weight", "index": [0, 0], "value": Infinity}',
         "set.value must be a finite number"),
        ('{"type": "set", "name": "layers.0.weight", "index": [0, 0]}', "needs the field 'value'"),
        ('{"type": "set", "name": "layers.7.weight", "index": [0, 0], "value": 1}',
         "unknown parameter 'layers.7.weight'"),
        ('{"type": "lock", "name": "layers.0.bias", "locked": "yes"}', "must be true or false"),
        ('{"type": "configure", "learning_rate": -1}', "learning_rate must be greater than 0"),
        ('{"type": "configure"}', "at least one setting"),
        ('{"type": "configure", "batch_size": 99}', "more than the 4 training examples"),
        ('{"type": "play", "steps_per_second": 0}', "steps_per_second must be above 0"),
        ('{"type": "reset", "seed": -4}', "seed must be 0"),
        ('{"type": "example", "index": 4}', "index must be 0 … 3"),
        ('{"type": "control"}', "control needs the field 'token'"),
        ('"x' + "y" * 5000 + '"', "message too large"),
    ],
)
def test_bad_messages_get_an_error_and_change_nothing(live: Live, message: str, needle: str
                                                      ) -> None:
    async def go() -> None:
        c, _created, first = await opened(live, "xor")
        await c.send(message)
        err = await c.json()
        assert err["type"] == "error" and needle in err["message"], err
        await c.send({"type": "example", "index": 1})  # the connection is still open
        f = await c.frame(example="1")
        assert f.cost == first.cost and f.meta["step"] == "0"
        np.testing.assert_array_equal(f["layers.0.weight"], first["layers.0.weight"])
        assert f.meta["undo_levels"] == "0"
        await c.close()

    run(go())


def test_binary_messages_are_refused(live: Live) -> None:
    async def go() -> None:
        c, _, _ = await opened(live, "xor")
        await c.send(b"\x00\x01")
        err = await c.json()
        assert "send JSON text" in err["message"]
        await c.close()

    run(go())


def test_a_viewer_cannot_control_and_a_wrong_token_is_refused(live: Live) -> None:
    async def go() -> None:
        created = live.create(preset="xor")
        v = await Client.connect(live, created["id"])
        await v.json()
        await v.frame()
        for kind in ("step", "phase", "play", "pause", "undo", "reset"):
            await v.send({"type": kind})
            err = await v.json()
            assert "watching" in err["message"] and err["request_type"] == kind
        await v.send({"type": "control", "token": "guess"})
        assert await v.json() == {"type": "control", "granted": False}
        await v.send({"type": "step"})
        assert "watching" in (await v.json())["message"]
        assert live.session(created["id"]).trainer.step_count == 0
        await v.close()

    run(go())


@pytest.mark.parametrize("preset, dials", [("xor", np.float64), ("digits-625", np.float16)])
def test_viewers_get_every_change_a_big_board_s_dials_in_f16(
        live: Live, preset: str, dials: type[np.floating]) -> None:
    """A viewer's frame narrows a big board's tensors only (bandwidth): a small board's
    phase panel writes four digits, which F16 got wrong (g′(z) 0.2466 on the phones, 0.2465
    on the projector), so its viewers get the presenter's frame. The example's numbers go as
    the network has them on every board."""
    async def go() -> None:
        p, created, _ = await opened(live, preset)
        viewers = [await Client.connect(live, created["id"]) for _ in range(3)]
        for v in viewers:
            await v.json()
            await v.frame()
        await p.send({"type": "set", "name": "layers.0.bias", "index": [1], "value": 0.75})
        pf = await p.frame()
        for v in viewers:
            f = await v.frame(version=pf.meta["version"])
            assert f["layers.0.bias"].dtype == dials and f["layers.0.bias"][1] == 0.75
            assert f.cost == pf.cost
            assert f.meta["precision"] == ("f16" if dials is np.float16 else "f32")
            for name in ("example.input", "layers.0.z", "layers.1.activation"):
                assert f[name].dtype == np.float64, name
                np.testing.assert_array_equal(f[name], pf[name])
        # The presenter's: the network's own F64 (frame `precision` names its narrowest part).
        assert pf["layers.0.bias"].dtype == np.float64 and pf.meta["precision"] == "f32"
        for c in (p, *viewers):
            await c.close()

    run(go())


def test_a_presenter_is_paced_as_one_from_the_moment_control_is_granted() -> None:
    """A socket starts as a viewer: its first frame goes at once, the next after the
    viewer's bandwidth has carried it. Once control is granted, the presenter's pace applies
    at once: a step right after is shown without waiting out the viewer's budget (at 2 Mbit/s
    the 625 board's first frame held a teacher's first step back for 0.44 s; here, at
    100 bit/s, for hours)."""
    with live_server(viewer_bandwidth_bps=100) as live:
        async def go() -> None:
            c, _, first = await opened(live, "digits-625")
            assert first.meta["has_grads"] == "true"   # the presenter's frame, with its slope
            await c.send({"type": "step"})
            await c.frame(step="1")
            await c.close()

        run(go())


def test_cross_site_origins_and_unknown_sessions_are_refused(live: Live) -> None:
    async def go() -> None:
        created = live.create(preset="xor")
        url = f"{live.ws_base}/ws/sessions/{created['id']}"
        with pytest.raises(websockets.exceptions.InvalidStatus) as info:
            await websockets.connect(url, origin="http://evil.example")  # type: ignore[arg-type]
        assert info.value.response.status_code == 403
        same = live.base
        ok = await websockets.connect(url, origin=same)  # type: ignore[arg-type]
        assert json.loads(await ok.recv())["type"] == "hello"
        await ok.close()
        with pytest.raises(websockets.exceptions.InvalidStatus):
            await websockets.connect(f"{live.ws_base}/ws/sessions/nope")

    run(go())


def test_an_allow_listed_origin_is_accepted() -> None:
    with live_server(allowed_origins=("https://school.example",)) as live:
        async def go() -> None:
            created = live.create(preset="xor")
            url = f"{live.ws_base}/ws/sessions/{created['id']}"
            ws = await websockets.connect(url, origin="https://school.example")  # type: ignore[arg-type]
            assert json.loads(await ws.recv())["type"] == "hello"
            await ws.close()

        run(go())


def test_a_fast_drag_is_coalesced_not_queued(live: Live, monkeypatch: pytest.MonkeyPatch
                                             ) -> None:
    # However slowly this machine gets through the drag, it stays one drag (one undo level).
    monkeypatch.setattr(history_module, "DRAG_SECONDS", 10 * DEADLINE)

    async def go() -> None:
        c, created, _ = await opened(live, "xor")
        for k in range(600):  # far above the rate limit
            await c.send({"type": "set", "name": "layers.0.weight", "index": [0, 0],
                          "value": k / 100})
        while True:  # frames show the drag going on, and end on its last value
            f = await c.frame()
            if f["layers.0.weight"][0, 0] == 5.99:
                break
        assert int(f.meta["undo_levels"]) == 1  # one drag, one undo level
        # Nothing was queued behind the last value: the frame after a later message (one
        # that is never rate limited) still shows it.
        await c.control(created["control_token"])
        f = await c.frame()
        assert f["layers.0.weight"][0, 0] == 5.99
        assert int(f.meta["undo_levels"]) == 1

    run(go())


@pytest.fixture
def no_refill(monkeypatch: pytest.MonkeyPatch) -> int:
    """A burst of 20 messages and (practically) no refill: exactly 20 are let through."""
    monkeypatch.setattr(ws_module, "RATE_BURST", 20.0)
    monkeypatch.setattr(ws_module, "RATE_PER_SECOND", 1e-9)
    return 20


def test_too_many_other_messages_are_refused_with_a_message(live: Live, no_refill: int
                                                            ) -> None:
    async def go() -> None:
        c, created, _ = await opened(live, "xor")  # `control` takes no token
        for k in range(no_refill + 10):
            await c.send({"type": "example", "index": k % 4})
        await c.send({"type": "control", "token": created["control_token"]})  # never limited
        errors = []
        while (m := await c.json()).get("type") == "error":
            errors.append(m)
        assert m == {"type": "control", "granted": True}  # after every earlier reply
        assert len(errors) == 10, errors
        assert all("too many messages" in e["message"] and e["request_type"] == "example"
                   for e in errors)
        f = await c.frame()
        assert f.meta["example"] == str((no_refill - 1) % 4)  # the last one let through

    run(go())


def test_every_message_over_the_rate_gets_an_error_and_pause_always_works(
    live: Live, no_refill: int
) -> None:
    async def go() -> None:
        c, created, _ = await opened(live, "xor")
        await c.send({"type": "play"})
        for k in range(100):  # each accepted lock is one undo level: exact accounting
            await c.send({"type": "lock", "name": "layers.0.bias", "locked": k % 2 == 0})
        await c.send({"type": "pause"})  # never rate limited
        await c.send({"type": "control", "token": created["control_token"]})  # nor this
        errors = 0
        while (m := await c.json()).get("type") == "error":
            assert "too many messages" in m["message"] and m["request_type"] == "lock", m
            errors += 1
        assert m == {"type": "control", "granted": True}
        f = await c.frame(playing="false")  # paused, after every lock was answered
        accepted = int(f.meta["undo_levels"]) - 1  # the play run is one level
        assert accepted == no_refill - 1  # play took one token
        assert accepted + errors == 100

    run(go())


def test_a_burst_of_bad_messages_gets_every_error_and_the_socket_stays(live: Live) -> None:
    async def go() -> None:
        c, _, _ = await opened(live, "xor")
        for _ in range(100):
            await c.send({"type": "nope"})
        errors = [await c.json() for _ in range(100)]
        assert all("unknown message type" in e["message"] for e in errors)
        await c.send({"type": "example", "index": 1})
        await c.frame(example="1")

    run(go())


def test_divergence_is_reported_not_streamed_as_nan(live: Live) -> None:
    async def go() -> None:
        c, _, _ = await opened(live, "sine", learning_rate=1e9)
        await c.send({"type": "step", "count": 20})
        err = await c.json()
        assert err["type"] == "error" and "diverged" in err["message"]
        assert err["reason"] == "diverged"
        f = await c.frame(playing="false")
        assert "diverged" in f.meta["diverged"]
        assert all(np.isfinite(f[n]).all() for n in f.tensors if n.startswith("layers"))
        await c.send({"type": "undo"})
        f = await c.frame()
        assert f.meta["diverged"] == "" and math.isfinite(f.cost)
        await c.close()

    run(go())


def test_a_single_diverging_step_is_shown_and_undone(live: Live) -> None:
    async def go() -> None:
        c, _, first = await opened(live, "sine", learning_rate=1e9)
        await c.send({"type": "step"})
        err = await c.json()
        assert err["reason"] == "diverged" and "Lower the learning rate" in err["message"]
        f = await c.frame()
        assert f.meta["diverged"].startswith("training diverged at step 1")
        np.testing.assert_array_equal(f["layers.0.weight"], first["layers.0.weight"])
        await c.send({"type": "undo"})
        f = await c.frame()
        assert f.meta["diverged"] == ""
        await c.close()

    run(go())


def test_settings_ride_in_the_metadata_and_points_are_offered(live: Live) -> None:
    async def go() -> None:
        created = live.create(preset="circle")
        c = await Client.connect(live, created["id"])
        hello = await c.json()
        f = await c.frame()
        assert f.meta["batch_size_setting"] == "16" and f.meta["momentum"] == "0.0"
        url = hello["dataset"]["points_url"]
        points = httpx.get(live.base + url).json()
        assert len(points["train"]["inputs"]) == hello["dataset"]["n_train"]
        assert len(points["train"]["inputs"][0]) == 2
        await c.close()
        digits = live.create(preset="digits")
        d = await Client.connect(live, digits["id"])
        assert "points_url" not in (await d.json())["dataset"]
        r = httpx.get(f"{live.base}/api/sessions/{digits['id']}/dataset")
        assert r.status_code == 404 and "64 inputs" in r.json()["detail"]
        await d.close()

    run(go())


def test_the_presenters_dial_reaches_viewers_and_late_joiners_and_nothing_else(
        live: Live) -> None:
    """The class's panels explain the dial the teacher's do; the board does not change."""
    async def go() -> None:
        created = live.create(preset="xor")
        presenter = await Client.connect(live, created["id"])
        await presenter.json()
        await presenter.control(created["control_token"])
        before = (await presenter.frame()).meta["version"]
        early = await Client.connect(live, created["id"])
        assert (await early.json())["type"] == "hello"
        await presenter.send({"type": "select", "name": "layers.1.weight", "index": [0, 1]})
        said = {"type": "select", "name": "layers.1.weight", "index": [0, 1]}
        assert await early.json() == said
        late = await Client.connect(live, created["id"])
        assert (await late.json())["type"] == "hello"
        assert await late.json() == said
        for bad, words in [({"name": "layers.9.weight", "index": [0]}, "layers.9.weight"),
                           ({"name": "layers.1.weight", "index": [0, 2]}, "must be 0 … 1, got 2"),
                           ({"name": "layers.1.weight"}, "needs the field 'index'")]:
            await presenter.send({"type": "select", **bad})
            reply = await presenter.json()
            while reply["type"] == "audience":
                reply = await presenter.json()
            assert reply["type"] == "error" and words in reply["message"], reply
        await early.send({"type": "select", "name": "layers.0.bias", "index": [0]})
        assert "watching" in (await early.json())["message"]
        await presenter.send({"type": "step"})
        f = await presenter.frame(step="1")  # the next frame is the step's: no select made one
        assert int(f.meta["version"]) == int(before) + 1
        await presenter.send({"type": "select", "name": "layers.0.bias", "index": [1]})
        assert await late.json() == {"type": "select", "name": "layers.0.bias", "index": [1]}

    run(go())
