"""What the player sends while it plays (player_proc.Playing), one step at a time: every state
it sends is a state the board passed through, exactly; the timeline's keyframes, its start
and the states sent that the training process keeps (timeline.keeps), are at most the play's
`every` steps apart, so a travel replays at most that far, and at least EVERY, so the
timeline has room for the steps it promises; when shown steps come closer together than
`every`, it sends no keyframes of its own (each costs the training core some 0.3 ms)."""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pytest

from dialboard.engine import Trainer
from dialboard.server.player import Player, Remote
from dialboard.server.player_proc import Playing
from dialboard.server.session import Session
from dialboard.server.session_config import build, resolve
from dialboard.server.timeline import EVERY, keeps

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


def kept(start: int | None, sent: Sent) -> list[int]:
    """The keyframes' steps, as the training process judges the states sent (keeps)."""
    out = [] if start is None else [start]
    for _, step in sent:
        if keeps(step, 0, out[-1] if out else None):
            out.append(step)
    return out


def assert_spacing(keys: list[int], every: int, end: int) -> None:
    """A travel replays at most `every` steps; keyframes leave room for KEEP_STEPS steps."""
    gaps = [b - a for a, b in itertools.pairwise([*keys, end])]
    assert max(gaps) <= every, keys
    assert min(b - a for a, b in itertools.pairwise(keys)) >= EVERY, keys


def test_with_no_show_a_keyframe_is_sent_every_every_steps_from_the_plays_start() -> None:
    sent, messages = play(trainer(), every=20, steps=100, show_every=None)
    assert sent == [("key", k) for k in (20, 40, 60, 80, 100)]
    assert_exact(messages)


@pytest.mark.parametrize("show_every", [1, 3, 7, 10, 13, 19])
def test_shown_steps_closer_than_every_need_no_keyframe(show_every: int) -> None:
    sent, messages = play(trainer(), every=20, steps=120, show_every=show_every)
    assert {kind for kind, _ in sent} == {"shown"}
    assert_spacing(kept(0, sent), 20, 120)
    assert_exact(messages)


@pytest.mark.parametrize("show_every", [21, 30, 45])
def test_no_two_keyframes_are_further_apart_than_every(show_every: int) -> None:
    sent, messages = play(trainer(), every=20, steps=150, show_every=show_every)
    assert "key" in {kind for kind, _ in sent}
    assert_spacing(kept(0, sent), 20, 150)
    assert_exact(messages)


def test_a_play_started_inside_a_step_sends_the_first_step_boundary_it_reaches() -> None:
    t = trainer()
    t.step(3)
    t.advance()  # one phase of step 4: not a state the timeline keeps
    assert t.pos > 0
    sent, messages = play(t, every=20, steps=60, show_every=None)
    assert sent[0] == ("key", 4)
    assert_spacing(kept(None, sent), 20, 63)
    assert_exact(messages)


def test_the_training_process_keeps_the_states_sent_as_the_player_counts_them() -> None:
    """Each state of the run is judged as it arrives, in order, whether its answer was
    waited for or not (a pause cancels the wait for a shown step the player had counted);
    a state of a run since replaced is not kept."""
    t = trainer()
    s = Session(resolve({"preset": "circle", "momentum": 0.9}), t)
    remote = Remote(Player(judge=False), s)
    sent, messages = play(trainer(), every=20, steps=90, show_every=7)
    for m in messages:
        remote.on((m[0], remote.number, *m[2:]))
    remote.on(("shown", remote.number + 1, trainer().snapshot()))  # another run's
    assert remote.waiting is None
    assert list(s.timeline.keys) == kept(0, sent)
    assert_spacing(list(s.timeline.keys), 20, 90)
