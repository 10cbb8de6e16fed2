"""Worker processes seen from the web process: each started with its part of the server,
linked, restarted whenever it dies until the server stops (docs/workers.md)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import secrets
import socket
import sys
from typing import Any

from dialboard.server.relay import wire
from dialboard.server.relay.line import Line, unavailable
from dialboard.server.relay.routes import Directory
from dialboard.server.segments import small_segments
from dialboard.server.settings import Settings

logger = logging.getLogger(__name__)
START_SECONDS = 120.0  # a failure bound: a loaded machine imports NumPy slowly
STOP_SECONDS = 30.0
WAIT_SECONDS = 30.0  # a request waits this long for a worker that is restarting
RESTART_PAUSE = 1.0
Scope = dict[str, Any]


class Worker:
    """A worker process and its link, restarted whenever it dies until `stop`."""

    def __init__(self, index: int, count: int, env: dict[str, str], log_level: str,
                 directory: Directory) -> None:
        self.index, self.count, self.env, self.log_level = index, count, env, log_level
        self.directory = directory
        self.line: Line | None = None
        self.up = asyncio.Event()
        self._process: asyncio.subprocess.Process | None = None
        self._stopping = False
        self._keeper: asyncio.Task[None] | None = None

    async def start(self) -> None:
        await self._spawn()
        self._keeper = asyncio.get_running_loop().create_task(self._keep())
        # Up, and so serving, once it has named its boards: a restored board asked for before
        # was routed to another worker, which answered that there is no such board.
        await asyncio.wait_for(self.up.wait(), START_SECONDS)

    async def _spawn(self) -> None:
        secret = secrets.token_urlsafe(32)
        process = self._process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "dialboard.server.relay.worker", "--log-level",
            self.log_level, "--folder-held-by", str(os.getpid()), "--index", str(self.index),
            "--workers", str(self.count),
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, env=self.env)
        assert process.stdin is not None and process.stdout is not None
        process.stdin.write(secret.encode() + b"\n")
        await process.stdin.drain()
        line = await asyncio.wait_for(process.stdout.readline(), START_SECONDS)
        if not line.startswith(b"port "):
            await process.wait()
            raise RuntimeError(f"the worker process did not start (exit {process.returncode})")
        # proto TCP, so that asyncio turns Nagle off (__main__.listen says why)
        sock = small_segments(socket.socket(socket.AF_INET, socket.SOCK_STREAM,
                                            socket.IPPROTO_TCP))
        sock.setblocking(False)
        try:
            await asyncio.get_running_loop().sock_connect(sock, ("127.0.0.1", int(line.split()[1])))
        except OSError:
            sock.close()
            raise
        reader, writer = await asyncio.open_connection(sock=sock)
        writer.write(wire.pack({"t": "hello", "secret": secret}))
        self.line = Line(reader, writer, self._news)

    def _news(self, header: dict[str, Any]) -> None:
        if header.get("t") == "directory":  # the first comes as the link opens (host.py)
            self.directory.update(self.index, header["sessions"], header["rooms"])
            self.up.set()

    async def _keep(self) -> None:
        """Relay until the link ends; then, unless stopping, start a new worker."""
        while not self._stopping:
            assert self.line is not None and self._process is not None
            await self.line.run()
            self.up.clear()
            self.directory.forget(self.index)
            code = await self._process.wait()
            if self._stopping:
                return
            logger.error("worker %d ended (exit %s); starting a new one", self.index, code)
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

    async def call(self, method: str, path: str, body: dict[str, Any],
                   headers: list[tuple[bytes, bytes]]) -> tuple[int, bytes]:
        """A request of the web process's own (relay/internal.py): (status, body)."""
        data = json.dumps(body).encode()
        scope = {"type": "http", "http_version": "1.1", "method": method, "scheme": "http",
                 "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "",
                 "client": ("127.0.0.1", 0), "server": ("127.0.0.1", 0),
                 "headers": [*headers, (b"content-type", b"application/json"),
                             (b"content-length", str(len(data)).encode())]}
        events = [{"type": "http.request", "body": data, "more_body": False}]
        answer: dict[str, Any] = {"status": 0, "body": b""}

        async def receive() -> dict[str, Any]:
            if events:
                return events.pop()
            await asyncio.Event().wait()  # never: the call ends with its answer
            raise AssertionError

        async def send(event: dict[str, Any]) -> None:
            if event["type"] == "http.response.start":
                answer["status"] = event["status"]
            elif event["type"] == "http.response.body":
                answer["body"] += event.get("body", b"")

        await self.forward(scope, receive, send)
        return answer["status"], answer["body"]

    async def forward(self, scope: Scope, receive: Any, send: Any) -> None:
        if not self.up.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.up.wait(), WAIT_SECONDS)
        line = self.line
        if line is None or line.closed or not self.up.is_set():
            return await unavailable(scope, send, False)
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

