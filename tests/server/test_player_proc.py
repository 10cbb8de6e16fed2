"""What the player sends while it plays (player_proc.Playing), one step at a time: every state
it sends is a state the board passed through, exactly, and no two states it sends (its
start, a shown step's, a keyframe) are more than the play's `every` steps apart, so the
timeline replays at most that far; when shown steps come closer together than that, it
sends no keyframes at all (each costs the training core some 0.3 ms)."""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pytest

from dialboard.engine import Trainer
from dialboard.server.player_proc import Playing
from dialboard.server.session_config import build, resolve

RUN = 7
Sent = list[tuple[str, int]]


def trainer() -> Trainer:
    return build(resolve({"preset": "circle", "momentum": 0.9}), max_parameters=10**6)


def play(t: Trainer, every: int, steps: int, show_every: int | None) -> tuple[Sent, list[Any]]:
    """`steps` steps of a play from `t`'s state, a show asked every `show_every` steps."""
    out: list[Any] = []
    p = Playing(out.append)
    p.on(("data", 1, t.data))
    p.on(("play", RUN, 1, t.arch, t.snapshot(), None, every, False))
    for i in range(steps):
        if show_every is not None and i % show_every == 0:
            p.on(("show", RUN))
        p.step()
    return [(m[0], m[2].step_count) for m in out], out


def assert_exact(messages: list[Any]) -> None:
    """Each state sent is the one the board had at its step (replayed here from scratch)."""
    ref = trainer()
    for m in messages:
        snap = m[2]
        while ref.step_count < snap.step_count:
            ref.step()
        assert snap.pos == 0
        for name, value in ref.net.params.items():
            np.testing.assert_array_equal(snap.params[name], value, err_msg=name)


def gaps(start: int, sent: Sent) -> list[int]:
    steps = [start, *(step for _, step in sent)]
    return [b - a for a, b in itertools.pairwise(steps)]


def test_with_no_show_a_keyframe_is_sent_every_every_steps_from_the_plays_start() -> None:
    sent, messages = play(trainer(), every=8, steps=40, show_every=None)
    assert sent == [("key", k) for k in (8, 16, 24, 32, 40)]
    assert_exact(messages)


def test_shown_steps_closer_than_every_need_no_keyframe() -> None:
    sent, messages = play(trainer(), every=8, steps=60, show_every=5)
    assert {kind for kind, _ in sent} == {"shown"}
    assert max(gaps(0, sent)) <= 8
    assert_exact(messages)


@pytest.mark.parametrize("show_every", [3, 11, 13, 30])
def test_no_two_states_sent_are_further_apart_than_every(show_every: int) -> None:
    sent, messages = play(trainer(), every=10, steps=90, show_every=show_every)
    assert max(gaps(0, sent)) <= 10
    assert ("key" in {kind for kind, _ in sent}) is (show_every > 10)
    assert_exact(messages)


def test_a_play_started_inside_a_step_sends_the_first_step_boundary_it_reaches() -> None:
    t = trainer()
    t.step(3)
    t.advance()  # one phase of step 4: not a state the timeline keeps
    assert t.pos > 0
    sent, messages = play(t, every=8, steps=20, show_every=None)
    assert sent[0] == ("key", 4)
    assert max(gaps(4, sent)) <= 8
    assert_exact(messages)
