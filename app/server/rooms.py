"""Rooms: a class's join code that outlives boards.

A presenter opens a room on its board; students join by the room's short code. When the
teacher moves the room to another board, everyone watching the old one is told where it
went (a `moved` message) and the old board is closed, so switching boards never leaks one.
"""

from __future__ import annotations

import hmac
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from dialboard.server.refusals import Refused
from dialboard.server.session import hash_token

# Upper-case letters and digits a class cannot confuse when read off a projector: no 0/O/Q/D,
# 1/I/L, 2/Z, 5/S, 6/G/b, 8/B, U/V.
CODE_ALPHABET = "ACEFHJKMNPRTWXY3479"
CODE_LENGTH = 6
MAX_ROOMS = 500  # a bound on memory; rooms end with their last board


class RoomError(Refused):
    """A code or token that opens no room; the words say which and why."""

    def __init__(self, status: int, key: str, **params: object) -> None:
        super().__init__(key, **params)
        self.status = status


def normalize_code(text: str) -> str:
    """The code as typed, read leniently: case, spaces and dashes do not matter."""
    code = "".join(ch for ch in text.upper() if ch not in " -_\t")
    if len(code) != CODE_LENGTH or any(ch not in CODE_ALPHABET for ch in code):
        raise RoomError(422, "refusal.room.code", length=CODE_LENGTH,
                        letters=" ".join(CODE_ALPHABET), value=repr(text[:20]))
    return code


@dataclass
class Room:
    code: str
    token_hash: str
    session_id: str
    created: float = field(default_factory=time.time)

    def token_matches(self, token: str) -> bool:
        return hmac.compare_digest(hash_token(token).encode(), self.token_hash.encode())


class Rooms:
    """Every open room of one server, by code."""

    def __init__(self) -> None:
        self.by_code: dict[str, Room] = {}
        # Which new codes this server may give: with several workers, each its own part, so
        # that no two rooms ever share a code (relay/worker.py).
        self.mine: Callable[[str], bool] = lambda code: True

    def open(self, session_id: str, code: str | None = None) -> tuple[Room, str]:
        """A room on `session_id` (a new code unless given), and its token (returned once,
        never kept)."""
        if len(self.by_code) >= MAX_ROOMS:
            raise RoomError(503, "refusal.room.too_many", limit=MAX_ROOMS)
        while code is None or code in self.by_code:
            code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
            code = code if self.mine(code) else None
        token = secrets.token_urlsafe(24)
        room = Room(code, hash_token(token), session_id)
        self.by_code[code] = room
        return room, token

    def get(self, text: str) -> Room:
        code = normalize_code(text)
        room = self.by_code.get(code)
        if room is None:
            raise RoomError(404, "refusal.room.unknown", code=code)
        return room

    def authorised(self, text: str, token: str) -> Room:
        room = self.get(text)
        if not token:
            raise RoomError(401, "refusal.room.no_token")
        if not room.token_matches(token):
            raise RoomError(403, "refusal.room.bad_token")
        return room

    def of_session(self, session_id: str) -> Room | None:
        return next((r for r in self.by_code.values() if r.session_id == session_id), None)

    def forget_session(self, session_id: str) -> None:
        """A board that ended (expired, deleted) takes its room with it."""
        for code in [c for c, r in self.by_code.items() if r.session_id == session_id]:
            del self.by_code[code]


__all__ = ["CODE_ALPHABET", "CODE_LENGTH", "Room", "RoomError", "Rooms", "normalize_code"]
