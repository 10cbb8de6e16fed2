"""A heavy board's run is cut into the phases of its steps (runner.Cut), so the event loop is
held no longer than one phase: the steps are exactly the engine's, each shown frame is the
state its step started from with what the step did, and a pause inside a step puts it back
bit for bit. Checked against an independent trainer built from the same config."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import numpy as np
import pytest

from dialboard.engine import Trainer
from dialboard.server import frames, protocol, runner
from dialboard.server.session import Session
from dialboard.server.session_config import build, resolve
from tests.server.live import run

CONFIG = {"dataset": "digits-25x25", "layers": [625, 40, 10], "batch_size": None,
          "momentum": 0.5}


class Watcher:
    """A socket, as far as the session can tell: frames are built when anyone watches."""

    controls, seat, next_frame_at = True, None, 0.0

    def wake(self) -> None: ...
    def send_json(self, message: dict[str, Any]) -> None: ...
    def send_last(self, message: dict[str, Any]) -> None: ...
    def close(self) -> None: ...


def board(watched: bool = False) -> tuple[Session, Trainer]:
    """The session and an independent trainer of the same config (its twin)."""
    config = resolve(CONFIG)
    s = Session(config, build(config, max_parameters=10**6))
    if watched:
        s.peers.add(Watcher())
    assert runner.heavy(s)  # 25,450 parameters × 1,437 examples a step
    return s, build(config, max_parameters=10**6)


def same(a: Trainer, b: Trainer) -> bool:
    return all(np.array_equal(a.net.params[n], b.net.params[n]) for n in a.net.params)


def units(cut: runner.Cut, s: Session, n: int) -> int:
    """`n` slices of one unit each (a deadline already past): how many steps completed."""
    return sum(cut.slice(s, 0.0, None) for _ in range(n))


def test_cut_steps_are_the_engine_s_steps_and_a_pause_inside_one_puts_it_back() -> None:
    s, twin = board()
    cut = runner.Cut()
    phases = len(s.trainer.phases)
    assert units(cut, s, 2 * (phases + 1)) == 2  # each step: its beginning, then its phases
    twin.step(2)
    assert same(s.trainer, twin) and s.trainer.step_count == 2
    assert units(cut, s, 3) == 0  # the third step begun, two of its phases run
    assert s.trainer.pos == 2
    cut.put_back(s)  # paused here
    assert (s.trainer.pos, s.trainer.step_count, s.trainer.phase) == (0, 2, "idle")
    assert same(s.trainer, twin)
    s.trainer.step()
    twin.step()
    assert same(s.trainer, twin)  # the batch order and momentum were put back too


def test_a_hand_turn_inside_a_cut_step_is_never_put_back() -> None:
    s, _ = board()
    cut = runner.Cut()
    units(cut, s, 3)
    with s.action("set", ("layers.0.weight", (3, 300))):
        s.trainer.set_value("layers.0.weight", [3, 300], 0.25)
    cut.put_back(s)
    assert s.trainer.value("layers.0.weight", (3, 300)) == 0.25


def test_each_cut_step_shows_the_state_it_started_from_with_what_it_did() -> None:
    s, twin = board(watched=True)
    cut = runner.Cut()
    for k in range(3):
        before = {n: p.copy() for n, p in twin.net.params.items()}
        twin.step()
        assert units(cut, s, len(s.trainer.phases) + 1) == 1
        frame = s._shown
        assert frame is not None and frame.metadata["step"] == str(k)
        for name, p in before.items():
            assert np.array_equal(frame.params[name], p)
            assert np.array_equal(frame.grads[f"{name}.update"], twin.net.params[name] - p)
        s.changed(by_run=True)  # as the runner does after the slice


def test_a_heavy_board_s_pause_shows_at_once_with_true_figures_then_its_own(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The run's end is the pause's one new version, a quick one: the presenter sees the
    board stop without a pass over the data (the screen's last figures of the run, each the
    true cost of the step it names); the slope's encoding brings the state's own figures."""
    s, twin = board(watched=True)
    peer = next(iter(s.peers))

    async def play_then_pause() -> tuple[int, int]:
        s.start(None, None)
        while s.trainer.step_count < 2 or s.trainer.pos == 0:  # inside a step: put back
            await asyncio.sleep(0)
        before = s.version
        await protocol.dispatch(s, peer, {"type": "pause"})
        return before, s.version

    before, after = run(play_then_pause())  # on a thread of its own (live.run)
    assert not s.playing and not s.busy and s.trainer.pos == 0
    assert after == before + 1
    passes: list[int] = []
    figures = frames.figures
    monkeypatch.setattr(frames, "figures", lambda t: passes.append(1) or figures(t))
    frame = s.frame(None)
    assert not frame.ready and not passes  # no pass over the data before it goes out
    step, shown = s.trainer.step_count, screen_of(frame.encode("f32", False))
    assert shown[0] <= step and shown[1] == cost_at(twin, shown[0])
    frame.encode("f32", True)
    assert frame.ready and "layers.0.weight.grad" in frame.grads
    own = cost_at(twin, step)
    assert screen_of(frame.encode("f32", True)) == (step, own)
    assert screen_of(frame.encode("f32", False)) == (step, own)  # made again: not the old
    assert s.cost_history[-1] == (step, own)


def screen_of(blob: bytes) -> tuple[int, float]:
    """The screen a frame shows: the step its figures are of, and its cost."""
    from safetensors.numpy import load

    n = int.from_bytes(blob[:8], "little")
    meta = json.loads(blob[8 : 8 + n])["__metadata__"]
    return int(meta["cost_step"]), float(load(blob)["cost"][0])


def cost_at(twin: Trainer, step: int) -> float:
    """The training set's cost after `step` steps of the independent twin."""
    twin.step(step - twin.step_count)
    return twin.cost()
