"""A real uvicorn server in a background thread, and a small websocket client for tests."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import numpy as np
import uvicorn
import websockets
from safetensors.numpy import load

from app.server.app import create_app
from app.server.settings import Settings


def run(coro: Any) -> Any:
    """asyncio.run on a fresh thread: a Playwright test may hold this thread's event loop."""
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = asyncio.run(coro)
        except BaseException as exc:
            box["error"] = exc

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if "error" in box:
        raise box["error"]
    return box.get("value")


@dataclass
class Live:
    base: str
    app: Any
    server: uvicorn.Server
    thread: threading.Thread

    @property
    def ws_base(self) -> str:
        return self.base.replace("http://", "ws://")

    def create(self, **config: Any) -> dict[str, Any]:
        r = httpx.post(f"{self.base}/api/sessions", json=config, timeout=30)
        assert r.status_code == 201, r.text
        out: dict[str, Any] = r.json()
        return out

    def session(self, sid: str) -> Any:
        return self.app.state.registry.get(sid)


@contextmanager
def live_server(**settings: Any) -> Iterator[Live]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    app = create_app(Settings(port=port, **settings))
    config = uvicorn.Config(app, log_level="warning", ws_per_message_deflate=False,
                            ws_ping_interval=5.0, ws_ping_timeout=10.0,
                            timeout_graceful_shutdown=2)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "server did not start"
        time.sleep(0.02)
    try:
        yield Live(f"http://127.0.0.1:{port}", app, server, thread)
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


class Client:
    """A websocket client that separates JSON replies from binary state frames."""

    def __init__(self, ws: Any) -> None:
        self.ws = ws

    @classmethod
    async def connect(cls, live: Live, sid: str, **kw: Any) -> Client:
        return cls(await websockets.connect(f"{live.ws_base}/ws/sessions/{sid}", **kw))

    async def send(self, message: Any) -> None:
        await self.ws.send(message if isinstance(message, str | bytes) else json.dumps(message))

    async def next(self, timeout: float = 5.0) -> dict[str, Any] | Frame:
        raw = await asyncio.wait_for(self.ws.recv(), timeout)
        return Frame(raw) if isinstance(raw, bytes) else json.loads(raw)

    async def json(self, timeout: float = 5.0) -> dict[str, Any]:
        """The next JSON message, skipping frames."""
        deadline = time.monotonic() + timeout
        while True:
            m = await self.next(max(0.01, deadline - time.monotonic()))
            if isinstance(m, dict):
                return m

    async def frame(self, timeout: float = 5.0, **meta: str) -> Frame:
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
