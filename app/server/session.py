"""A training session: a trainer, its undo history, its sockets, and the runner that plays.

Time lives here, not in the engine: long runs go in slices of a few milliseconds with a yield
to the event loop between them, so other sessions and sockets are never blocked.
"""

import asyncio
import contextlib
import hashlib
import hmac
import json
import logging
import math
import secrets
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

from dialboard.engine import DivergedError, Snapshot, Trainer
from dialboard.engine.display import plot_grid
from dialboard.server import frames, runner
from dialboard.server.audience import Audience, Peer
from dialboard.server.figurer import Figurer, Inline, Watch
from dialboard.server.hands import Hands
from dialboard.server.history import History, Inverse
from dialboard.server.player import Player, Remote
from dialboard.server.refusals import Refused, error_message
from dialboard.server.timeline import Timeline
from dialboard.server.timeline import bound as timeline_bytes

logger = logging.getLogger(__name__)
# A hand turn's frame goes out before its slope when the slope (a backward pass over the
# training set) costs more than this many multiply-adds: parameters × training examples.
QUICK_WORK = 1_000_000
SHARED_FRAME_SECONDS = 0.1  # viewers take a frame up to this old rather than build their own
# While playing, the screen's figures (full training and test set passes) are computed this
# often, not per frame: frames in between name the step they belong to (`cost_step`). Asked
# at a frame: frames 1/60 s or 1/40 s apart (frames.TRAINING_FPS), these are asked every 83
# or 75 ms, 12 or 13 times a second, over the screen's promised 10 with a frame to spare.
FIGURES_SECONDS = 0.07


def hash_token(token: str) -> str:
    """What is kept of a control token (sha256, hex): enough to check one, not to show it."""
    return hashlib.sha256(token.encode()).hexdigest()


class Session(Audience):
    def __init__(self, config: dict[str, Any], trainer: Trainer,
                 figurer: Figurer | None = None, player: Player | None = None) -> None:
        self.id = secrets.token_urlsafe(16)
        self.control_token = secrets.token_urlsafe(24)  # shown once, at creation; never stored
        self.token_hash = hash_token(self.control_token)
        self.config, self.trainer = config, trainer
        self.grid = plot_grid(trainer.data)  # where the board plots the output, if anywhere
        self.history = History()
        self.peers: set[Peer] = set()
        self.alone_since: float | None = time.monotonic()  # no socket since (None: one is here)
        self._gone = asyncio.Event()  # a socket left (retire waits on it)
        self.room: tuple[str, str] | None = None  # (code, token hash) of the class room on it
        self.hands = Hands()  # dials handed to students (handout.py)
        # Every earlier step, for time travel, within the session's memory budget.
        self.timeline = Timeline(max_bytes=timeline_bytes(trainer.arch.parameter_count,
                                                          trainer.data.x_train.shape[0]))
        self.timeline.changed(trainer)
        self.version = 0
        self.example = 0
        # Where the dials this board's steps count from came from, when not from its own
        # steps and turns: a race's leader (race.py), {"learner", "passes", "step"}.
        self.origin: dict[str, Any] | None = None
        self.cost_history: list[tuple[int, float]] = []
        self._chart = frames.Chart()
        self.last_active = time.monotonic()  # of people (messages, sockets, REST), not training
        self._frame: frames.FrameData | None = None
        self._shown: frames.FrameData | None = None  # the frame of the slice's last step
        self._shared: frames.FrameData | None = None  # the frame viewers last took
        self._figures = Watch(figurer or Inline(), FIGURES_SECONDS, self._charted)
        self._quick = False  # the version is a hand turn: its slope waits for the first ask
        self._steps_run = 0
        self._runner: asyncio.Task[None] | None = None
        self.player = player  # where a run at full speed trains (player.py); None: here
        self._remote: Remote | None = None  # that run, while the player plays it
        self.playing = False
        self.trains_here = False  # the runner steps on this event loop (not in the player)
        self.steps_per_second: float | None = None
        self.on_change: Callable[[Session], None] | None = None  # the registry saves it

    def token_matches(self, token: str) -> bool:
        return hmac.compare_digest(hash_token(token).encode(), self.token_hash.encode())

    # -- change and frames ---------------------------------------------------------------------
    def changed(self, by_run: bool = False, quick: bool = False) -> None:
        """A new version. `by_run`: only training changed the board since the last version
        (the screen's figures of an earlier step of it stay true, named by their step);
        `quick`: a hand turn, whose frame may go out before its slope is computed."""
        self.version += 1
        if not by_run:
            self._figures.forget()
            if self._remote is not None:  # the player trains from the board as changed
                self._remote.adopt()
        t = self.trainer
        self._quick = quick and t.arch.parameter_count * t.data.x_train.shape[0] > QUICK_WORK
        shown, self._shown = self._shown, None
        if shown is not None and by_run:
            shown.version = self.version
            shown.metadata["version"] = str(self.version)
            self._frame = shown
        for presenters in (True, False):  # presenters first (a pass each: no sort a slice)
            for peer in self.peers:
                if peer.controls == presenters:
                    peer.wake()
        if self.on_change is not None:
            self.on_change(self)

    def frame_wanted(self, by: float) -> bool:
        """Whether a socket may take a new frame by `by` (time.monotonic()): the presenters'
        slots when any presenter watches (viewers take the frames built for them), else any
        viewer's. A playing board builds frames only then, not one its sockets would skip."""
        return self.frame_due() <= by

    def fps(self, most: float) -> float:
        """Frames a second a socket that may take `most` is sent now."""
        return min(most, frames.TRAINING_FPS) if self.trains_here else most

    def frame_due(self) -> float:
        """When (time.monotonic()) the first socket `frame_wanted` counts may take a frame."""
        presenters = [p for p in self.peers if p.controls]
        return min((p.next_frame_at for p in presenters or self.peers), default=math.inf)

    def frame(self, newer_than: int | None = None) -> frames.FrameData:
        """The frame of the current version. Given `newer_than`, a frame built in the last
        SHARED_FRAME_SECONDS that is newer will do, so viewers share builds."""
        f = self._shared
        if (newer_than is not None and f is not None and f.version > newer_than
                and time.monotonic() - f.built_at < SHARED_FRAME_SECONDS):
            return f  # its encodings are made once for all the viewers that take it
        f = self._frame
        if f is None or f.version != self.version:
            version = self.version
            # A quick version shows this run's last figures (an earlier step's, named by it)
            # until its slope is encoded, bringing the state's own (a heavy board's pause).
            last = self._figures.last if self._quick and not self.trainer.diverged else None
            f = self._frame = self._build(
                last or self._screen_now(), version=version,
                still=(lambda: self.version == version) if self._quick else None,
                restate=None if last is None else self._restate)
        if newer_than is not None:
            self._shared = f
        return f

    def _build(self, fig: frames.Figures, **kw: Any) -> frames.FrameData:
        f = frames.build(self.trainer, playing=self.playing, running=self.busy,
                         example=self.example, undo_levels=len(self.history),
                         history=self.cost_history, grid=self.grid, screen=fig,
                         chart=self._chart.arrays(self.cost_history), **kw)
        f.metadata["timeline"] = "{},{}".format(*self.timeline.reachable())
        f.metadata["origin"] = json.dumps(self.origin) if self.origin else ""
        return f

    def clear_history(self) -> None:
        self._chart.clear(self.cost_history)

    def _screen(self, fresh: bool) -> frames.Figures:
        """The screen's figures: of the trainer's state now when `fresh`, else of an earlier
        step of this run (figurer.Watch). New figures join the chart's history."""
        return self._figures.get(self.trainer, fresh)

    def _screen_now(self) -> frames.Figures:
        """The screen's figures of the state now; while a try is on the dials and not yet
        weighed, of the dials before it: the try's cost is what the next phase computes."""
        t = self.trainer
        if t.try_on_dials and t.trace.trial_cost is None:
            with t.before_the_try():
                return replace(frames.figures(t), before_try=True)
        return self._screen(fresh=True)

    def _restate(self) -> tuple[frames.Figures, tuple[frames.Array, frames.Array]]:
        return self._screen_now(), self._chart.arrays(self.cost_history)

    def _charted(self, fig: frames.Figures) -> None:
        # Back in time the chart keeps the run ahead. A try on the dials (trial and error,
        # evolution) is not the step's cost: the step's point stays its dials' before the try.
        if not self.timeline.travelled and not self.trainer.try_on_dials:
            self._chart.add(self.cost_history, fig.step, fig.cost)

    def broadcast_error(self, message: str, request_type: str | None,
                        reason: str | None = None) -> None:
        for peer in list(self.peers):
            if peer.controls:
                peer.send_json(error_message(message, request_type, reason))

    # -- actions ------------------------------------------------------------------------------
    @contextlib.contextmanager
    def action(self, kind: str, key: object = None,
               inverse: Inverse | None = None) -> Iterator[None]:
        """One user action: an undo level before it; on any error, exactly as before.
        While training runs, the level is the action's `inverse` (when it has one), so that
        undoing the action does not also undo the steps trained since."""
        before, origin = self.trainer.snapshot(), self.origin
        try:
            yield
        except DivergedError:
            self._record(kind, key, before, None, origin)  # shown, not hidden: undo takes it back
            raise
        except BaseException:
            self.trainer.restore(before)
            self.origin = origin
            raise
        self._record(kind, key, before, inverse if self.busy else None, origin)

    def _record(self, kind: str, key: object, before: Snapshot,
                inverse: Inverse | None, origin: dict[str, Any] | None) -> None:
        if self.history.continues_drag(kind, key, inverse is not None):
            self.history.touch()
        elif inverse is not None:
            self.history.push_inverse(kind, key, inverse, origin)
        else:
            self.history.push(kind, key, before, origin)
        since = self.origin["step"] if self.origin else 0
        if kind in ("reset", "import") or self.trainer.step_count < since:
            self.origin = None  # new dials, or travelled back to before they came
        if kind != "travel":  # a change of the board: the timeline's future is this one
            self.timeline.changed(self.trainer)
        self.changed(quick=kind in ("set", "class"))

    def undo(self) -> None:
        level = self.history.pop()
        if level is None:
            raise Refused("refusal.undo.nothing")
        if level.inverse is not None:
            level.inverse.apply(self.trainer)
        else:
            assert level.snapshot is not None
            self.trainer.restore(level.snapshot)
        self.origin = level.origin  # type: ignore[assignment]  # what _record kept: a dict
        self.timeline.changed(self.trainer)
        self.changed()

    def set_example(self, index: int) -> None:
        n = self.trainer.data.x_train.shape[0]
        if not 0 <= index < n:
            raise Refused("refusal.example.index", last=n - 1, index=index)
        self.example = index
        self.changed()

    # -- running ------------------------------------------------------------------------------
    @property
    def busy(self) -> bool:
        return self._runner is not None and not self._runner.done()

    def start(self, count: int | None, steps_per_second: float | None) -> None:
        """Train `count` steps (None: until paused) in the background; one undo level."""
        if self.trainer.diverged:
            raise DivergedError(self.trainer.diverged)
        if self.busy:
            if not (self.playing and count is None):
                raise Refused("refusal.long_step")
            self.steps_per_second = steps_per_second  # play while playing: a new speed
            self.changed()
            return
        self.history.push("run", None, self.trainer.snapshot(), self.origin)
        self.timeline.changed(self.trainer)  # training from a step travelled to: a new future
        self._figures.forget()  # of this run's steps only
        self.playing, self.steps_per_second = count is None, steps_per_second
        self._runner = asyncio.get_running_loop().create_task(runner.run(self, count))

    async def stop(self) -> None:
        runner = self._runner
        if runner is not None and not runner.done():
            runner.cancel()
            await asyncio.wait({runner})  # unlike awaiting it, never swallows our own cancel
        self._runner = None
        if self.playing:
            self.playing = False
            self.changed()

    async def close(self) -> None:
        await self.stop()
        for peer in list(self.peers):
            peer.close()
        self.peers.clear()

    async def retire(self, last_word: dict[str, Any], timeout: float) -> None:
        """Stop, tell every socket `last_word`, give them up to `timeout` to hear it, close."""
        await self.stop()
        for peer in list(self.peers):
            peer.send_last(last_word)
        deadline = time.monotonic() + timeout
        while self.peers and time.monotonic() < deadline:
            self._gone.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._gone.wait(), deadline - time.monotonic())
        await self.close()
