"""A real uvicorn server in a background thread, and a small websocket client for tests.

Tests wait on events (a reply, a frame with the metadata they expect, a condition on the
server), never for time to pass. Every deadline here is only a failure bound: generous, and
reached only when the code under test is broken.
"""

from __future__ import annotations

import asyncio
import contextvars
import inspect
import json
import socket
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

import httpx
import numpy as np
import uvicorn
import websockets
from safetensors.numpy import load

from dialboard.server.app import create_app
from dialboard.server.figurer import Figurer
from dialboard.server.player import Player
from dialboard.server.settings import Settings

DEADLINE = 30.0  # seconds: how long a wait may take before the test fails
T = TypeVar("T")

# The clients opened inside one `run`, closed when it ends (a failing test included).
_open_clients: contextvars.ContextVar[list[Client]] = contextvars.ContextVar("open_clients")


def run(coro: Awaitable[T]) -> T:
    """asyncio.run on a fresh thread (a Playwright test may hold this thread's event loop);
    websocket clients the coroutine opened and left open are closed before it returns."""
    box: dict[str, Any] = {}

    async def main() -> T:
        clients: list[Client] = []
        _open_clients.set(clients)
        try:
            return await coro
        finally:
            for c in clients:
                await c.close()

    def target() -> None:
        try:
            box["value"] = asyncio.run(main())
        except BaseException as exc:
            box["error"] = exc

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if "error" in box:
        raise box["error"]
    value: T = box["value"]
    return value


def wait_until(condition: Callable[[], object], what: str, timeout: float = DEADLINE) -> None:
    """Poll `condition` until it holds; fail naming `what` if it has not after `timeout`."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"{what}: still not so after {timeout:.0f} s"
        time.sleep(0.005)


async def until(condition: Callable[[], object], what: str, timeout: float = DEADLINE) -> None:
    """`wait_until` for coroutines: polls without blocking the event loop (`condition` may
    return an awaitable, such as `Live.acall`'s)."""
    deadline = time.monotonic() + timeout
    while True:
        holds = condition()
        if inspect.isawaitable(holds):
            holds = await holds
        if holds:
            return
        assert time.monotonic() < deadline, f"{what}: still not so after {timeout:.0f} s"
        await asyncio.sleep(0.005)


@dataclass
class Live:
    base: str
    app: Any
    server: uvicorn.Server
    thread: threading.Thread
    loop: asyncio.AbstractEventLoop

    @property
    def ws_base(self) -> str:
        return self.base.replace("http://", "ws://")

    @property
    def port(self) -> int:
        return int(self.base.rsplit(":", 1)[1])

    def create(self, **config: Any) -> dict[str, Any]:
        r = httpx.post(f"{self.base}/api/sessions", json=config, timeout=DEADLINE)
        assert r.status_code == 201, r.text
        out: dict[str, Any] = r.json()
        return out

    def session(self, sid: str) -> Any:
        return self.app.state.registry.get(sid)

    def call(self, fn: Callable[[], T]) -> T:
        """Run `fn` on the server's event loop (where its sessions live) and return its result."""

        async def on_loop() -> T:
            return fn()

        return asyncio.run_coroutine_threadsafe(on_loop(), self.loop).result(DEADLINE)

    async def acall(self, fn: Callable[[], T]) -> T:
        """`call` from a coroutine: its own event loop goes on meanwhile."""

        async def on_loop() -> T:
            return fn()

        future = asyncio.run_coroutine_threadsafe(on_loop(), self.loop)
        return await asyncio.wait_for(asyncio.wrap_future(future), DEADLINE)


@contextmanager
def live_server(*, uvicorn_options: dict[str, Any] | None = None,
                figurer: Figurer | None = None, player: Player | None = None,
                **settings: Any) -> Iterator[Live]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    app = create_app(Settings(port=port, **settings), figurer=figurer, player=player)
    options: dict[str, Any] = {"ws_ping_interval": 5.0, "ws_ping_timeout": 10.0,
                               **(uvicorn_options or {})}
    config = uvicorn.Config(app, log_level="warning", ws_per_message_deflate=False,
                            timeout_graceful_shutdown=2, **options)
    server = uvicorn.Server(config)
    loops: list[asyncio.AbstractEventLoop] = []

    async def serve() -> None:
        loops.append(asyncio.get_running_loop())
        await server.serve(sockets=[sock])

    def target() -> None:
        with asyncio.Runner(loop_factory=config.get_loop_factory()) as runner:
            runner.run(serve())

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    wait_until(lambda: server.started or not thread.is_alive(), "the server starts")
    assert server.started, "the server stopped while starting"
    try:
        yield Live(f"http://127.0.0.1:{port}", app, server, thread, loops[0])
    finally:
        server.should_exit = True
        thread.join(DEADLINE)
        sock.close()
        assert not thread.is_alive(), f"the server did not stop within {DEADLINE:.0f} s"


class Client:
    """A websocket client that separates JSON replies from binary state frames."""

    def __init__(self, ws: Any) -> None:
        self.ws = ws

    @classmethod
    async def connect(cls, live: Live, sid: str, **kw: Any) -> Client:
        client = cls(await websockets.connect(f"{live.ws_base}/ws/sessions/{sid}", **kw))
        opened_in_run = _open_clients.get(None)
        if opened_in_run is not None:
            opened_in_run.append(client)
        return client

    async def send(self, message: Any) -> None:
        await self.ws.send(message if isinstance(message, str | bytes) else json.dumps(message))

    async def next(self, timeout: float = DEADLINE) -> dict[str, Any] | Frame:
        raw = await asyncio.wait_for(self.ws.recv(), timeout)
        return Frame(raw) if isinstance(raw, bytes) else json.loads(raw)

    async def json(self, timeout: float = DEADLINE) -> dict[str, Any]:
        """The next JSON message, skipping frames."""
        deadline = time.monotonic() + timeout
        while True:
            m = await self.next(max(0.01, deadline - time.monotonic()))
            if isinstance(m, dict):
                return m

    async def frame(self, timeout: float = DEADLINE, **meta: str) -> Frame:
        """The next frame whose metadata matches `meta`; JSON errors fail the test."""
        deadline = time.monotonic() + timeout
        while True:
            m = await self.next(max(0.01, deadline - time.monotonic()))
            if isinstance(m, dict):
                assert m.get("type") != "error", m
                continue
            if all(m.meta.get(k) == v for k, v in meta.items()):
                return m

    async def control(self, token: str) -> None:
        await self.send({"type": "control", "token": token})
        reply = await self.json()
        assert reply == {"type": "control", "granted": True}

    async def close(self) -> None:
        await self.ws.close()


class Frame:
    def __init__(self, raw: bytes) -> None:
        self.raw = raw
        self.tensors: dict[str, np.ndarray] = load(raw)
        n = int.from_bytes(raw[:8], "little")
        self.meta: dict[str, str] = json.loads(raw[8 : 8 + n]).get("__metadata__", {})

    @property
    def cost(self) -> float:
        return float(self.tensors["cost"][0])

    @property
    def step(self) -> int:
        return int(self.meta["step"])

    @property
    def version(self) -> int:
        return int(self.meta["version"])

    def __getitem__(self, name: str) -> np.ndarray:
        return self.tensors[name]


async def opened(live: Live, preset: str = "xor", *, control: bool = True,
                 **config: Any) -> tuple[Client, dict[str, Any], Frame]:
    """Create a session, connect, optionally take control; returns the first frame after."""
    created = live.create(preset=preset, **config)
    c = await Client.connect(live, created["id"])
    hello = await c.json()
    assert hello["type"] == "hello"
    first = await c.frame()
    if control:
        await c.control(created["control_token"])
        first = await c.frame()
    return c, created, first
