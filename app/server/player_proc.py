"""The player: a child process of the training process (child.py) that plays one board at full
speed on a core of its own, while the training process builds and sends its frames
(player.py). It trains from the board's exact state, so its steps are the very steps the
training process would have taken.

``python -m dialboard.server.player_proc`` reads on standard input:
("data", key, Dataset) once per dataset it does not hold;
("play", run, key, Architecture, Snapshot, run_start_cost, every, updates): train from that
state under the number `run` (a later play replaces it: the board was changed);
("show", run): the next step is shown; ("stop", run): stop and say where.
It answers on standard output: ("shown", run, state before the step, run_start_cost,
NextUpdate of the step, or None unless the play asked for `updates`: the training process
then takes the step again to read it), ("key", run, state) at the step boundary `every`
steps after the last keyframe (the timeline's: the play's state, and the states it sends
that timeline.keeps, judged alike in the training process), ("stopped", run, state,
run_start_cost) (None, None when it holds no board),
("error", run, state, run_start_cost, diverged, words) when a step diverges (True) or is
refused (False), then waits, ("unknown", run) when it no longer holds the play's dataset, or
("failed", run, why) on a defect. States are engine snapshots: a play's with the screen's
caches, those it sends without.
"""

from __future__ import annotations

import os
import pickle
import select
import sys
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import numpy as np

from dialboard.engine import ConfigError, Dataset, DivergedError, Trainer
from dialboard.engine.lookahead import step_taken
from dialboard.server.child import LENGTH, widen_pipes
from dialboard.server.relay.lifeline import die_with_parent, ignore_stop_signals
from dialboard.server.timeline import keeps

HELD_DATASETS = 2
POLL_SECONDS = 0.002  # while playing, its input is read this often: a pause waits no longer
Message = tuple[Any, ...]


class Playing:
    """What the player holds and does, one message or step at a time (`out` sends)."""

    def __init__(self, out: Callable[[Message], None]) -> None:
        self.out = out
        self.held: OrderedDict[int, Dataset] = OrderedDict()
        self.t: Trainer | None = None
        self.run = 0
        self.every = 1
        self.kept_at: int | None = None  # the run's last keyframe (None: none yet)
        self.playing = self.show = self.updates = False

    def on(self, message: Message) -> None:
        kind = message[0]
        if kind == "data":
            self.held[message[1]] = message[2]
            while len(self.held) > HELD_DATASETS:
                self.held.popitem(last=False)
        elif kind == "play":
            self._play(*message[1:])
        elif message[1] != self.run:  # of a run replaced since
            return
        elif kind == "show":
            self.show = True
        elif kind == "stop":
            self.playing = self.show = False
            t = self.t
            self.out(("stopped", self.run, None, None) if t is None else
                     ("stopped", self.run, t.snapshot(screen=False), t.run_start_cost))

    def _play(self, run: int, key: int, arch: Any, snap: Any, run_start: float | None,
              every: int, updates: bool) -> None:
        self.run, self.every, self.show, self.updates = run, every, False, updates
        self.kept_at = snap.step_count if keeps(snap.step_count, snap.pos, None) else None
        data = self.held.get(key)
        if data is None:
            self.playing = False
            self.out(("unknown", run))
            return
        self.held.move_to_end(key)
        t, self.t = self.t, None  # none held until this one is whole (a failure says none)
        if t is None or t.arch != arch or t.data is not data:
            t = Trainer(arch, data, snap.config)
        t.restore(snap)
        t.run_start_cost = run_start
        self.t, self.playing = t, True

    def step(self) -> None:
        """One step of the play: shown when asked; a keyframe when due (each costs the
        training some 0.3 ms: its bytes leave this core)."""
        t = self.t
        assert t is not None and self.playing
        try:
            if self.show and t.pos == 0:  # a whole step, as the worker shows one
                self.show = False
                snap, run_start = t.snapshot(screen=False), t.run_start_cost
                if keeps(snap.step_count, snap.pos, self.kept_at):
                    self.kept_at = snap.step_count
                before = dict(t.net.params) if self.updates else None
                t.step()
                self.out(("shown", self.run, snap, run_start,
                          None if before is None else step_taken(t, before)))
            else:
                t.step()
        except (DivergedError, ConfigError) as exc:  # its words cross, not the exception
            self.playing = False
            self.out(("error", self.run, t.snapshot(screen=False), t.run_start_cost,
                      isinstance(exc, DivergedError), exc.words))
            return
        if t.pos == 0 and (self.kept_at is None or t.step_count - self.kept_at >= self.every):
            self.kept_at = t.step_count  # `every` ≥ EVERY: timeline.keeps it
            self.out(("key", self.run, t.snapshot(screen=False)))


class Inbox:
    """Messages from a file descriptor, read whenever bytes wait (never blocking mid-play)."""

    def __init__(self, fd: int) -> None:
        self.fd, self.buffer, self.ended = fd, bytearray(), False

    def take(self, wait: bool) -> list[Message]:
        """The whole messages read so far; with `wait`, at least one (or the input ended)."""
        while True:
            if select.select([self.fd], [], [], None if wait else 0)[0]:
                chunk = os.read(self.fd, 1 << 20)
                self.ended = self.ended or not chunk
                self.buffer += chunk
            out: list[Message] = []
            while len(self.buffer) >= LENGTH.size:
                size = LENGTH.unpack_from(self.buffer)[0]
                if len(self.buffer) < LENGTH.size + size:
                    break
                out.append(pickle.loads(self.buffer[LENGTH.size : LENGTH.size + size]))
                del self.buffer[: LENGTH.size + size]
            if out or not wait or self.ended:
                return out


def main() -> int:
    die_with_parent()
    ignore_stop_signals()
    widen_pipes()
    stdout = sys.stdout.buffer

    def out(message: Message) -> None:
        body = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
        stdout.write(LENGTH.pack(len(body)))
        stdout.write(body)  # not joined to its length first: a copy less
        stdout.flush()

    np.seterr(all="ignore")  # no warnings: the step itself judges a cost gone wrong

    playing, inbox = Playing(out), Inbox(sys.stdin.fileno())
    polled = 0.0
    while not inbox.ended:
        try:
            if playing.playing and time.perf_counter() - polled < POLL_SECONDS:
                playing.step()
                continue
            polled = time.perf_counter()
            for message in inbox.take(wait=not playing.playing):
                playing.on(message)
        except Exception as exc:  # a defect of ours: the training process plays instead
            playing.playing = False
            out(("failed", playing.run, repr(exc)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
