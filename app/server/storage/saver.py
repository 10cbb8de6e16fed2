"""When sessions are saved, and what of them: the glue between sessions and a `Store`.

A session is saved right after every change a person makes (on the next turn of the event
loop, so one action is one save however many changes it makes), at least every
`SAVE_SECONDS` while it trains, and once more on shutdown. Taking its image costs
microseconds on the loop; encoding and writing happen in the store.
"""

from __future__ import annotations

import asyncio
import logging
import time

from dialboard.server.history import Level
from dialboard.server.session import Session
from dialboard.server.storage.base import LevelImage, SessionImage, Store

logger = logging.getLogger(__name__)

#: A session in training is saved at least this often, so a crash loses at most ~2 s of it.
SAVE_SECONDS = 1.0
#: Undo levels stored per session: the newest levels whose snapshots fit in this many bytes.
STORED_UNDO_BYTES = 16 * 2**20


class Saver:
    def __init__(self, store: Store, undo_bytes: int = STORED_UNDO_BYTES) -> None:
        self.store, self.undo_bytes = store, undo_bytes
        self.configs: dict[str, dict[str, object]] = {}  # full resolved config, by session
        self._levels: dict[str, dict[int, tuple[Level, int]]] = {}  # id(level) → (level, seq)
        self._next_seq: dict[str, int] = {}
        self._saved: dict[str, int] = {}  # session → version last saved
        self._soon: dict[str, Session] = {}
        self._scheduled = False

    # -- sessions come and go ----------------------------------------------------------------
    def add(self, session: Session, config: dict[str, object],
            restored: tuple[LevelImage, ...] | None = None) -> None:
        """Watch `session`; `restored`: the stored levels its history was just rebuilt from
        (it is on disk already), or None for a new session (saved now)."""
        self.configs[session.id] = config
        levels = restored or ()
        n = min(len(levels), len(session.history.levels))
        rebuilt = list(session.history.levels)[len(session.history.levels) - n:]
        self._levels[session.id] = {id(lv): (lv, img.seq) for lv, img in
                                    zip(rebuilt, levels[len(levels) - n:], strict=True)}
        self._next_seq[session.id] = max((lv.seq for lv in levels), default=-1) + 1
        session.on_change = self.changed
        if restored is None:
            self.save(session)
        else:
            self._saved[session.id] = session.version

    def forget(self, session_id: str) -> None:
        """The session ended (DELETE or expiry): its stored rows go too."""
        self.configs.pop(session_id, None)
        self._levels.pop(session_id, None)
        self._next_seq.pop(session_id, None)
        self._saved.pop(session_id, None)
        self._soon.pop(session_id, None)
        self.store.delete(session_id)

    # -- saving ------------------------------------------------------------------------------
    def changed(self, session: Session) -> None:
        """Session.changed's hook: a person's change is saved at once; training by the tick."""
        if session.busy or session.id not in self.configs:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # changed outside the server's loop (a script, a test): now
            self.save(session)
            return
        self._soon[session.id] = session
        if not self._scheduled:
            self._scheduled = True
            loop.call_soon(self._save_soon)

    def _save_soon(self) -> None:
        self._scheduled = False
        soon, self._soon = self._soon, {}
        for session in soon.values():
            if session.id in self.configs:
                self.save(session)

    def tick(self, sessions: list[Session]) -> None:
        """Save every session that changed since it was last saved."""
        for session in sessions:
            if session.id in self.configs and self._saved.get(session.id) != session.version:
                self.save(session)

    def save(self, session: Session) -> None:
        self.store.save(self.image(session))
        self._saved[session.id] = session.version

    def image(self, session: Session) -> SessionImage:
        sid = session.id
        known, next_seq = self._levels.get(sid, {}), self._next_seq.get(sid, 0)
        chosen: list[Level] = []
        total = 0
        for level in reversed(session.history.levels):  # newest first, within the budget
            if total + level.nbytes > self.undo_bytes:
                break
            chosen.append(level)
            total += level.nbytes
        levels, kept = [], {}
        for level in reversed(chosen):
            entry = known.get(id(level))
            if entry is not None and entry[0] is level:
                seq = entry[1]
            else:
                seq, next_seq = next_seq, next_seq + 1
            kept[id(level)] = (level, seq)
            levels.append(LevelImage(seq, level.kind, level.snapshot, level.inverse))
        self._levels[sid], self._next_seq[sid] = kept, next_seq
        idle = 0.0 if session.peers else max(0.0, time.monotonic() - session.last_active)
        return SessionImage(
            id=sid, token_hash=session.token_hash, config=self.configs[sid],
            snapshot=session.trainer.snapshot(), levels=tuple(levels),
            cost_history=tuple(session.cost_history), example=session.example,
            version=session.version, idle_seconds=idle, room=session.room)

    async def run(self, sessions: dict[str, Session]) -> None:
        """The tick, forever: sessions in training are saved every SAVE_SECONDS."""
        while True:
            await asyncio.sleep(SAVE_SECONDS)
            try:
                self.tick(list(sessions.values()))
            except Exception:  # a defect of ours must not stop saving the other sessions
                logger.exception("saving sessions failed")
