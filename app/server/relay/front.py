"""The web process: it serves `/healthz` and static files itself and relays every other
request and socket to the worker process that holds its board (routes.py), where sessions
live and train (docs/workers.md).

So training never runs on the event loop that answers health checks, accepts sockets and
writes frames to clients, and boards in different workers train on different cores.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.responses import JSONResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from dialboard.server.assets import static_dir
from dialboard.server.creations import Creations
from dialboard.server.hosts import HostCheck, default_hosts
from dialboard.server.refusals import said
from dialboard.server.relay.line import answer, refuse
from dialboard.server.relay.routes import (
    BY_ROOM,
    Directory,
    apart,
    needs_body,
    share,
    worker_for,
)
from dialboard.server.relay.workers import Worker, worker_env
from dialboard.server.settings import Settings

logger = logging.getLogger(__name__)
LOCAL = ("/healthz", "/static/")
CREATING = ("/api/sessions", "/api/rooms")  # limited per client address (creations.py)
PEEK_BYTES = 64 * 1024
# A new board's request is kept (up to this) to be put to another worker when the first is
# full of boards it cannot reclaim, or restarting: only then is the server full.
CREATE_BYTES = 16 * 2**20
PASS_ON = ("refusal.too_many_sessions", "refusal.server.restarting")
INTERNAL = "/internal/"
Scope = dict[str, Any]


def create_front(settings: Settings, env: dict[str, str], log_level: str = "info") -> Any:
    """The web process's ASGI app: local health and static files, the rest to the workers."""
    count = settings.worker_count()
    directory = Directory(count)
    workers = [Worker(k, count, worker_env(settings, env), log_level, directory)
               for k in range(count)]
    creations = Creations()
    shares = [share(settings.max_sessions, k, count) for k in range(count)]

    async def healthz(request: Any) -> JSONResponse:
        up = all(w.up.is_set() for w in workers)
        return JSONResponse({"status": "ok" if up else "starting"}, 200 if up else 503)

    local = Starlette(routes=[Route("/healthz", healthz),
                              Mount("/static", StaticFiles(directory=static_dir()))],
                      middleware=[Middleware(HostCheck, allowed=default_hosts(settings.host)
                                             | set(settings.allowed_hosts))])

    async def relay(scope: Scope, receive: Any, send: Any) -> None:
        if count == 1:
            return await workers[0].forward(scope, receive, send)
        method, path = scope.get("method", "GET"), scope["path"]
        query = scope.get("query_string", b"").decode("latin-1")
        board = None
        if scope["type"] == "http" and needs_body(method, path):
            body, receive = await _peek_body(receive)
            found = body.get("session")
            board = found if isinstance(found, str) else None
            if apart(directory, method, path, board):
                return await _move_across(workers, directory, scope, send, body)
        if scope["type"] == "http" and method == "POST" and path in CREATING:
            client = scope.get("client") or ("", 0)
            over = creations.take(client[0], settings.sessions_per_minute, time.monotonic())
            if over is not None:
                return await refuse(send, 429, said("refusal.session.rate", count=over[0],
                                                    wait=over[1]), over[1])
        k = worker_for(directory, method, path, query, board, shares)
        if scope["type"] == "http" and method == "POST" and path == CREATING[0]:
            order = [k, *(j for j in directory.by_room(shares) if j != k)]
            return await _create(workers, order, scope, receive, send)
        return await workers[k].forward(scope, receive, send)

    async def app(scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            return await _lifespan(workers, receive, send)
        path = scope.get("path", "")
        if path == LOCAL[0] or path.startswith(LOCAL[1]):
            return await local(scope, receive, send)
        if path.startswith(INTERNAL):  # the web process's own calls to its workers only
            return await local(scope, receive, send)  # its 404
        return await relay(scope, receive, send)

    app.workers = workers  # type: ignore[attr-defined]
    return app


async def _read(receive: Any, limit: int) -> tuple[list[dict[str, Any]], bool]:
    """A request's first events, up to `limit` bytes of body; whether that was all of it."""
    events, size = [], 0
    while True:
        event = await receive()
        events.append(event)
        size += len(event.get("body", b""))
        if event["type"] != "http.request" or not event.get("more_body"):
            return events, event["type"] == "http.request"
        if size > limit:
            return events, False


def _replay(events: list[dict[str, Any]], receive: Any) -> Any:
    """A `receive` that gives `events` again, then what the client sends next."""
    events = list(events)

    async def replay() -> dict[str, Any]:
        return events.pop(0) if events else await receive()

    return replay


async def _peek_body(receive: Any) -> tuple[dict[str, Any], Any]:
    """A room request's JSON body ({} if it is none), and a `receive` that replays it."""
    events, _ = await _read(receive, PEEK_BYTES)
    body: Any = None
    with contextlib.suppress(ValueError, RecursionError):
        body = json.loads(b"".join(e.get("body", b"") for e in events))
    return body if isinstance(body, dict) else {}, _replay(events, receive)


async def _create(workers: list[Worker], order: list[int], scope: Scope, receive: Any,
                  send: Any) -> None:
    """A new board, put to each worker in `order` until one is not full: a full worker can
    reclaim only its own unused boards, and another may have room or boards to reclaim."""
    events, whole = await _read(receive, CREATE_BYTES)
    for k in order[:-1] if whole else []:
        held: list[dict[str, Any]] = []
        await workers[k].forward(scope, _replay(events, receive), _hold(held))
        if not _full(held):
            for message in held:
                await send(message)
            return
    await workers[order[-1] if whole else order[0]].forward(scope, _replay(events, receive), send)


def _hold(held: list[dict[str, Any]]) -> Any:
    async def send(message: dict[str, Any]) -> None:
        held.append(message)
    return send


def _full(held: list[dict[str, Any]]) -> bool:
    """Whether a held answer says the worker is full (or restarting): 503 and those words."""
    if not held or held[0].get("status") != 503:
        return False
    with contextlib.suppress(ValueError, RecursionError, AttributeError):
        body = json.loads(b"".join(m.get("body", b"") for m in held[1:]))
        return body.get("words", {}).get("key") in PASS_ON
    return False


async def _move_across(workers: list[Worker], directory: Directory, scope: Scope, send: Any,
                       body: dict[str, Any]) -> None:
    """A class room moving to a board in another worker (relay/internal.py): the new board
    checked, the room released by its worker, then adopted by the new board's."""
    code = scope["path"][len(BY_ROOM[0]):].split("/", 1)[0]
    room_at, board_at = directory.of_room(code), directory.of_session(body["session"])
    assert room_at is not None and board_at is not None  # routes.apart found both
    host = [(k, v) for k, v in scope["headers"] if k == b"host"]
    auth = [(k, v) for k, v in scope["headers"] if k == b"authorization"]
    target = {"session": body["session"], "session_token": body.get("session_token", "")}
    status, out = await workers[board_at].call("POST", f"/internal/rooms/{code}/check", target,
                                                host)
    if status == 200:
        status, out = await workers[room_at].call(
            "POST", f"/internal/rooms/{code}/release", target, host + auth)
    if status == 200:
        held = json.loads(out)
        status, out = await workers[board_at].call(
            "POST", f"/internal/rooms/{code}/adopt", {**target, **held}, host)
        if status != 200:
            logger.error("room %s left its board but its new one refused it: %r", code, out)
    await answer(send, status, out)


async def _lifespan(workers: list[Worker], receive: Any, send: Any) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            try:
                await asyncio.gather(*(w.start() for w in workers))
            except (OSError, RuntimeError, TimeoutError) as exc:
                await asyncio.gather(*(w.stop() for w in workers))
                await send({"type": "lifespan.startup.failed", "message": str(exc)})
                return
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await asyncio.gather(*(w.stop() for w in workers))
            await send({"type": "lifespan.shutdown.complete"})
            return
