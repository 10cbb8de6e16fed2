"""The FastAPI application factory: pages, static files, REST, the websocket and lifespan."""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request, WebSocket
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from dialboard import __version__
from dialboard.server import (
    boardfile_api,
    i18n,
    lessons_api,
    meta,
    probes_api,
    refusals,
    rest,
    rooms_api,
    runner,
    ws,
)
from dialboard.server.assets import static_dir, templates_dir
from dialboard.server.creations import Creations
from dialboard.server.figurer import Figurer
from dialboard.server.hosts import HostCheck, default_hosts
from dialboard.server.player import Player
from dialboard.server.refusals import said
from dialboard.server.registry import Registry
from dialboard.server.settings import Settings
from dialboard.server.storage import Store, open_store

logger = logging.getLogger(__name__)


def create_app(settings: Settings | None = None, store: Store | None = None,
               keep: Callable[[str], bool] | None = None,
               figurer: Figurer | None = None, player: Player | None = None) -> FastAPI:
    """Build the application. Without ``settings`` they are read from the environment.

    Sessions are kept in ``store`` when one is given (its sessions are restored here, before
    anything is served), else in the store ``settings.data_dir`` names (opened and restored
    at startup), else in memory only. A store that cannot be used raises StorageError. The
    app closes its store when it stops, after saving every session. `keep`: which stored
    sessions are this app's (a worker's part of a shared store); all by default.
    `figurer`: where playing boards' screen figures are computed (figurer.py); in this
    process by default. `player`: where boards train at full speed (player.py); in this
    process by default.
    """
    if settings is None:
        settings = Settings.from_env()
    # Training yields to the event loop every runner.SLICE_SECONDS, and its poll releases the
    # GIL: each release wakes a thread waiting for it, which loses the race and waits the
    # switch interval again. Under that interval it never asks for the GIL, and starves (a
    # helper thread, a thread-pool request, a client in the same process).
    sys.setswitchinterval(min(sys.getswitchinterval(), runner.SLICE_SECONDS / 4))
    registry = Registry(settings, figurer, player)
    if store is not None:
        _restore(registry, store, keep)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        logger.info("Dialboard %s starting", __version__)
        if registry.store is None:
            opened = open_store(settings)
            if opened is not None:
                _restore(registry, opened)
        registry.start()
        yield
        await registry.close()  # stops runners, closes every socket, saves every session
        logger.info("Dialboard stopped")

    app = FastAPI(title="Dialboard", version=__version__, lifespan=lifespan)
    app.state.settings = settings
    app.add_middleware(HostCheck, allowed=default_hosts(settings.host) | set(
        settings.allowed_hosts))
    app.state.registry = registry
    app.state.rooms = registry.rooms
    app.state.creations = Creations()  # boards and rooms made per client (rest.may_create)
    templates = Jinja2Templates(directory=templates_dir())

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ()) if p not in ("query", "body"))
        why = said("refusal.request_field", where=where, detail=first.get("msg", "invalid"))
        return JSONResponse(refusals.body(why), 422)

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/", response_class=HTMLResponse)
    async def index(request: Request) -> HTMLResponse:
        return templates.TemplateResponse(
            request, "index.html", {"version": __version__, "static_url": "/static",
                                    **i18n.page_context(request.query_params.get("lang"))}
        )

    refusals.install(app)
    app.include_router(rest.router)
    app.include_router(meta.router)
    app.include_router(probes_api.router)
    app.include_router(boardfile_api.router)
    app.include_router(rooms_api.router)
    app.include_router(lessons_api.router)

    @app.websocket("/ws/sessions/{session_id}")
    async def session_socket(websocket: WebSocket, session_id: str) -> None:
        await ws.serve(websocket, registry.get(session_id), settings)

    app.mount("/static", StaticFiles(directory=static_dir()), name="static")
    return app


def _restore(registry: Registry, store: Store,
             keep: Callable[[str], bool] | None = None) -> None:
    started = time.perf_counter()
    try:
        count = registry.attach(store, keep)
    except BaseException:
        store.close()
        raise
    logger.info("restored %d session(s) from %s in %.2f s", count, store.location,
                time.perf_counter() - started)
