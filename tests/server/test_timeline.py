"""Time travel through a real server: the board at an earlier step equals an independent
trainer built from the same config and stepped to that step, exactly; a branch drops the old
future, undo brings the board back; the keyframes of 2,000 steps of the 625 board fit in
100 MiB."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from dialboard.engine import Trainer
from dialboard.server.session_config import build, resolve
from dialboard.server.timeline import MAX_BYTES, Timeline, bound, spacing
from tests.server.live import Client, Live, opened, run

CONFIG = {"preset": "circle", "seed": 7, "batch_size": 8}   # mini-batches: the RNG matters


def reference(steps: int, turn: tuple[int, str, list[int], float] | None = None) -> Trainer:
    """A trainer of CONFIG built here, stepped `steps` times (with a turn after `turn[0]`)."""
    t = build(resolve(CONFIG), max_parameters=10**9)
    for k in range(steps):
        if turn is not None and k == turn[0]:
            t.set_value(turn[1], turn[2], turn[3])
        t.step()
    return t


def same_board(live: Live, sid: str, ref: Trainer) -> None:
    t = live.call(lambda: live.session(sid).trainer)
    state = live.call(lambda: (t.step_count, {n: a.copy() for n, a in t.net.params.items()}))
    assert state[0] == ref.step_count
    for name, arr in ref.net.params.items():
        np.testing.assert_array_equal(state[1][name], arr, err_msg=name)


async def train(c: Client, count: int, until: int) -> None:
    await c.send({"type": "step", "count": count})
    await c.frame(step=str(until), running="false")


async def travel(c: Client, step: int) -> dict[str, str]:
    await c.send({"type": "travel", "step": step})
    return (await c.frame(step=str(step))).meta


def test_travel_back_and_forth_shows_each_step_exactly(live: Live) -> None:
    async def go() -> None:
        c, created, first = await opened(live, **CONFIG)
        sid, levels = created["id"], int(first.meta["undo_levels"])
        await train(c, 60, 60)
        meta = await travel(c, 23)
        assert meta["timeline"] == "0,60"
        same_board(live, sid, reference(23))
        await travel(c, 57)   # forward again: the steps ahead were kept
        same_board(live, sid, reference(57))
        assert int((await travel(c, 3))["undo_levels"]) == levels + 2   # the run, one scrub
        await c.send({"type": "undo"})
        await c.frame(step="60")
        same_board(live, sid, reference(60))

    run(go())


def test_a_turn_made_in_the_past_is_in_the_timeline(live: Live) -> None:
    async def go() -> None:
        c, created, _ = await opened(live, **CONFIG)
        sid = created["id"]
        await train(c, 10, 10)
        await c.send({"type": "set", "name": "layers.0.weight", "index": [1, 0], "value": 0.75})
        await c.frame(step="10")
        await train(c, 20, 30)
        await travel(c, 15)
        same_board(live, sid, reference(15, (10, "layers.0.weight", [1, 0], 0.75)))

    run(go())


def test_a_branch_starts_a_new_future_and_undo_brings_the_old_one_back(live: Live) -> None:
    async def go() -> None:
        c, created, _ = await opened(live, **CONFIG)
        sid = created["id"]
        await train(c, 40, 40)
        await travel(c, 20)
        await c.send({"type": "step"})
        meta = (await c.frame(step="21")).meta
        assert meta["timeline"] == "0,21"   # steps 22 … 40 are no longer this board's future
        same_board(live, sid, reference(21))
        await c.send({"type": "undo"})   # the branch's step
        await c.frame(step="20")
        await c.send({"type": "undo"})   # the scrub
        await c.frame(step="40")
        same_board(live, sid, reference(40))

    run(go())


@pytest.mark.parametrize("step, words", [(61, "step must be 0 … 60, not 61"),
                                         (-1, "step must be 0 … 60, not -1")])
def test_a_step_outside_the_timeline_is_refused(live: Live, step: int, words: str) -> None:
    async def go() -> None:
        c, created, _ = await opened(live, **CONFIG)
        await train(c, 60, 60)
        version = live.call(lambda: live.session(created["id"]).version)
        await c.send({"type": "travel", "step": step})
        reply: dict[str, Any] = await c.json()
        while reply["type"] != "error":
            reply = await c.json()
        assert words in reply["message"]
        assert live.call(lambda: live.session(created["id"]).version) == version

    run(go())


@pytest.mark.parametrize("momentum", [0.0, 0.9])   # with momentum a keyframe holds it too
def test_the_keyframes_of_2000_steps_of_the_625_board_fit_its_bound(momentum: float) -> None:
    t = build(resolve({"preset": "digits-625", "momentum": momentum}), max_parameters=10**9)
    timeline = Timeline(max_bytes=bound(t.arch.parameter_count, t.data.x_train.shape[0]))
    assert timeline.max_bytes <= MAX_BYTES
    timeline.changed(t)
    for _ in range(2000):
        t.step()
        timeline.trained(t)
    assert timeline.reachable() == (0, 2000)   # nothing dropped
    assert timeline.nbytes <= timeline.max_bytes
    probe = build(resolve({"preset": "digits-625", "momentum": momentum}), max_parameters=10**9)
    assert spacing(t) == 228   # 96,000,000 // (13,150 parameters × 32 examples)
    timeline.state_at(probe, 1234)   # replayed from the keyframe at 1140
    ref = build(resolve({"preset": "digits-625", "momentum": momentum}), max_parameters=10**9)
    for _ in range(1234):
        ref.step()
    for name, arr in ref.net.params.items():
        np.testing.assert_array_equal(probe.net.params[name], arr, err_msg=name)
