"""REST for rooms (docs/protocol.md, "Rooms"), the join page and the join link's QR code."""

from __future__ import annotations

import io
import ipaddress
from functools import cache
from typing import Any

import segno
from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel

from dialboard.server import i18n
from dialboard.server.assets import templates_dir
from dialboard.server.hosts import WILDCARD_BINDS, lan_address
from dialboard.server.refusals import Refusal
from dialboard.server.registry import Registry
from dialboard.server.rest import REFUSALS, may_create, registry
from dialboard.server.rooms import CODE_LENGTH, Room, RoomError, Rooms
from dialboard.server.session import Session

router = APIRouter(responses=REFUSALS)


class RoomBoard(BaseModel):
    session: str


def rooms(request: Request) -> Rooms:
    r: Rooms = request.app.state.rooms
    return r


def bearer(request: Request) -> str:
    auth = request.headers.get("authorization", "")
    return auth[7:].strip() if auth.lower().startswith("bearer ") else ""


def room_or_error(request: Request, code: str, token: str | None = None) -> Room:
    try:
        return rooms(request).get(code) if token is None else \
            rooms(request).authorised(code, token)
    except RoomError as error:
        raise Refusal(error.status, error.words) from None


def controlled_session(reg: Registry, session_id: str, token: str) -> Session:
    session = reg.get(session_id)
    if session is None:
        raise Refusal(404, "refusal.room.no_session", id=repr(session_id))
    if not token or not session.token_matches(token):
        raise Refusal(403, "refusal.room.session_token")
    return session


def join_base(request: Request) -> tuple[str, bool]:
    """The address students use, and whether they can reach it at all."""
    listen = request.app.state.settings.host
    port = request.url.port or (443 if request.url.scheme == "https" else 80)
    here = request.url.hostname or "127.0.0.1"
    if _loopback(listen):
        return f"{request.url.scheme}://{request.url.netloc}", False
    if listen in WILDCARD_BINDS and _loopback(here):
        lan = lan_address()
        if lan is None:
            return f"{request.url.scheme}://{request.url.netloc}", False
        return f"{request.url.scheme}://{lan}:{port}", True
    return f"{request.url.scheme}://{request.url.netloc}", True


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def describe(request: Request, room: Room) -> dict[str, Any]:
    session = registry(request).get(room.session_id)
    base, reachable = join_base(request)
    return {"code": room.code, "session": room.session_id,
            "watching": session.watching() if session is not None else 0,
            "join_url": f"{base}/join/{room.code}", "reachable": reachable}


@router.post("/api/rooms", status_code=201)
async def open_room(request: Request, body: RoomBoard) -> dict[str, Any]:
    """Open a class room on a board this presenter controls. Asked again for the same board,
    it gives the same code with a new token (the old one stops working)."""
    may_create(request)
    session = controlled_session(registry(request), body.session, bearer(request))
    try:
        room, token = registry(request).open_room(session)
    except RoomError as error:
        raise Refusal(error.status, error.words) from None
    return {**describe(request, room), "token": token}


@router.get("/api/rooms/{code}")
async def get_room(request: Request, code: str) -> dict[str, Any]:
    return describe(request, room_or_error(request, code))


class Move(BaseModel):
    session: str
    session_token: str


@router.put("/api/rooms/{code}")
async def move_room(request: Request, code: str, body: Move) -> dict[str, Any]:
    """Move the class to another board: its watchers follow, the board left behind closes."""
    room = room_or_error(request, code, bearer(request))
    reg = registry(request)
    session = controlled_session(reg, body.session, body.session_token)
    if rooms(request).of_session(body.session) not in (None, room):
        raise Refusal(409, "refusal.room.taken")
    await reg.move_room(room, session)
    return describe(request, room)


@router.get("/api/rooms/{code}/qr.svg")
async def room_qr(request: Request, code: str) -> Response:
    room = room_or_error(request, code)
    url = describe(request, room)["join_url"]
    svg = io.BytesIO()  # a standalone file (namespace included): an <img> can show it
    segno.make(url, error="m").save(svg, kind="svg", scale=8, border=2, dark="#000",
                                    light="#fff", xmldecl=False, nl=False)
    return Response(svg.getvalue(), media_type="image/svg+xml",
                    headers={"Cache-Control": "no-store"})


@router.get("/join", include_in_schema=False, response_class=HTMLResponse)
async def join_page(request: Request, code: str = "", lang: str | None = None) -> Response:
    """Students type the code; a code that opens a room sends them to its board, watching."""
    error, status, lang = "", 200, i18n.resolve(lang) if lang else None
    if code.strip():
        try:
            room = rooms(request).get(code)
            return RedirectResponse(f"/?room={room.code}" + (f"&lang={lang}" if lang else ""),
                                    status_code=303)
        except RoomError as refused:
            status = refused.status
            key = "join.unknown" if status == 404 else "join.malformed"
            error = i18n.text(lang, key, code=code.strip().upper()[:12], n=CODE_LENGTH)
    context = {"code": code[:12], "error": error, **i18n.page_context(lang)}
    return _templates().TemplateResponse(request, "join.html", context, status_code=status)


@cache
def _templates() -> Jinja2Templates:
    return Jinja2Templates(directory=templates_dir())


@router.get("/join/{code}", include_in_schema=False)
async def join_code(request: Request, code: str) -> Response:
    """What the QR code opens: the class's board, watching."""
    room = room_or_error(request, code)
    return RedirectResponse(f"/?room={room.code}", status_code=303)
