"""A class room moving to a board in another worker (docs/workers.md): three calls the web
process makes, never a client (it refuses `/internal/` paths), mounted in workers only.

1. `check` on the new board's worker: its control token, and no room of its own;
2. `release` on the room's worker: the room token; the old board hears `moved`, closes, and
   the room leaves with its code and token hash;
3. `adopt` on the new board's worker: the room, as it was, on the new board (saved with it).

The same checks, in the same order, as a move within one server (rooms_api.move_room), so a
refusal changes nothing.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel

from dialboard.server.refusals import Refusal
from dialboard.server.rest import registry
from dialboard.server.rooms import Room, normalize_code
from dialboard.server.rooms_api import bearer, controlled_session, describe, room_or_error, rooms

router = APIRouter(include_in_schema=False)


class Target(BaseModel):
    session: str
    session_token: str = ""


class Moving(Target):
    token_hash: str
    created: float


@router.post("/internal/rooms/{code}/check")
async def check(request: Request, code: str, body: Target) -> dict[str, Any]:
    controlled_session(registry(request), body.session, body.session_token)
    if rooms(request).of_session(body.session) is not None:
        raise Refusal(409, "refusal.room.taken")
    return {}


@router.post("/internal/rooms/{code}/release")
async def release(request: Request, code: str, body: Target) -> dict[str, Any]:
    room = room_or_error(request, code, bearer(request))
    del rooms(request).by_code[room.code]
    await registry(request).retire(room.session_id, {"type": "moved", "room": room.code,
                                                     "session": body.session})
    return {"token_hash": room.token_hash, "created": room.created}


@router.post("/internal/rooms/{code}/adopt")
async def adopt(request: Request, code: str, body: Moving) -> dict[str, Any]:
    reg = registry(request)
    session = controlled_session(reg, body.session, body.session_token)
    room = Room(normalize_code(code), body.token_hash, session.id, body.created)
    reg.adopt_room(room, session)
    return describe(request, room)
