"""The session's runner: training in slices of a few milliseconds between yields to the event
loop, so other sessions and sockets are never blocked (Session.start starts it, stop cancels).
"""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING

from dialboard.engine import ConfigError, DivergedError
from dialboard.engine.lookahead import step_taken
from dialboard.server import frames

if TYPE_CHECKING:
    from dialboard.server.session import Session

SLICE_SECONDS = 0.004  # training between yields to the event loop
# After each slice, loop turns for the sockets: a websocket send takes several (write,
# drain), and one bare yield would let each turn wait a whole slice. Turns, not a timed
# pause: a pause idles the core whenever the sockets need less.
IO_TURNS = 4


async def run(s: Session, count: int | None) -> None:
    """Train `count` steps (None: until paused) at the session's speed, slice by slice."""
    start, base, last_rate = time.perf_counter(), 0, s.steps_per_second
    s._steps_run = 0
    try:
        while count is None or s._steps_run < count:
            done, now = s._steps_run, time.perf_counter()
            rate = s.steps_per_second
            if rate != last_rate:  # a new speed counts from now, without a burst
                start, base, last_rate = now, done, rate
            limit = None if count is None else count - done
            if rate is not None:
                due = base + int((now - start) * rate) + 1
                limit = due - done if limit is None else min(limit, due - done)
            if train_slice(s, now + SLICE_SECONDS, limit):
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
        s._shown = None
        s.playing = False
        s.changed()


def train_slice(s: Session, deadline: float, limit: int | None) -> int:
    """Steps until `deadline` or `limit`; returns how many. When anyone watches, the last
    is shown: its frame is the state it starts from, its arrows what it did."""
    t, n, shown = s.trainer, 0, bool(s.peers)
    while limit is None or n < limit:
        late = time.perf_counter() >= deadline
        if shown and t.pos == 0 and (late or n + 1 == limit):
            step_shown(s)
        elif late:
            break
        else:
            t.step()
        s.timeline.trained(t)
        n += 1
        s._steps_run += 1
        if late:
            break
    return n


def step_shown(s: Session) -> None:
    """One step whose frame is the state it starts from, with the update it made."""
    t = s.trainer
    frame = s._build(s._screen(fresh=False), version=-1, arrows=False)
    before = dict(t.net.params)  # arrays are never written in place: this holds them
    t.step()
    frames.attach_update(frame, t, step_taken(t, before))
    s._shown = frame
