"""A board playing at full speed trains in the player process (player_proc.py); its sockets,
figures and frames stay here. So training has a core of its own, and the frames' work is
done beside it instead of between its steps.

At each frame slot this process asks the player to show its next step, and gets the state
before that step and what the step did: the board (`Session.trainer`) takes that state, and
its frame is built from it exactly as runner.step_shown builds one in this process. The
board here is therefore always a state the player passed through: the last one shown.
A person's change (`Session.changed`, not by training) is made to that state, which the
player then takes as its new start, under a new run number (what it trained past the shown
state was never shown, and is dropped). A pause takes the player's last state (a heavy
board's, whose steps are too long to wait for: the state shown). When the player cannot play
(busy with another board, not running, gone), the board plays here.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from typing import TYPE_CHECKING, Any

from dialboard.engine import ConfigError, DivergedError, Trainer
from dialboard.engine.lookahead import next_update
from dialboard.server import frames, idle
from dialboard.server.child import RESTART_SECONDS, Child
from dialboard.server.timeline import keeps

if TYPE_CHECKING:
    from dialboard.server.session import Session

logger = logging.getLogger(__name__)
LEAD_SECONDS = 0.003  # a step is asked for this long before its slot: the player's answer
MOST_SECONDS = 0.1  # the board here is never older than this, watched or not
ANSWER_SECONDS = 1.0  # a player that takes longer is given up: the board plays here
SPARE_CORES = 0.3  # idle, the board training in its worker: a player adds about this much
# Playing, with less idle than this (cores) over STARVED_SECONDS the machine is full (other
# boards play): each board then trains faster in its own worker, without a player's copies.
# Judged as soon as the player's taking is: over a second, a board started beside one in its
# player shared the cores three ways for most of that second (docs/workers.md).
STARVED_IDLE = 0.1
STARVED_SECONDS = idle.WINDOW_SECONDS
STARVED_REST_SECONDS = 5.0
AGAIN = ("again",)  # the board changed while a step was asked: ask again
# A shown step of gradient descent on at most this many parameters × examples (the 625
# board at batch 32: 420,800) is taken again here to read its update, on this process's
# core: the player then sends only the state (a third of the bytes; its core is the one that
# trains). A longer step's update crosses from the player.
RETAKE_WORK = 2_000_000
Message = tuple[Any, ...]


class Player(Child):
    """A training process's player: one board at a time."""

    MODULE = "dialboard.server.player_proc"
    NAME = "player"

    def __init__(self, judge: bool = True, answer_seconds: float = ANSWER_SECONDS,
                 retake_work: int = RETAKE_WORK) -> None:
        """`judge`: take a board only when a core is spare (False: always, for tests);
        `answer_seconds`: a player that takes longer to answer is given up; `retake_work`:
        see RETAKE_WORK."""
        super().__init__()
        self.answer_seconds, self.retake_work = answer_seconds, retake_work
        self.remote: Remote | None = None
        self.rest_until = -math.inf  # after a failure, or starved, boards play here until then
        self.judge = judge
        self._idle = idle.Rate(idle.machine, idle.WINDOW_SECONDS)  # idle share of all cores
        self._failed = False

    def pays(self) -> bool:
        """Whether a core is spare for it: with none, a board trains faster in its worker
        than in a process that must share a core with other boards' workers."""
        if not self.judge:
            return True
        spare = idle.in_cores(self._idle())
        return spare is not None and spare >= SPARE_CORES

    def spare_said(self) -> str:
        """The idle cores it was last judged on, for the log."""
        cores = idle.in_cores(self._idle.value)
        return "unknown" if cores is None else f"{cores:.2f}"

    def judge_anew(self) -> None:
        """A board starts playing: the spare cores are judged from now, with it training in
        its worker. The last window may be long and idle, and boards starting together
        would each see it and all take their players, then starve side by side."""
        self._idle.restart()

    def starved(self, spare: idle.Rate) -> bool:
        """The machine was full lately (`spare`: its idle share since the player took the
        board): boards play in their workers for a while."""
        got = idle.in_cores(spare() if self.judge else None)
        if got is None or got >= STARVED_IDLE:
            return False
        self.rest_until = time.monotonic() + STARVED_REST_SECONDS
        logger.info("the machine is full (%.2f of a core idle): boards train in their workers "
                    "for %g s", got, STARVED_REST_SECONDS)
        return True

    def _answer(self, message: Message) -> None:
        if message[0] == "failed" and not self._failed:  # said once: the next says the same
            self._failed = True
            logger.warning("the player failed: %s", message[2])
        if self.remote is not None:
            self.remote.on(message)

    def _ended(self) -> None:
        if self.remote is not None:
            self.remote.answer(None)


class Remote:
    """One board's play in the player, under the run number of its latest start. The
    player answers `show` with `shown` and `stop` with `stopped`, and may end a run on its
    own (`error`, `failed`): that end stands for every later question of the run."""

    def __init__(self, player: Player, s: Session, heavy: bool = False) -> None:
        self.player, self.s, self.heavy = player, s, heavy
        self.number = 0
        self.waiting: tuple[str, asyncio.Future[Message | None]] | None = None  # (kind, …)
        self.ended: Message | None = None  # the run's own end, once said
        self.kept_at: int | None = None  # the run's last keyframe (timeline.keeps)
        self.stopping = self.failed = False

    def start(self) -> None:
        """The player trains from the board's state now (with its screen's caches: a cost
        carried by a hand turn's update is the one the next step compares against)."""
        t = self.s.trainer
        self._renumber(AGAIN)
        if self.player.running:
            snap = t.snapshot()
            self.kept_at = None
            self._keep(snap)  # the player's keyframes come `every` steps after it, or sooner
            self.player.write(("play", self.number, self.player.key(t.data), t.arch, snap,
                               t.run_start_cost, self.s.timeline.every(t),
                               not retaken(t, self.player.retake_work)), t.data)

    def adopt(self) -> None:
        """The board was changed: the player starts again from it (while stopping, its
        answers are dropped instead: the change stands)."""
        if self.stopping:
            self._renumber(None)
        else:
            self.start()

    def _renumber(self, answer: Message | None) -> None:
        self.number, self.ended = next(self.player._numbers), None
        self.answer(answer)

    def on(self, message: Message) -> None:
        kind = message[0]
        if message[1] != self.number:  # of a start since replaced
            return
        if kind in ("key", "shown", "stopped", "error"):  # each, whether waited for or not
            self._keep(message[2])
        if kind == "unknown":  # it dropped the dataset: once more, with it
            self.player.forget(self.player.key(self.s.trainer.data))
            self.adopt()
        elif kind in ("error", "failed"):
            self.ended = message
            self.answer(message)
        elif self.waiting is not None and self.waiting[0] == kind:
            self.answer(message)

    def _keep(self, snap: Any) -> None:
        """A state of this run as a keyframe, where the player counts one (timeline.keeps)."""
        if snap is not None and keeps(snap.step_count, snap.pos, self.kept_at):
            self.s.timeline.kept(snap)
            self.kept_at = snap.step_count

    def answer(self, message: Message | None) -> None:
        if self.waiting is not None and not self.waiting[1].done():
            self.waiting[1].set_result(message)

    async def ask(self, kind: str, answer: str) -> Message | None:
        """Send (`kind`, run) and wait for the player's `answer` (or the run's end); None if
        it has none, AGAIN if the board changed meanwhile."""
        if self.ended is not None:
            return self.ended
        if not self.player.running:
            return None
        future = asyncio.get_running_loop().create_future()
        self.waiting = answer, future
        self.player.write((kind, self.number))
        # Not wait_for: in Python 3.11 it returns an answer that comes with a cancel and
        # swallows the cancel (a pause then never ends the run).
        try:
            async with asyncio.timeout(self.player.answer_seconds):
                return await future
        except TimeoutError:
            return None


def retaken(t: Trainer, most: int) -> bool:
    """Whether a shown step's update is read here, by taking the step again (RETAKE_WORK)."""
    return t.config.learner == "gradient_descent" and t.step_work <= most


def free(player: Player) -> bool:
    """Whether the player can take a board now (one not running is started, unless it
    started lately; one that failed or starved rests a while)."""
    if not player.running:
        player.start_soon()
        return False
    return player.remote is None and time.monotonic() >= player.rest_until and player.pays()


async def play(s: Session, player: Player, heavy: bool = False) -> None:
    """Play `s` in the (`free`) player until the run is cancelled (a pause), its speed is
    set, or the player fails or starves. A step that diverged or was refused raises here,
    the board in the state it raised in. `heavy`: a step too long to wait for (runner.heavy)
    is never waited for at the end: the state shown stands."""
    remote = player.remote = Remote(player, s, heavy)
    logger.info("a board trains in its player (%s cores idle)", player.spare_said())
    first = s.trainer.step_count - s._steps_run  # the run's first step
    s._remote = remote
    spare = idle.Rate(idle.machine, STARVED_SECONDS)
    spare()  # from now
    try:
        remote.start()
        shown_at = -math.inf
        while s.steps_per_second is None and not player.starved(spare):
            await slot(s, shown_at)
            answer = await remote.ask("show", "shown")
            if answer is None or answer[0] == "failed":  # played here for a while
                remote.failed, player.rest_until = True, time.monotonic() + RESTART_SECONDS
                return
            if answer is not AGAIN and answer[1] == remote.number:  # else: changed since
                shown_at = time.perf_counter()
                take(s, answer, first)
    finally:
        try:
            await finish(s, remote, first)
        finally:
            s._remote = player.remote = None


async def slot(s: Session, shown_at: float) -> None:
    """Until a socket may take a frame (no sooner than SHOW_SECONDS after the last), or the
    board here is MOST_SECONDS old."""
    while True:
        since = time.perf_counter() - shown_at
        due = s.frame_due() - LEAD_SECONDS - time.monotonic()
        wait = max(frames.SHOW_SECONDS - since, min(due, MOST_SECONDS - since))
        if wait <= 0:
            return
        await asyncio.sleep(min(wait, MOST_SECONDS))


def take(s: Session, answer: Message, first: int) -> None:
    """The player's answer: the board takes its state (and, for a shown step, shows it)."""
    kind, _, snap, run_start, *rest = answer
    t = s.trainer
    t.restore(snap)
    t.run_start_cost = run_start
    s._steps_run = t.step_count - first
    if kind == "error":
        diverged, said = rest
        raise DivergedError(said) if diverged else ConfigError(said.key, **said.params)
    s.timeline.reached(t.step_count)  # the frame names the steps reachable before its step
    if s.peers:
        frame = s._build(s._screen(fresh=False), version=-1, arrows=False)
        # The step again from the state shown, put back: the very update the player made
        frames.attach_update(frame, t, next_update(t) if rest[0] is None else rest[0])
        s._shown = frame
    s.changed(by_run=True)


async def finish(s: Session, remote: Remote, first: int) -> None:
    """The board takes the player's last state, unless a person changed it meanwhile (then
    what the player trained past the state shown is dropped, as the change did)."""
    remote.stopping = True
    number = remote.number
    answer = None
    # Failed: what it holds is not to be trusted. Heavy: its step in progress would hold the
    # pause up to a step's time. Either way it stops, unheard.
    if remote.failed or remote.heavy:
        if remote.player.running:
            remote.player.write(("stop", number))
    else:
        try:
            answer = await remote.ask("stop", "stopped")
        except asyncio.CancelledError:  # cancelled again: the state shown stands, at once
            if remote.player.running:
                remote.player.write(("stop", number))
            s.timeline.changed(s.trainer)
            raise
    if remote.number != number:  # changed while stopping: the timeline has dropped it all
        return
    if answer is not None and answer[0] in ("stopped", "error") and answer[2] is not None:
        t = s.trainer
        t.restore(answer[2])
        t.run_start_cost = answer[3]
        s._steps_run = t.step_count - first
        s.timeline.reached(t.step_count)
    else:  # the state shown stands; keyframes the player sent past it go
        s.timeline.changed(s.trainer)
