"""All sessions of one server: creation within limits, lookup, deletion and expiry."""

import asyncio
import contextlib
import logging
import time
from typing import Any

from app.server.session import Session
from app.server.session_config import InvalidConfig, build, resolve
from app.server.settings import Settings

logger = logging.getLogger(__name__)
SWEEP_SECONDS = 30.0


class TooManySessions(Exception):
    pass


class Registry:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.sessions: dict[str, Session] = {}
        self._sweeper: asyncio.Task[None] | None = None

    def create(self, body: object) -> Session:
        """Raises InvalidConfig (422) or TooManySessions (503)."""
        if len(self.sessions) >= self.settings.max_sessions:
            self.expire()
            if len(self.sessions) >= self.settings.max_sessions:
                raise TooManySessions(
                    f"this server already runs {self.settings.max_sessions} sessions, its "
                    "limit; close one or try again later")
        config = resolve(body)
        trainer = build(config, max_parameters=self.settings.max_parameters,
                        max_rows=self.settings.max_dataset_rows)
        session = Session(_public(config), trainer)
        self.sessions[session.id] = session
        return session

    def get(self, session_id: str) -> Session | None:
        return self.sessions.get(session_id)

    async def delete(self, session_id: str) -> None:
        session = self.sessions.pop(session_id, None)
        if session is not None:
            await session.close()

    def expire(self) -> list[str]:
        """Drop sessions with no sockets that no person touched for the TTL (a board left
        playing in a closed tab included: its runner is stopped)."""
        now, ttl = time.monotonic(), self.settings.session_ttl_seconds
        gone = [sid for sid, s in self.sessions.items()
                if not s.peers and now - s.last_active > ttl]
        for sid in gone:
            session = self.sessions.pop(sid)
            asyncio.get_running_loop().create_task(session.close())
            logger.info("session %s expired after %d s idle", sid[:6], ttl)
        return gone

    async def _sweep(self) -> None:
        while True:
            await asyncio.sleep(min(SWEEP_SECONDS, self.settings.session_ttl_seconds / 2))
            self.expire()

    def start(self) -> None:
        self._sweeper = asyncio.get_running_loop().create_task(self._sweep())

    async def close(self) -> None:
        if self._sweeper is not None:
            self._sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._sweeper
        for sid in list(self.sessions):
            await self.delete(sid)


def _public(config: dict[str, Any]) -> dict[str, Any]:
    """The resolved config as returned to clients (inline data is summarised, not echoed)."""
    out = dict(config)
    if isinstance(out.get("dataset"), dict):
        out["dataset"] = {"inline": True, "rows": len(out["dataset"].get("inputs", []))}
    if out.get("init") is not None:
        out["init"] = sorted(out["init"])
    return out


__all__ = ["InvalidConfig", "Registry", "TooManySessions"]
