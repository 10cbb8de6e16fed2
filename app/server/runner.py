"""The session's runner: training in slices of a few milliseconds between yields to the event
loop, so other sessions and sockets are never blocked (Session.start starts it, stop cancels).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from dialboard.engine import ConfigError, DivergedError, Snapshot
from dialboard.engine.lookahead import step_taken
from dialboard.server import frames, player

if TYPE_CHECKING:
    from dialboard.server.session import Session

Array = np.ndarray

SLICE_SECONDS = 0.004  # training between yields to the event loop
# After each slice, loop turns for the sockets: a websocket send takes several (write,
# drain), and one bare yield would let each turn wait a whole slice. Turns, not a timed
# pause: a pause idles the core whenever the sockets need less.
IO_TURNS = 4
# A step of more multiply-adds than this (parameters × examples in its batch, about 5 ms of
# float64 on one core) is cut into its phases: each phase its own slice.
HEAVY_WORK = 20_000_000


async def run(s: Session, count: int | None) -> None:
    """Train `count` steps (None: until paused) at the session's speed, slice by slice."""
    start, base, last_rate = time.perf_counter(), 0, s.steps_per_second
    shown_at = -frames.SHOW_SECONDS
    s._steps_run = 0
    cut = Cut() if heavy(s) else None
    if s.player is not None and count is None:
        s.player.judge_anew()
    try:
        while count is None or s._steps_run < count:
            if (count is None and (cut is None or cut.begun is None) and s.player is not None
                    and s.steps_per_second is None and player.free(s.player)):
                s.trains_here = False
                await player.play(s, s.player, heavy=cut is not None)
                continue
            s.trains_here = True
            done, now = s._steps_run, time.perf_counter()
            rate = s.steps_per_second
            if rate != last_rate:  # a new speed counts from now, without a burst
                start, base, last_rate = now, done, rate
            limit = None if count is None else count - done
            if rate is not None:
                due = base + int((now - start) * rate) + 1
                limit = due - done if limit is None else min(limit, due - done)
            if cut is not None:
                trained = cut.slice(s, now + SLICE_SECONDS, limit)
            else:  # a frame no more often than the presenter takes one: the rest is training
                show = now - shown_at >= frames.SHOW_SECONDS and s.frame_wanted(
                    time.monotonic() + SLICE_SECONDS)
                trained = train_slice(s, now + SLICE_SECONDS, limit, show=show)
            if s._shown is not None:
                shown_at = now
            if trained and (s._shown is not None or not s.peers):
                s.changed(by_run=True)
            if rate is not None:
                await asyncio.sleep(min(1 / rate, 0.05))
            for _ in range(IO_TURNS if s.peers else 1):
                await asyncio.sleep(0)
    except (DivergedError, ConfigError) as exc:
        reason = "diverged" if isinstance(exc, DivergedError) else "rejected"
        if s._steps_run == 0 and reason == "rejected":
            s.history.pop()  # nothing happened: no undo level for it
        s.broadcast_error(exc.words, "play" if count is None else "step", reason)
    finally:
        if cut is not None:
            cut.put_back(s)
        s._shown = None
        s.playing = s.trains_here = False
        # A heavy board's stop shows at once, with the screen's last figures of the run (an
        # earlier step's, named by it); its own figures, slope and arrows follow (a step's
        # work). By the run: the state is one of its steps, so those figures stay true.
        s.changed(by_run=cut is not None, quick=cut is not None)


def train_slice(s: Session, deadline: float, limit: int | None, show: bool = True) -> int:
    """Steps until `deadline` or `limit`; returns how many. With `show` and anyone watching,
    the last is shown: its frame is the state it starts from, its arrows what it did."""
    t, timeline, clock = s.trainer, s.timeline, time.perf_counter
    n, shown, key = 0, show and bool(s.peers), timeline.next_key(t)
    try:
        while limit is None or n < limit:
            late = clock() >= deadline
            if shown and t.pos == 0 and (late or n + 1 == limit):
                timeline.trained(t)  # the frame names the steps reachable before its step
                step_shown(s)
            elif late:
                break
            else:
                t.step()
            n += 1
            if t.step_count >= key:  # a keyframe is due
                timeline.trained(t)
                key = timeline.next_key(t)
            if late:
                break
        timeline.trained(t)  # the last step reached
    finally:
        s._steps_run += n
    return n


def step_shown(s: Session) -> None:
    """One step whose frame is the state it starts from, with the update it made."""
    t = s.trainer
    frame = s._build(s._screen(fresh=False), version=-1, arrows=False)
    before = dict(t.net.params)  # arrays are never written in place: this holds them
    t.step()
    frames.attach_update(frame, t, step_taken(t, before))
    s._shown = frame


def heavy(s: Session) -> bool:
    """Whether a step is too long for one slice: then it is cut into its phases."""
    return s.trainer.step_work > HEAVY_WORK


@dataclass
class Begun:
    """A step the runner began: where it started, its frame (when anyone watches), the
    parameters before it, and how many of its phases have run."""

    start: Snapshot
    frame: frames.FrameData | None
    before: dict[str, Array]
    ran: int
    version: int  # the session's: any other change since means this step is not ours


class Cut:
    """A heavy board's run: each slice builds a step's frame or runs phases of the step, so
    the event loop is never held longer than the longest phase, and a pause inside a step
    puts the step back exactly (the board stops at a whole step, as if it never began)."""

    def __init__(self) -> None:
        self.begun: Begun | None = None

    def slice(self, s: Session, deadline: float, limit: int | None) -> int:
        """Phases until `deadline`; 1 when a step was completed (the slice ends with it)."""
        t = s.trainer
        while limit is None or limit > 0:
            b = self.begun
            if b is None or not self.ours(s, b):  # a new step, or a hand turn came between
                frame = s._build(s._screen(fresh=False), version=-1, arrows=False) \
                    if s.peers else None
                self.begun = Begun(t.snapshot(), frame, dict(t.net.params), t.pos, s.version)
            elif t.advance():
                if b.frame is not None:  # its frame: the state it started from, what it did
                    frames.attach_update(b.frame, t, step_taken(t, b.before))
                    s._shown = b.frame
                self.begun = None
                s.timeline.trained(t)
                s._steps_run += 1
                return 1  # shown now (a new version): the next step begins after it
            else:
                b.ran += 1
            if time.perf_counter() >= deadline:
                break
        return 0

    @staticmethod
    def ours(s: Session, b: Begun) -> bool:
        return s.version == b.version and s.trainer.pos == b.ran

    def put_back(self, s: Session) -> None:
        b, self.begun = self.begun, None
        if b is not None and self.ours(s, b) and b.ran > b.start.pos:
            # The rest of a full-batch step's forward pass costs little beside the first layer
            # it follows, and gives the screen the cost of the state put back: a pause shows
            # without a pass over the training set.
            with contextlib.suppress(DivergedError):
                s.trainer.forward_for_screen()
            s.trainer.restore(b.start)
