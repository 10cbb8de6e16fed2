"""The web process's end of one worker's link: every request and socket relayed to the
worker is a channel of it (wire.py); the worker's own news (channel 0) is handed on."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Callable
from typing import Any

from dialboard.engine.errors import Words
from dialboard.server import refusals
from dialboard.server.refusals import said
from dialboard.server.relay import wire

logger = logging.getLogger(__name__)
Scope = dict[str, Any]


class Relayed:
    """A channel as the web process sees it: the worker's events for it, and the credit of
    client events the worker may be sent before it takes them (wire.CONSUMED)."""

    def __init__(self) -> None:
        self.queue: asyncio.Queue[tuple[dict[str, Any], bytes] | None] = asyncio.Queue()
        self.credit = asyncio.Semaphore(wire.CREDIT)
        self.frame: tuple[dict[str, Any], bytes] | None = None  # the newest frame not sent

    def offer(self, header: dict[str, Any], body: bytes) -> None:
        """A frame (wire.FRAME): in the queue's order, but one waiting is replaced, so a
        slow client gets the newest and nothing piles up."""
        waiting, self.frame = self.frame is not None, (header, body)
        if not waiting:
            self.queue.put_nowait(({"t": wire.FRAME}, b""))


class Line:
    """One link to a worker: channels multiplexed over one stream."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                 news: Callable[[dict[str, Any]], None]) -> None:
        self.reader, self.outlet, self.news = reader, wire.Outlet(writer), news
        self.channels: dict[int, Relayed] = {}
        self.kept = wire.Kept()  # the worker's shared frames (wire.KEPT)
        self._next = 0
        self.closed = False

    async def run(self) -> None:
        """Read until the link ends; every open channel then ends too."""
        try:
            while True:
                header, body = await wire.read(self.reader)
                if header.get("c") == 0:  # the worker's own news: its directory
                    self.news(header)
                    continue
                channel = self.channels.get(int(header.get("c", -1)))
                if channel is None:
                    if "keep" in header:  # the channel ended: the blob is still kept
                        self._frame_body(header, body)
                    continue
                if header["t"] == "took":
                    channel.credit.release()
                elif header["t"] == wire.FRAME:
                    if (frame := self._frame_body(header, body)) is not None:
                        channel.offer(header, frame)
                else:
                    channel.queue.put_nowait((header, body))
        except wire.WireError as exc:
            logger.info("worker link ended: %s", exc)
        finally:
            self.closed = True
            for channel in self.channels.values():
                channel.queue.put_nowait(None)
            self.outlet.close()

    def _frame_body(self, header: dict[str, Any], body: bytes) -> bytes | None:
        """A frame's bytes, kept or taken from those kept (wire.Kept)."""
        if "keep" in header:
            self.kept.put(int(header["keep"]), body)
        elif "same" in header:
            found = self.kept.blobs.get(int(header["same"]))
            if found is None:  # a defect: that frame is not sent, the next one is
                logger.error("the worker named a frame not kept: %r", header)
            return found
        return body

    async def forward(self, scope: Scope, receive: Any, send: Any) -> None:
        self._next += 1
        number, channel = self._next, Relayed()
        self.channels[number] = channel
        queue = channel.queue
        await self.outlet.write(wire.pack({"c": number, "t": "open",
                                           "scope": wire.scope_out(scope)}))
        pump = asyncio.get_running_loop().create_task(self._pump(channel, number, receive))
        ended, started, dropped = False, False, False
        try:
            while (item := await queue.get()) is not None:
                header, body = item
                if header["t"] == "end":
                    ended = True
                    break
                if header["t"] == wire.FRAME:
                    if not await self._frame(channel, send):
                        dropped = True
                        break
                    started = True
                    continue
                ok = await pass_on(send, wire.event_in(header, body))
                started = True
                if header["t"] in wire.ACKED:
                    await self.outlet.write(wire.pack({"c": number, "t": "sent", "ok": ok}))
        finally:
            pump.cancel()
            self.channels.pop(number, None)
            if not ended and not self.closed:
                with contextlib.suppress(ConnectionError):
                    await self.outlet.write(wire.pack({"c": number, "t": "cancel"}))
        if dropped:
            await drop(send)
        elif not ended:  # the worker died under it
            await unavailable(scope, send, started)

    @staticmethod
    async def _frame(channel: Relayed, send: Any) -> bool:
        """The channel's newest frame to its client; False if the client took none for the
        frame's timeout (then it is dropped, as the worker drops one that stops reading)."""
        if channel.frame is None:
            return True
        (header, body), channel.frame = channel.frame, None
        timeout = float(header.get("to", 0)) or None
        try:
            async with asyncio.timeout(timeout):
                await pass_on(send, {"type": "websocket.send", "bytes": body, "text": None})
        except TimeoutError:
            logger.info("a client took no frame for %s s: dropped", timeout)
            return False
        return True

    async def _pump(self, channel: Relayed, number: int, receive: Any) -> None:
        with contextlib.suppress(ConnectionError):
            while True:
                event = await receive()
                if event["type"] in wire.CONSUMED:
                    await channel.credit.acquire()
                await self.outlet.write(wire.event_out(number, event))
                if event["type"] in ("http.disconnect", "websocket.disconnect"):
                    return


async def pass_on(send: Any, event: dict[str, Any]) -> bool:
    try:
        await send(event)
    except (OSError, RuntimeError):  # the client left: uvicorn's ClientDisconnected, or a
        return False                  # send after its close (a ping timed out)
    return True


async def drop(send: Any) -> None:
    """Close a client that stopped reading (its close may never get through)."""
    with contextlib.suppress(OSError, RuntimeError, TimeoutError):
        async with asyncio.timeout(1.0):
            await send({"type": "websocket.close", "code": 1000})  # as the worker's own drop


async def unavailable(scope: Scope, send: Any, started: bool) -> None:
    """Tell a client its request cannot be answered now (the worker is restarting)."""
    with contextlib.suppress(OSError, RuntimeError):
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1012})  # service restart
        elif not started:
            await refuse(send, 503, said("refusal.server.restarting"), retry_after=2)


async def answer(send: Any, status: int, body: bytes,
                 headers: list[tuple[bytes, bytes]] | None = None) -> None:
    """A whole JSON response of the web process's own."""
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), *(headers or [])]})
    await send({"type": "http.response.body", "body": body})


async def refuse(send: Any, status: int, words: Words, retry_after: int | None = None) -> None:
    """A refusal in words, as the app's own (refusals.body)."""
    await answer(send, status, json.dumps(refusals.body(words)).encode(),
                 None if retry_after is None else [(b"retry-after", str(retry_after).encode())])
