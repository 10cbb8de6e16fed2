"""All sessions of one server: creation within limits, lookup, deletion and expiry; with a
store, restored at start, saved as they change and removed when they end."""

import asyncio
import contextlib
import copy
import logging
import sys
import time
from collections.abc import Callable
from typing import Any

from dialboard.engine import Trainer
from dialboard.server.child import Child
from dialboard.server.figurer import Figurer, Inline
from dialboard.server.player import Player
from dialboard.server.refusals import Refused
from dialboard.server.rooms import Room, Rooms
from dialboard.server.session import Session
from dialboard.server.session_config import InvalidConfig, build, memory_bytes, resolve
from dialboard.server.settings import Settings
from dialboard.server.storage import SessionImage, StorageError, Store
from dialboard.server.storage.saver import Saver

logger = logging.getLogger(__name__)
SWEEP_SECONDS = 30.0
# A board playing with no socket for this long pauses (at the next sweep): a reload or a
# dropped connection is back sooner; a closed tab or a sleeping phone keeps no core busy.
UNWATCHED_SECONDS = 30.0
# A board its room left still answers questions already asked about it (a probe in flight
# when the class moved on) for this long, read-only, instead of a 404 the pages would log.
RETIRED_SECONDS = 30.0


class TooManySessions(Refused):
    pass


class Registry:
    def __init__(self, settings: Settings, figurer: Figurer | None = None,
                 player: Player | None = None) -> None:
        self.settings = settings
        self.figurer: Figurer = figurer or Inline()  # playing boards' screen figures
        self.player = player  # where boards train at full speed (player.py); None: here
        # Boards this registry may hold: all the server's, or a worker's share (routes.py).
        self.capacity = settings.max_sessions
        self.sessions: dict[str, Session] = {}
        self._sweeper: asyncio.Task[None] | None = None
        self._pausing: set[asyncio.Task[None]] = set()  # boards nobody watches, pausing
        self.store: Store | None = None
        self.saver: Saver | None = None
        self._autosave: asyncio.Task[None] | None = None
        self.rooms = Rooms()
        self.retired: dict[str, tuple[Session, float]] = {}  # id → (board, when it retired)

    def create(self, body: object) -> Session:
        """Raises InvalidConfig (422) or TooManySessions (503)."""
        if len(self.sessions) >= self.capacity:
            self.expire()
            self.reclaim()
            if len(self.sessions) >= self.capacity:
                raise TooManySessions("refusal.too_many_sessions",
                                      limit=self.settings.max_sessions)
        config = resolve(body)
        trainer = build(config, max_parameters=self.settings.max_parameters,
                        max_rows=self.settings.max_dataset_rows,
                        max_bytes=self.settings.session_memory_mb * 2**20)
        self._fits(trainer)
        session = Session(_public(config), trainer, self.figurer, self.player)
        self.sessions[session.id] = session
        if self.saver is not None:
            self.saver.add(session, copy.deepcopy(config))
        return session

    def _fits(self, trainer: Trainer) -> None:
        """Refuse a board that would take the server past its memory budget (422)."""
        def need(t: Trainer) -> int:
            return memory_bytes(t.arch, t.data.x_train.shape[0], t.data.x_test.shape[0],
                                t.config.batch_size)

        used = sum(need(s.trainer) for s in self.sessions.values())
        budget = self.settings.server_memory_mb * 2**20
        if used + need(trainer) > budget:
            raise InvalidConfig("refusal.server_memory", used=f"{used / 2**20:,.0f}",
                                budget=f"{budget / 2**20:,.0f}",
                                need=f"{need(trainer) / 2**20:,.0f}")

    # -- storage ------------------------------------------------------------------------------
    def attach(self, store: Store, keep: Callable[[str], bool] | None = None) -> int:
        """Restore every session `store` holds (those whose id `keep` accepts: this worker's
        part), then save to it from now on. Returns how many were restored; raises
        StorageError if one cannot be rebuilt (nothing is dropped)."""
        images = [i for i in store.load() if keep is None or keep(i.id)]
        restored = [self._restore(image) for image in images]
        self.store, self.saver = store, Saver(store)
        for session, image in zip(restored, images, strict=True):
            self.sessions[session.id] = session
            self.saver.add(session, image.config, image.levels)
        return len(restored)

    def _restore(self, image: SessionImage) -> Session:
        try:  # limits applied when it was made; a stored session is never refused for them
            trainer = build(image.config, max_parameters=sys.maxsize, max_rows=sys.maxsize)
            trainer.restore(image.snapshot)
            trainer.cost()  # the screen, as it was: a trying learner counts no extra pass
        except Exception as exc:
            raise StorageError(f"stored session {image.id} cannot be rebuilt by this version "
                               f"of Dialboard: {exc}") from None
        session = Session(_public(image.config), trainer, self.figurer, self.player)
        session.id, session.token_hash, session.control_token = image.id, image.token_hash, ""
        for stored in image.levels:
            if stored.snapshot is not None:
                session.history.push(stored.kind, None, stored.snapshot)
            elif stored.inverse is not None:
                session.history.push_inverse(stored.kind, None, stored.inverse)
        for level in session.history.levels:
            level.at = 0.0  # no drag continues across a restart
        if image.room is not None:
            code, token_hash = image.room
            self.rooms.by_code[code] = Room(code, token_hash, session.id)
            session.room = image.room
        session.cost_history = list(image.cost_history)
        session.example, session.version = image.example, image.version + 1
        session.last_active = time.monotonic() - image.idle_seconds
        return session

    def directory(self) -> tuple[tuple[str, ...], tuple[tuple[str, str], ...]]:
        """The ids of the boards here and (code, board) of their rooms: what a web process
        routes by (relay/routes.py)."""
        return (tuple(sorted(set(self.sessions) | set(self.retired))),  # retired: read-only
                tuple(sorted((c, r.session_id) for c, r in self.rooms.by_code.items())))

    def get(self, session_id: str) -> Session | None:
        return self.sessions.get(session_id)

    def answering(self, session_id: str) -> Session | None:
        """A live board, or one its room left less than RETIRED_SECONDS ago (read-only)."""
        now = time.monotonic()
        for sid in [s for s, (_, at) in self.retired.items() if now - at > RETIRED_SECONDS]:
            del self.retired[sid]
        live = self.sessions.get(session_id)
        return live if live is not None else self.retired.get(session_id, (None, 0.0))[0]

    async def delete(self, session_id: str) -> None:
        session = self.sessions.pop(session_id, None)
        self.rooms.forget_session(session_id)
        if session is not None:
            await session.close()
            if self.saver is not None:
                self.saver.forget(session_id)

    # -- rooms ----------------------------------------------------------------------------------
    def open_room(self, session: Session) -> tuple[Room, str]:
        """A class room on `session` (its code kept if it has one: a new token then)."""
        old = self.rooms.of_session(session.id)
        if old is not None:
            del self.rooms.by_code[old.code]
        room, token = self.rooms.open(session.id, code=old.code if old is not None else None)
        self._carry(session, room)
        return room, token

    async def move_room(self, room: Room, session: Session) -> None:
        """The class follows the teacher to `session`; the board left behind ends."""
        old = room.session_id
        room.session_id = session.id
        self._carry(session, room)
        if old != session.id:
            await self.retire(old, {"type": "moved", "room": room.code, "session": session.id})

    def adopt_room(self, room: Room, session: Session) -> None:
        """A room that moved here from another worker, onto `session` (relay/internal.py)."""
        self.rooms.by_code[room.code] = room
        self._carry(session, room)

    def _carry(self, session: Session, room: Room) -> None:
        session.room = (room.code, room.token_hash)
        if self.saver is not None:
            self.saver.save(session)

    async def retire(self, session_id: str, last_word: dict[str, Any]) -> None:
        """End a board its room left: every socket on it gets `last_word` (where the class
        went), then closes; the board is closed and forgotten."""
        session = self.sessions.pop(session_id, None)
        if session is None:
            return
        if self.saver is not None:
            self.saver.forget(session_id)
        self.retired[session_id] = (session, time.monotonic())
        await session.retire(last_word, self.settings.send_timeout_seconds)

    def expire(self) -> list[str]:
        """Drop sessions with no sockets that no person touched for the TTL (a board left
        playing in a closed tab included: its runner is stopped)."""
        now, ttl = time.monotonic(), self.settings.session_ttl_seconds
        gone = [sid for sid, s in self.sessions.items()
                if not s.peers and now - s.last_active > ttl]
        for sid in gone:
            session = self.sessions.pop(sid)
            self.rooms.forget_session(sid)
            asyncio.get_running_loop().create_task(session.close())
            if self.saver is not None:
                self.saver.forget(sid)
            logger.info("session %s expired after %d s idle", sid[:6], ttl)
        return gone

    def rest_unwatched(self) -> list[str]:
        """Pause the boards playing with no socket for UNWATCHED_SECONDS, as a pause would:
        training nobody sees would take a core from the classes that are watching."""
        now = time.monotonic()
        idle = [s for s in self.sessions.values() if s.playing and s.alone_since is not None
                and now - s.alone_since > UNWATCHED_SECONDS]
        for session in idle:
            task = asyncio.get_running_loop().create_task(session.stop())
            self._pausing.add(task)
            task.add_done_callback(self._pausing.discard)
            logger.info("session %s paused: nobody watching", session.id[:6])
        return [s.id for s in idle]

    def reclaim(self) -> str | None:
        """A full server drops the oldest board nobody ever used and nobody watches (opened,
        never stepped or changed, its tab closed): losing it loses nothing anyone did."""
        unused = [s for s in self.sessions.values()
                  if not s.peers and not s.playing and len(s.history) == 0
                  and s.trainer.step_count == 0]
        if not unused:
            return None
        oldest = min(unused, key=lambda s: s.last_active)
        self.sessions.pop(oldest.id)
        self.rooms.forget_session(oldest.id)  # a room nobody is in goes with its board
        asyncio.get_running_loop().create_task(oldest.close())
        if self.saver is not None:
            self.saver.forget(oldest.id)
        logger.info("session %s reclaimed: never used, nobody watching", oldest.id[:6])
        return oldest.id

    async def _sweep(self) -> None:
        while True:
            await asyncio.sleep(min(SWEEP_SECONDS, self.settings.session_ttl_seconds / 2,
                                    UNWATCHED_SECONDS / 2))
            self.expire()
            self.rest_unwatched()

    def start(self) -> None:
        loop = asyncio.get_running_loop()
        self._sweeper = loop.create_task(self._sweep())
        if self.saver is not None:
            self._autosave = loop.create_task(self.saver.run(self.sessions))
        for child in (self.player, self.figurer):  # ready for the first play, not started by it
            if isinstance(child, Child):
                child.start_soon()

    async def close(self) -> None:
        """Stop every session; with a store, save each one (they come back at the next start),
        wait until they are written and close the store."""
        for task in (self._sweeper, self._autosave):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        for sid in list(self.sessions):
            session = self.sessions.pop(sid)
            session.on_change = None  # saved once below, not on every change while it stops
            await session.close()
            if self.saver is not None:
                self.saver.save(session)
        await self.figurer.close()
        if self.player is not None:
            await self.player.close()
        if self.store is not None:
            await self.store.flush()
            self.store.close()
        self.store, self.saver = None, None


def _public(config: dict[str, Any]) -> dict[str, Any]:
    """The resolved config as returned to clients (inline data is summarised, not echoed)."""
    out = dict(config)
    if isinstance(out.get("dataset"), dict):
        out["dataset"] = {"inline": True, "rows": len(out["dataset"].get("inputs", []))}
    if out.get("init") is not None:
        out["init"] = sorted(out["init"])
    return out


__all__ = ["InvalidConfig", "Registry", "TooManySessions"]
