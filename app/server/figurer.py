"""The screen's figures while a board plays, computed beside training rather than inside it.

A playing board's screen refreshes 12 or 13 times a second: a forward pass over the whole
training set and the test set at one step's parameters, a few milliseconds on the 625 board
beside steps of a fraction of one. A `Figurer` computes them from a copy of the parameters
(a `Job`) and answers later; meanwhile frames keep the last figures, named by their step
(`cost_step`), so the screen shows an earlier step's true cost and never a guess. In the
server a helper process does it (figures_proc.py) on another core; `Inline` does it in this
process, one event-loop turn later, for tests. Frames of a state that stands still (paused, a
hand turn) take their figures at once, in this process, from the trainer's own caches.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Protocol

import numpy as np

from dialboard.engine import Architecture, Dataset, Network, Trainer
from dialboard.engine.screen import Screen
from dialboard.server import frames

Array = np.ndarray
# The screen's cost, test cost, accuracy and test accuracy (None where there are none).
Measure = tuple[float, float | None, float | None, float | None]
Done = Callable[[Measure | None], None]  # None: not computed (the helper is gone)
# An asked figure not answered in this long is given up: the figures are made here instead.
GIVE_UP_SECONDS = 1.0


@dataclass(frozen=True)
class Job:
    """What one step's figures need: its parameters (copied, or never written in place)."""

    arch: Architecture
    params: dict[str, Array]
    data: Dataset


class Figurer(Protocol):
    def ask(self, job: Job, done: Done) -> bool:
        """Compute `job`'s figures and call `done` with them from the event loop, later;
        False when it cannot (then `done` is never called: compute them here)."""

    async def close(self) -> None: ...


def measure(job: Job) -> Measure:
    """The figures Trainer.cost, test_cost and accuracy give at `job.params` (the same
    maths on fresh screens, so the same numbers to the last bit)."""
    net, d = Network(job.arch, job.params), job.data
    train, test = Screen(net, d.x_train, d.y_train), Screen(net, d.x_test, d.y_test)
    classes = d.task == "classification"
    return (train.cost(), None if test.n == 0 else test.cost(),
            train.accuracy() if classes else None, test.accuracy() if classes else None)


class Inline:
    """Figures computed in this process, handed over one event-loop turn later, as a helper's
    would be: the in-memory Figurer, for tests."""

    def ask(self, job: Job, done: Done) -> bool:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return False
        loop.call_soon(done, measure(job))
        return True

    async def close(self) -> None:
        return None


class Watch:
    """A session's screen figures: of the state now when asked fresh, else the last ones
    while they are under `every` seconds old; then the next are asked of the figurer, and
    the last stay until they come (an earlier step of the same run)."""

    def __init__(self, figurer: Figurer, every: float, added: Callable[[frames.Figures], None],
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.figurer, self.every, self.added, self.clock = figurer, every, added, clock
        self.last: frames.Figures | None = None
        self._lineage = 0  # bumped by every change but training's: an answer from before
        self._asked: float | None = None  # is then dropped; when the one in flight was asked

    def forget(self) -> None:
        """The board changed other than by training: earlier figures are not of this run."""
        self.last, self._asked = None, None
        self._lineage += 1

    def get(self, t: Trainer, fresh: bool) -> frames.Figures:
        fig, now = self.last, self.clock()
        if not fresh and fig is not None:
            if now - fig.at < self.every:
                return fig
            if self._asked is not None:  # the next are on their way, or given up
                if now - self._asked < GIVE_UP_SECONDS:
                    return fig
            elif not t.screens_cached() and self._ask(t, now):
                return fig
        self.forget()  # an answer still to come is older than these
        return self._add(replace(frames.figures(t), at=now))

    def _ask(self, t: Trainer, now: float) -> bool:
        lineage, step = self._lineage, t.step_count

        def done(m: Measure | None) -> None:
            if lineage != self._lineage:
                return
            self._asked = None
            if m is not None and math.isfinite(m[0]):
                self._add(frames.Figures(step, *m, at=now))
            # Not finite: the trainer's own cost says so next (and stops a diverged run).
            elif m is not None:
                self.last = None

        asked = self.figurer.ask(Job(t.arch, dict(t.net.params), t.data), done)
        self._asked = now if asked else None
        return asked

    def _add(self, fig: frames.Figures) -> frames.Figures:
        self.last = fig
        self.added(fig)
        return fig
