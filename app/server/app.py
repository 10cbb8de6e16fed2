"""The FastAPI application factory (placeholder: pages, static files and a health check)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from app import __version__
from app.server.assets import static_dir, templates_dir
from app.server.settings import Settings

logger = logging.getLogger(__name__)


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the application. Without ``settings`` they are read from the environment."""
    if settings is None:
        settings = Settings.from_env()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        logger.info("Dialboard %s starting", __version__)
        yield
        logger.info("Dialboard stopped")

    app = FastAPI(title="Dialboard", version=__version__, lifespan=lifespan)
    app.state.settings = settings
    templates = Jinja2Templates(directory=templates_dir())

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/", response_class=HTMLResponse)
    async def index(request: Request) -> HTMLResponse:
        return templates.TemplateResponse(request, "index.html", {"version": __version__})

    app.mount("/static", StaticFiles(directory=static_dir()), name="static")
    return app
