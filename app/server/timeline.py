"""Time travel: the board as it was at any earlier step of the session (docs/protocol.md,
`travel`).

Keyframes plus deterministic replay. A keyframe is an engine snapshot (parameters, locks,
learner state, RNG and batch order, counters; never the screen's caches) taken at step
boundaries at most `spacing` steps of training apart (EVERY to MOST_EVERY, the more the
cheaper a step is; a board training in a player also keeps the states it showed and
stopped at), and whenever a person changed the board (a turn, a setting, a lock, undo,
reset...): then it is the state after that change, and every later
keyframe is dropped, because the future they held is no longer this board's. Between two
keyframes only training happened, and training from a snapshot is exact (undo relies on the
same), so the state at step n is the last keyframe at or before n, stepped forward to n.

Travelling itself keeps the keyframes after it: a class can scrub back and forth along the
whole run, and the first change made there starts a new future (a branch). The keyframes are
bounded by bytes (`bound`: enough for KEEP_STEPS steps of training, counted in the session's
memory budget): the oldest go first, so the newest steps are always reachable.
"""

from __future__ import annotations

from dataclasses import replace

from dialboard.engine import Snapshot, Trainer
from dialboard.server.history import snapshot_bytes
from dialboard.server.refusals import Refused

EVERY = 10  # fewest steps between keyframes while training
MOST_EVERY = 250  # a tiny board's step is some 40 µs of Python: 10 ms of replay
# Replay a travel may need, in parameters × examples (about 20 ms of float64 on one core,
# once per travel: the 625 board at batch 32 trains through 4.8 billion a second): a cheap
# step gets sparser keyframes, so taking them costs training less; on that board one every
# 228 steps.
# A player sends each keyframe out of the training core (some 0.3 ms each, player_proc.py):
# at this spacing, none while a presenter takes 60 frames a second, whose shown states
# are keyframes already.
REPLAY_WORK = 96_000_000
KEEP_STEPS = 2_000  # steps of training a board's timeline always has room for
MAX_BYTES = 100 * 2**20  # whatever the board
KEYFRAME_BYTES = 17  # a parameter's share of a keyframe: value and momentum (float64), lock


def spacing(t: Trainer) -> int:
    """Steps between keyframes while `t` trains: at most REPLAY_WORK of replay, within
    EVERY … MOST_EVERY."""
    return min(MOST_EVERY, max(EVERY, REPLAY_WORK // t.step_work))


def keeps(step: int, pos: int, kept_at: int | None) -> bool:
    """Whether a state a player sent, at `step` (`pos` into it), is a keyframe when the run's
    last was kept at `kept_at` (None: none yet). The player and the training process both
    judge each state sent by this, in the order sent, so they agree on where the keyframes
    are. At least EVERY steps apart: a slow board, shown at every step, keeps the bound's
    room for KEEP_STEPS steps."""
    return pos == 0 and (kept_at is None or step - kept_at >= EVERY)


def bound(parameter_count: int, n_train: int) -> int:
    """The bytes a board's keyframes may take: KEEP_STEPS steps of training (about 48 MB on
    the 625 board), at most MAX_BYTES. A keyframe holds every parameter's value, momentum
    and lock, and the mini-batch order (one int64 per training example)."""
    keyframe = KEYFRAME_BYTES * parameter_count + 8 * n_train + 4096
    return min(MAX_BYTES, (KEEP_STEPS // EVERY + 1) * keyframe)


class TimelineError(Refused):
    """A step the timeline cannot reach, in words that say which steps it can."""


class Timeline:
    def __init__(self, max_bytes: int = MAX_BYTES) -> None:
        self.max_bytes = max_bytes
        self._spacing: tuple[object, int] = (None, EVERY)  # (the config it is for, steps)
        self.keys: dict[int, Snapshot] = {}  # step → the state at that step (steps ascending)
        self._sizes: dict[int, int] = {}
        self.nbytes = 0
        self.last = 0  # the latest step the timeline can show
        self.travelled = False  # the board shows an earlier step; the chart keeps the rest

    def changed(self, t: Trainer) -> None:
        """A person changed the board: this state is the step's keyframe, later ones go."""
        self.travelled = False
        if t.pos:  # mid-step (a phase): its step boundary comes later, with training
            return
        step = t.step_count
        for s in [s for s in self.keys if s >= step]:
            self._drop(s)
        self.last = step
        self._keep(step, t.snapshot(screen=False))

    def trained(self, t: Trainer) -> None:
        """Training reached a step boundary: a keyframe every `every` steps."""
        if t.pos:
            return
        step = t.step_count
        self.reached(step)
        if step % self.every(t) == 0 and step not in self.keys:
            self._keep(step, t.snapshot(screen=False))

    def reached(self, step: int) -> None:
        """Training reached this step boundary, its keyframes taken elsewhere (`kept`)."""
        if step > self.last:
            self.last = step

    def kept(self, snap: Snapshot) -> None:
        """A keyframe taken elsewhere (player.py): a step boundary this run passed through,
        at most as far ahead as the run goes; any step (its arrays are shared: free to
        keep)."""
        if snap.pos == 0 and snap.step_count not in self.keys:
            self._keep(snap.step_count, snap)

    def next_key(self, t: Trainer) -> int:
        """The first step from `t`'s on whose keyframe `trained` would still take: a caller
        stepping many times need not call it in between (runner.train_slice)."""
        every = self.every(t)
        due = -(-t.step_count // every) * every
        return due + every if due in self.keys else due

    def every(self, t: Trainer) -> int:
        if self._spacing[0] is not t.config:  # a config is replaced, never changed in place
            self._spacing = (t.config, spacing(t))
        return self._spacing[1]

    def reachable(self) -> tuple[int, int]:
        """The first and last step the timeline can show."""
        return (next(iter(self.keys)), self.last) if self.keys else (0, 0)  # keys are sorted

    def state_at(self, t: Trainer, step: int) -> None:
        """Put `t` in the state it had at `step` (keyframe, then exact replay)."""
        first, last = self.reachable()
        if not self.keys or not first <= step <= last:
            raise TimelineError("refusal.timeline.step", first=first, last=last, step=step)
        base = max(s for s in self.keys if s <= step)
        t.restore(self.keys[base])
        while t.step_count < step and not t.diverged:
            t.step()
        self.travelled = True

    def _keep(self, step: int, snap: Snapshot) -> None:
        if snap.screen is not None:  # restore recomputes the screen: never kept
            snap = replace(snap, screen=None)
        size = snapshot_bytes(snap)
        if step in self.keys:
            self._drop(step)
        # Keyframes come in step order (a change drops every later one first), so the dict
        # stays sorted as it grows; re-sorting each time cost a small board half its speed.
        in_order = not self.keys or step > next(reversed(self.keys))
        self.keys[step] = snap
        self._sizes[step] = size
        self.nbytes += size
        if not in_order:
            self.keys = dict(sorted(self.keys.items()))
        while self.nbytes > self.max_bytes and len(self.keys) > 1:
            self._drop(next(iter(self.keys)))

    def _drop(self, step: int) -> None:
        del self.keys[step]
        self.nbytes -= self._sizes.pop(step)
