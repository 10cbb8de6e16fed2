"""Undo levels: engine snapshots taken before each user action, bounded by count and bytes."""

import time
from collections import deque
from dataclasses import dataclass, fields, is_dataclass, replace

import numpy as np

from dialboard.engine import Snapshot, Trainer

MAX_LEVELS = 200
MAX_BYTES = 128 * 2**20  # ≥ 100 levels up to ~80,000 parameters (params + momentum, float64)
DRAG_SECONDS = 1.5  # sets of one dial closer together than this are one drag: one level


@dataclass(frozen=True)
class Inverse:
    """A change's undo as data (storable): a dial's old value, a tensor's old locks, or the
    old settings."""

    kind: str  # "set", "lock" or "configure"
    name: str = ""
    index: tuple[int, ...] = ()
    value: float = 0.0
    mask: np.ndarray | None = None
    settings: dict[str, object] | None = None

    def apply(self, t: Trainer) -> None:
        if self.kind == "set":
            t.set_value(self.name, list(self.index), self.value)
        elif self.kind == "lock":
            assert self.mask is not None
            t.set_lock_mask(self.name, self.mask)
        else:
            t.configure(**(self.settings or {}))


@dataclass
class Level:
    """What undo goes back to: a whole snapshot, or, for a change made while training ran,
    only the change's inverse, so undoing it never costs the run's progress."""

    kind: str
    key: object
    snapshot: Snapshot | None
    nbytes: int
    at: float
    inverse: Inverse | None = None
    origin: object = None  # the session's `origin` before the action (session.py)


def snapshot_bytes(s: Snapshot) -> int:
    """Every array the snapshot holds, each counted once (shared ones too: an upper bound)."""
    seen: dict[int, int] = {}

    def walk(obj: object) -> None:
        if isinstance(obj, np.ndarray):
            seen[id(obj)] = obj.nbytes
        elif isinstance(obj, dict):
            for v in obj.values():
                walk(v)
        elif isinstance(obj, list | tuple):
            for v in obj:
                walk(v)
        elif is_dataclass(obj):
            for f in fields(obj):
                walk(getattr(obj, f.name))

    walk([s.params, s.locks, s.learner_state, s.tentative])
    return sum(seen.values())


class History:
    def __init__(self, max_levels: int = MAX_LEVELS, max_bytes: int = MAX_BYTES) -> None:
        self.levels: deque[Level] = deque()
        self.max_levels, self.max_bytes = max_levels, max_bytes
        self.nbytes = 0

    def __len__(self) -> int:
        return len(self.levels)

    def continues_drag(self, kind: str, key: object, inverse: bool) -> bool:
        """A set of the same dial soon after the last one, of the same kind of level; or
        one more student's turn after other students' turns (one level for the class); or
        one more step of a scrub along the timeline (one level for the scrub)."""
        if kind not in ("set", "class", "travel") or not self.levels:
            return False
        last = self.levels[-1]
        if kind in ("class", "travel"):
            return last.kind == kind and not inverse
        return (last.kind == "set" and last.key == key and (last.inverse is not None) == inverse
                and time.monotonic() - last.at < DRAG_SECONDS)

    def push(self, kind: str, key: object, snapshot: Snapshot, origin: object = None) -> None:
        # The screen's cached forward pass (z, a over the whole training set) is the biggest
        # part of a snapshot and restore recomputes it: history does not keep it.
        snapshot = replace(snapshot, screen=None)
        self._append(Level(kind, key, snapshot, snapshot_bytes(snapshot), time.monotonic(),
                           origin=origin))

    def push_inverse(self, kind: str, key: object, inverse: Inverse,
                     origin: object = None) -> None:
        nbytes = 0 if inverse.mask is None else inverse.mask.nbytes
        self._append(Level(kind, key, None, nbytes, time.monotonic(), inverse, origin))

    def _append(self, level: Level) -> None:
        self.levels.append(level)
        self.nbytes += level.nbytes
        while len(self.levels) > self.max_levels or (
            self.nbytes > self.max_bytes and len(self.levels) > 1
        ):
            self.nbytes -= self.levels.popleft().nbytes

    def touch(self) -> None:
        """A drag went on: keep its level open."""
        if self.levels:
            self.levels[-1].at = time.monotonic()

    def pop(self) -> Level | None:
        if not self.levels:
            return None
        level = self.levels.pop()
        self.nbytes -= level.nbytes
        return level
