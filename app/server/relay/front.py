"""The web process's end of the relay: it serves `/healthz` and static files itself and hands
every other request and socket to a worker process, where the sessions live and train.

So training never runs on the event loop that answers health checks, accepts sockets and
writes frames to clients. The worker is started at startup (serving waits until it is up),
restarted if it dies (its sessions come back from the store), and stopped at shutdown after
it has saved every session.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import sys
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.responses import JSONResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from dialboard.server.assets import static_dir
from dialboard.server.hosts import HostCheck, default_hosts
from dialboard.server.relay import wire
from dialboard.server.settings import Settings

logger = logging.getLogger(__name__)
START_SECONDS = 120.0  # a failure bound: a loaded machine imports NumPy slowly
STOP_SECONDS = 30.0
WAIT_SECONDS = 30.0  # a request waits this long for a worker that is restarting
RESTART_PAUSE = 1.0
LOCAL = ("/healthz", "/static/")
Scope = dict[str, Any]


class Line:
    """One link to a worker: channels multiplexed over one stream."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.outlet = reader, wire.Outlet(writer)
        self.channels: dict[int, asyncio.Queue[tuple[dict[str, Any], bytes] | None]] = {}
        self._next = 0
        self.closed = False

    async def run(self) -> None:
        """Read until the link ends; every open channel then ends too."""
        try:
            while True:
                header, body = await wire.read(self.reader)
                queue = self.channels.get(int(header.get("c", -1)))
                if queue is not None:
                    queue.put_nowait((header, body))
        except wire.WireError as exc:
            logger.info("worker link ended: %s", exc)
        finally:
            self.closed = True
            for queue in self.channels.values():
                queue.put_nowait(None)
            self.outlet.close()

    async def forward(self, scope: Scope, receive: Any, send: Any) -> None:
        self._next += 1
        number, queue = self._next, asyncio.Queue()  # type: ignore[var-annotated]
        self.channels[number] = queue
        await self.outlet.write(wire.pack({"c": number, "t": "open",
                                           "scope": wire.scope_out(scope)}))
        pump = asyncio.get_running_loop().create_task(self._pump(number, receive))
        ended, started = False, False
        try:
            while (item := await queue.get()) is not None:
                header, body = item
                if header["t"] == "end":
                    ended = True
                    break
                ok = await _pass_on(send, wire.event_in(header, body))
                started = True
                if header["t"] in wire.ACKED:
                    await self.outlet.write(wire.pack({"c": number, "t": "sent", "ok": ok}))
        finally:
            pump.cancel()
            self.channels.pop(number, None)
            if not ended and not self.closed:
                with contextlib.suppress(ConnectionError):
                    await self.outlet.write(wire.pack({"c": number, "t": "cancel"}))
        if not ended:  # the worker died under it
            await _unavailable(scope, send, started)

    async def _pump(self, number: int, receive: Any) -> None:
        with contextlib.suppress(ConnectionError):
            while True:
                event = await receive()
                await self.outlet.write(wire.event_out(number, event))
                if event["type"] in ("http.disconnect", "websocket.disconnect"):
                    return


async def _pass_on(send: Any, event: dict[str, Any]) -> bool:
    try:
        await send(event)
    except OSError:  # the client left (uvicorn's ClientDisconnected)
        return False
    return True


async def _unavailable(scope: Scope, send: Any, started: bool) -> None:
    """Tell a client its request cannot be answered now (the worker is restarting)."""
    with contextlib.suppress(OSError, RuntimeError):
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1012})  # service restart
        elif not started:
            body = b'{"detail": "The server is restarting; try again in a moment."}'
            await send({"type": "http.response.start", "status": 503,
                        "headers": [(b"content-type", b"application/json"),
                                    (b"retry-after", b"2")]})
            await send({"type": "http.response.body", "body": body})


class Worker:
    """A worker process and its link, restarted whenever it dies until `stop`."""

    def __init__(self, env: dict[str, str], log_level: str) -> None:
        self.env, self.log_level = env, log_level
        self.line: Line | None = None
        self.up = asyncio.Event()
        self._process: asyncio.subprocess.Process | None = None
        self._stopping = False
        self._keeper: asyncio.Task[None] | None = None

    async def start(self) -> None:
        await self._spawn()
        self._keeper = asyncio.get_running_loop().create_task(self._keep())

    async def _spawn(self) -> None:
        secret = secrets.token_urlsafe(32)
        process = self._process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "dialboard.server.relay.worker", "--log-level",
            self.log_level, "--folder-held-by", str(os.getpid()),
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, env=self.env)
        assert process.stdin is not None and process.stdout is not None
        process.stdin.write(secret.encode() + b"\n")
        await process.stdin.drain()
        line = await asyncio.wait_for(process.stdout.readline(), START_SECONDS)
        if not line.startswith(b"port "):
            await process.wait()
            raise RuntimeError(f"the worker process did not start (exit {process.returncode})")
        reader, writer = await asyncio.open_connection("127.0.0.1", int(line.split()[1]))
        writer.write(wire.pack({"t": "hello", "secret": secret}))
        self.line = Line(reader, writer)
        self.up.set()

    async def _keep(self) -> None:
        """Relay until the link ends; then, unless stopping, start a new worker."""
        while not self._stopping:
            assert self.line is not None and self._process is not None
            await self.line.run()
            self.up.clear()
            code = await self._process.wait()
            if self._stopping:
                return
            logger.error("the worker process ended (exit %s); starting a new one", code)
            while not self._stopping:
                await asyncio.sleep(RESTART_PAUSE)
                try:
                    await self._spawn()
                    break
                except (OSError, RuntimeError, TimeoutError) as exc:
                    logger.error("a new worker did not start: %s", exc)

    async def stop(self) -> None:
        """Ask the worker to stop (it saves every session), wait, then end the link."""
        self._stopping = True
        process = self._process
        if process is not None and process.returncode is None:
            assert process.stdin is not None
            process.stdin.close()
            try:
                await asyncio.wait_for(process.wait(), STOP_SECONDS)
            except TimeoutError:
                logger.error("the worker did not stop within %.0f s; killed", STOP_SECONDS)
                process.kill()
                await process.wait()
        if self._keeper is not None:
            await asyncio.wait({self._keeper}, timeout=STOP_SECONDS)

    async def forward(self, scope: Scope, receive: Any, send: Any) -> None:
        if not self.up.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.up.wait(), WAIT_SECONDS)
        line = self.line
        if line is None or line.closed or not self.up.is_set():
            return await _unavailable(scope, send, False)
        await line.forward(scope, receive, send)
        return None


def worker_env(settings: Settings, base: dict[str, str]) -> dict[str, str]:
    """The environment a worker reads `settings` back from (Settings.from_env)."""
    env = {k: v for k, v in base.items() if not k.startswith(Settings.env_name(""))}
    for name in Settings.__dataclass_fields__:
        value = getattr(settings, name)
        if value is None:
            continue
        text = ",".join(value) if isinstance(value, tuple) else str(value)
        env[Settings.env_name(name)] = text
    return env


def create_front(settings: Settings, env: dict[str, str], log_level: str = "info") -> Any:
    """The web process's ASGI app: local health and static files, the rest to the worker."""
    worker = Worker(worker_env(settings, env), log_level)

    async def healthz(request: Any) -> JSONResponse:
        up = worker.up.is_set()
        return JSONResponse({"status": "ok" if up else "starting"}, 200 if up else 503)

    local = Starlette(routes=[Route("/healthz", healthz),
                              Mount("/static", StaticFiles(directory=static_dir()))],
                      middleware=[Middleware(HostCheck, allowed=default_hosts(settings.host)
                                             | set(settings.allowed_hosts))])

    async def app(scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            return await _lifespan(worker, receive, send)
        path = scope.get("path", "")
        if path == LOCAL[0] or path.startswith(LOCAL[1]):
            return await local(scope, receive, send)
        return await worker.forward(scope, receive, send)

    app.worker = worker  # type: ignore[attr-defined]
    return app


async def _lifespan(worker: Worker, receive: Any, send: Any) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            try:
                await worker.start()
            except (OSError, RuntimeError, TimeoutError) as exc:
                await send({"type": "lifespan.startup.failed", "message": str(exc)})
                return
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await worker.stop()
            await send({"type": "lifespan.shutdown.complete"})
            return
