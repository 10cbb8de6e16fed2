"""The worker's end of the relay: ASGI events from the wire run the whole Dialboard app.

Every channel the web process opens becomes one call of the app with the scope it sent;
the app's `send` travels back. A websocket message or a response body counts as sent only
once the web process has handed it to the client (its `sent` answer), so the app's send
timeout sees the real client, not a buffer; a board's frames go through `Frames`, unwaited.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Any

from starlette.websockets import WebSocketDisconnect

from dialboard.server.relay import wire

logger = logging.getLogger(__name__)
ASGIApp = Any


class Channel:
    """One request or socket: its incoming events and the answer to its last send."""

    def __init__(self, link: Link, number: int) -> None:
        self.link, self.number = link, number
        self.events: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.sent: asyncio.Future[bool] | None = None
        self.gone = False
        self.task: asyncio.Task[None] | None = None

    async def receive(self) -> dict[str, Any]:
        event = await self.events.get()
        if event["type"] in wire.CONSUMED and not self.gone:  # room for one more
            self.link.outlet.writer.write(wire.pack({"c": self.number, "t": "took"}))
        return event

    async def send(self, event: dict[str, Any]) -> None:
        """As a server's: to a client that left, a websocket send raises OSError (Starlette
        turns it into a disconnect) and a response's is dropped (uvicorn's way)."""
        if not self.gone:
            if event["type"] in wire.OPENING:
                self.link.tell_directory()
            await self.link.write(wire.event_out(self.number, event))
            if event["type"] in wire.ACKED:
                self.sent = asyncio.get_running_loop().create_future()
                self.gone = not await self.sent
        if self.gone and event["type"].startswith("websocket."):
            raise OSError("the client is gone")

    def answer(self, ok: bool) -> None:
        if self.sent is not None and not self.sent.done():
            self.sent.set_result(ok)

    def end(self) -> None:
        """The web process gave up the channel: the client is gone."""
        self.gone = True
        self.answer(False)
        kind = "http.disconnect" if self.link.kinds.get(self.number) == "http" else \
            "websocket.disconnect"
        self.events.put_nowait({"type": kind, "code": 1006})


class Frames:
    """A relayed websocket's frames (in its scope's extensions, FRAMES): each written to the
    link without waiting for the web process to hand it on, where the newest frame waiting
    replaces an older one and a client that takes none for `timeout` seconds is dropped
    (line.py). A frame stands for the state it shows: one never sent was overtaken."""

    def __init__(self, channel: Channel) -> None:
        self.channel = channel

    async def send(self, blob: bytes, timeout: float, shared: bool = False) -> None:
        """`shared`: other sockets are sent this very blob (wire.Kept). A frame reaches the
        client after every message sent before it: the web process passes a channel's
        events on in the link's order, from one task (line.Line.forward)."""
        c = self.channel
        if c.gone:
            raise WebSocketDisconnect(1006)  # as Starlette's own send to a client that left
        header: dict[str, object] = {"c": c.number, "t": wire.FRAME, "to": timeout}
        kept = c.link.kept
        same = kept.find(blob) if shared else None
        if same is not None:
            header["same"], blob = same, b""
        elif shared:
            header["keep"] = kept.add(blob)
        await c.link.write(wire.pack(header, blob))


class Link:
    """One connection from the web process, serving its channels until it ends."""

    def __init__(self, app: ASGIApp, reader: asyncio.StreamReader,
                 writer: asyncio.StreamWriter, directory: Callable[[], Any]) -> None:
        self.app, self.reader, self.outlet = app, reader, wire.Outlet(writer)
        self.channels: dict[int, Channel] = {}
        self.kinds: dict[int, str] = {}
        self.directory = directory
        self._told: Any = None
        self.kept = wire.Kept()  # the shared frames the web process holds too

    def tell_directory(self) -> None:
        """The boards and rooms here, when changed: before any answer that could name a new
        one (a board's creation, a room's opening), so the web process routes to it."""
        now = self.directory()
        if now != self._told:
            self._told = now
            sessions, rooms = now
            self.outlet.writer.write(wire.pack({"c": 0, "t": "directory", "sessions":
                                                list(sessions), "rooms": dict(rooms)}))

    async def write(self, message: bytes) -> None:
        await self.outlet.write(message)

    async def serve(self) -> None:
        self.tell_directory()  # the boards restored at start
        try:
            while True:
                header, body = await wire.read(self.reader)
                try:
                    self._on(header, body)
                except (KeyError, TypeError, ValueError) as exc:  # a defect: say it, go on
                    logger.error("unreadable relay message %r: %r", header, exc)
        except wire.WireError as exc:
            logger.info("relay link ended: %s", exc)
        finally:
            for channel in list(self.channels.values()):
                channel.end()
            tasks = [c.task for c in self.channels.values() if c.task is not None]
            for task in tasks:
                task.cancel()
            if tasks:
                await asyncio.wait(tasks)
            self.outlet.close()

    def _on(self, header: dict[str, Any], body: bytes) -> None:
        number, kind = int(header["c"]), header["t"]
        channel = self.channels.get(number)
        if kind == "open":
            scope = wire.scope_in(header["scope"])
            channel = self.channels[number] = Channel(self, number)
            self.kinds[number] = scope["type"]
            if scope["type"] == "websocket":
                scope["extensions"] = {wire.FRAMES: Frames(channel)}
            channel.task = asyncio.get_running_loop().create_task(self._run(channel, scope))
        elif channel is None:
            return  # a late event of a channel that ended here first
        elif kind == "sent":
            channel.answer(bool(header.get("ok")))
        elif kind == "cancel":
            channel.end()
        else:
            channel.events.put_nowait(wire.event_in(header, body))

    async def _run(self, channel: Channel, scope: dict[str, Any]) -> None:
        try:
            await self.app(scope, channel.receive, channel.send)
        except Exception:  # the app's own server would log it and drop the connection
            logger.exception("relayed %s %s failed", scope["type"], scope.get("path"))
        finally:
            self.channels.pop(channel.number, None)
            self.kinds.pop(channel.number, None)
            with contextlib.suppress(ConnectionError, RuntimeError):
                await self.write(wire.pack({"c": channel.number, "t": "end"}))
