"""What a store keeps of a session, the `Store` interface, and `MemoryStore` (for tests).

A `SessionImage` is taken on the event loop and costs next to nothing: the engine never writes
an array in place, so a snapshot is a set of references that stay valid while a store encodes
them elsewhere. Rows are the encoded form every store writes and reads back.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from dialboard.engine import Snapshot
from dialboard.server.history import Inverse
from dialboard.server.storage.codec import (
    CodecError,
    decode_history,
    decode_level,
    decode_snapshot,
    encode_history,
    encode_level,
    encode_snapshot,
)


@dataclass(frozen=True)
class LevelImage:
    """One undo level: the snapshot undo goes back to, or (a change made while training ran)
    the change's inverse. `seq` orders levels within a session (older levels have smaller
    numbers) and names the level's row."""

    seq: int
    kind: str
    snapshot: Snapshot | None
    inverse: Inverse | None = None


@dataclass(frozen=True)
class SessionImage:
    id: str
    token_hash: str  # sha256 of the control token, hex; the token itself is never stored
    config: dict[str, Any]  # the resolved config, inline data and init included
    snapshot: Snapshot
    levels: tuple[LevelImage, ...] = ()
    cost_history: tuple[tuple[int, float], ...] = ()
    example: int = 0
    version: int = 0
    idle_seconds: float = 0.0  # since a person last touched it, when it was saved
    room: tuple[str, str] | None = None  # (code, sha256 of its token) of the class room on it
    saved_at: float = field(default_factory=time.time)  # wall clock


@dataclass(frozen=True)
class SessionRow:
    id: str
    token_hash: str
    config: str
    state_meta: str
    state: bytes
    history: bytes
    extra: str
    saved_at: float


@dataclass(frozen=True)
class LevelRow:
    session_id: str
    seq: int
    kind: str
    meta: str
    state: bytes


def encode_config(config: dict[str, Any]) -> str:
    """A session's config as stored. It never changes after creation, and with a teacher's
    own data it can be megabytes: stores write it once, not with every save."""
    return json.dumps(config)


def session_row(image: SessionImage, *, with_config: bool = True) -> SessionRow:
    """The row of `image`; without its config ("") when the store has it already."""
    meta, blob = encode_snapshot(image.snapshot)
    extra = {"example": image.example, "version": image.version,
             "idle_seconds": image.idle_seconds,
             **({"room": list(image.room)} if image.room is not None else {})}
    config = encode_config(image.config) if with_config else ""
    return SessionRow(image.id, image.token_hash, config, meta, blob,
                      encode_history(list(image.cost_history)), json.dumps(extra),
                      image.saved_at)


def level_row(session_id: str, level: LevelImage) -> LevelRow:
    meta, blob = encode_level(level.snapshot, level.inverse)
    return LevelRow(session_id, level.seq, level.kind, meta, blob)


def decode_session(row: SessionRow, levels: list[LevelRow]) -> SessionImage:
    try:
        extra = json.loads(row.extra)
        return SessionImage(
            id=row.id, token_hash=row.token_hash, config=json.loads(row.config),
            snapshot=decode_snapshot(row.state_meta, row.state),
            levels=tuple(LevelImage(lv.seq, lv.kind, *decode_level(lv.meta, lv.state))
                         for lv in sorted(levels, key=lambda lv: lv.seq)),
            cost_history=tuple(decode_history(row.history)), example=int(extra["example"]),
            version=int(extra["version"]), idle_seconds=float(extra["idle_seconds"]),
            room=_room(extra.get("room")), saved_at=float(row.saved_at))
    except CodecError as exc:
        raise CodecError(f"session {row.id}: {exc}") from None
    except (KeyError, TypeError, ValueError) as exc:
        raise CodecError(f"session {row.id}: its stored row could not be read: {exc!r}") from None


def _room(stored: object) -> tuple[str, str] | None:
    if stored is None:
        return None
    if not (isinstance(stored, list) and len(stored) == 2
            and all(isinstance(part, str) for part in stored)):
        raise ValueError(f"its room is not [code, token hash]: {stored!r:.60}")
    return stored[0], stored[1]


class Store(Protocol):
    """Where sessions live between runs of the server.

    `save` and `delete` never wait for a disk: they hand the work over and return. Saving a
    session again replaces what was saved before (levels it no longer has are dropped).
    `flush` returns once everything handed over so far is stored.
    """

    location: str

    def load(self) -> list[SessionImage]: ...
    def save(self, image: SessionImage) -> None: ...
    def delete(self, session_id: str) -> None: ...
    async def flush(self) -> None: ...
    def close(self) -> None: ...


class MemoryStore:
    """Rows in dictionaries, written at once on the caller's thread: the same encoding as the
    SQLite store, for tests and for restarting a registry within one process."""

    location = ":memory:"

    def __init__(self) -> None:
        self.sessions: dict[str, SessionRow] = {}
        self.levels: dict[str, dict[int, LevelRow]] = {}
        self._lock = threading.Lock()
        self.closed = False

    def load(self) -> list[SessionImage]:
        with self._lock:
            return [decode_session(row, list(self.levels.get(sid, {}).values()))
                    for sid, row in self.sessions.items()]

    def save(self, image: SessionImage) -> None:
        with self._lock:
            row = session_row(image, with_config=image.id not in self.sessions)
            if image.id in self.sessions:
                row = replace(row, config=self.sessions[image.id].config)
            stored = self.levels.setdefault(image.id, {})
            wanted = {lv.seq for lv in image.levels}
            for seq in set(stored) - wanted:
                del stored[seq]
            for lv in image.levels:
                if lv.seq not in stored:
                    stored[lv.seq] = level_row(image.id, lv)
            self.sessions[image.id] = row

    def delete(self, session_id: str) -> None:
        with self._lock:
            self.sessions.pop(session_id, None)
            self.levels.pop(session_id, None)

    async def flush(self) -> None:
        return None

    def close(self) -> None:
        self.closed = True
