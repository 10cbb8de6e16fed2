"""The websocket endpoint. Per socket a receiver and a sender run together; when one ends,
the other is cancelled. The sender always sends the newest frame (latest frame wins)."""

import asyncio
import contextlib
import json
import logging
import math
import time
from typing import Any
from urllib.parse import urlsplit

from starlette.requests import HTTPConnection
from starlette.websockets import WebSocket, WebSocketDisconnect

from dialboard.engine import ConfigError
from dialboard.server import protocol
from dialboard.server.frames import PRESENTER_FPS, FrameData
from dialboard.server.hello import hello
from dialboard.server.race import joined as race_joined
from dialboard.server.refusals import error_message as _error
from dialboard.server.refusals import said, words_of
from dialboard.server.relay.wire import FRAMES
from dialboard.server.session import Session
from dialboard.server.settings import Settings

logger = logging.getLogger(__name__)
VIEWER_FPS = 60.0
VIEWER_TARGET_FPS = 6.0  # aimed for within the budget, for a margin over the promised 5
RATE_PER_SECOND, RATE_BURST = 120.0, 240.0
OUTBOX_LIMIT = 64  # replies waiting to be sent; the receiver waits below half of it
ALWAYS_ALLOWED = ("pause", "control")  # never rate limited: stopping must always work


def origin_allowed(conn: HTTPConnection, settings: Settings) -> bool:
    """A browser page may act only from this server's own origin or an allowed one."""
    origin = conn.headers.get("origin")
    if origin is None:  # not a browser: nothing to hijack
        return True
    if origin.rstrip("/") in settings.allowed_origins:
        return True
    host = conn.headers.get("host", "")
    return urlsplit(origin).netloc.lower() == host.lower() and host != ""


class Peer:
    def __init__(self, ws: WebSocket, session: Session, settings: Settings) -> None:
        self.ws, self.session, self.settings = ws, session, settings
        self.controls = False
        self.seat: str | None = None  # a student's anonymous seat (hands.py), once taken
        self._wake = asyncio.Event()  # a change or a reply to send
        self._reply = asyncio.Event()  # a reply: ends a wait for the next frame slot
        self._drained = asyncio.Event()  # the outbox is empty: the receiver may read on
        self._drained.set()
        self._outbox: list[dict[str, Any]] = []
        self._closed = False
        self._last = False  # send_last: the outbox holds the final message
        self._tokens, self._refilled = RATE_BURST, time.monotonic()
        self._pending_sets: dict[tuple[str, tuple[int, ...]], dict[str, Any]] = {}
        self._frames_sent = 0
        self._full_bytes: int | None = None  # a viewer's last frame with gradients, in bytes
        self._bare_version = -1  # a viewer's last state sent without gradients and arrows
        self._sent_version = -1
        self._resend = False
        self._quick_version = -1  # a presenter's last state sent before its slope
        self.next_frame_at = 0.0  # time.monotonic() when the next frame may go
        # Relayed (relay/host.Frames): frames go without waiting for the web process.
        self._frames = ws.scope.get("extensions", {}).get(FRAMES)

    # -- used by the session and the protocol -----------------------------------------------
    def wake(self) -> None:
        self._wake.set()

    def send_json(self, message: dict[str, Any]) -> None:
        if self._last:  # the socket's last word is said
            return
        if len(self._outbox) >= OUTBOX_LIMIT:  # only reached by broadcasts to a frozen client
            self.close()
            return
        self._outbox.append(message)
        self._wake.set()
        self._reply.set()
        self._drained.clear()

    def send_last(self, message: dict[str, Any]) -> None:
        """`message` is the last this socket hears: once it is sent, the socket closes."""
        self._last = True
        self._outbox = [message]
        self._wake.set()
        self._reply.set()
        self._drained.clear()

    def close(self) -> None:
        self._closed = True
        self._wake.set()
        self._reply.set()
        self._drained.set()

    def grant(self, token: str) -> None:
        self.controls = self.session.token_matches(token)
        self.send_json({"type": "control", "granted": self.controls})
        self.session.tell_audience()
        self._resend = True  # the state again, at this socket's new precision
        if self.controls:  # at the presenter's pace from now, not the viewer budget's
            self.next_frame_at = min(self.next_frame_at, time.monotonic())
        self._wake.set()

    # -- receiving ------------------------------------------------------------------------------
    def _take_token(self, kind: object = None) -> bool:
        """A token of this socket's budget and, for a student's turn, of their seat's."""
        now = time.monotonic()
        self._tokens = min(RATE_BURST, self._tokens + (now - self._refilled) * RATE_PER_SECOND)
        self._refilled = now
        if self._tokens < 1:
            return False
        if kind == "set" and self.seat and not self.controls and not self.session.hands.take(
                self.seat):
            return False
        self._tokens -= 1
        return True

    async def _handle(self, message: Any, request_type: str | None) -> None:
        self.session.last_active = time.monotonic()
        try:
            await protocol.dispatch(self.session, self, message)
        except protocol.Rejected as exc:
            self.send_json(_error(exc.words, request_type, exc.reason))
        except Exception:  # a defect of ours: say so, keep the connection
            logger.exception("message %r failed", request_type)
            self.send_json(_error(said("refusal.ws.failed"), request_type))

    async def _flush_sets(self) -> None:
        while self._pending_sets and self._take_token("set"):
            key = next(iter(self._pending_sets))
            await self._handle(self._pending_sets.pop(key), "set")

    async def receive(self) -> None:
        limit = self.settings.max_message_bytes
        while not self._closed:
            timeout = 1 / RATE_PER_SECOND if self._pending_sets else None
            try:
                raw = await asyncio.wait_for(self.ws.receive(), timeout)
            except TimeoutError:
                await self._flush_sets()
                continue
            if raw["type"] == "websocket.disconnect":
                return
            await self._flush_sets()
            await self._on_raw(raw.get("text"), raw.get("bytes"), limit)
            if len(self._outbox) >= OUTBOX_LIMIT // 2:  # backpressure: read no faster than
                await self._drained.wait()  # replies go out (a frozen client times out)

    async def _on_raw(self, text: str | None, data: bytes | None, limit: int) -> None:
        if text is None:
            return self.send_json(_error(said("refusal.ws.binary"), None))
        if len(text.encode()) > limit:
            return self.send_json(_error(said("refusal.ws.too_large", limit=limit), None))
        try:
            message = json.loads(text)
        except json.JSONDecodeError as exc:
            return self.send_json(_error(said("refusal.ws.not_json", detail=exc.msg), None))
        except (ValueError, RecursionError):
            return self.send_json(_error(said("refusal.ws.unreadable"), None))
        kind = message.get("type") if isinstance(message, dict) else None
        request_type = kind if isinstance(kind, str) else None
        if kind in ALWAYS_ALLOWED or self._take_token(kind):
            return await self._handle(message, request_type)
        if kind == "set" and self._coalesce(message):
            return None
        self.send_json(_error(said("refusal.ws.rate", rate=f"{RATE_PER_SECOND:.0f}"),
                              request_type))
        return None

    def _coalesce(self, message: dict[str, Any]) -> bool:
        """Hold a valid set from a fast drag, newest value per dial (bounded by the dials)."""
        try:
            protocol.validate(message)
            index = self.session.trainer.index_of(message["name"], message["index"])
        except (protocol.Rejected, ConfigError) as exc:
            self.send_json(_error(words_of(exc), "set"))
            return True
        self._pending_sets[(message["name"], index)] = message
        return True

    # -- sending --------------------------------------------------------------------------------
    async def send(self) -> None:
        while not self._closed:
            await self._wake.wait()
            self._wake.clear()
            await self._send_outbox()
            if self._last:
                return
            if (self.session.version == self._sent_version and not self._resend) or self._closed:
                continue
            delay = self.next_frame_at - time.monotonic()
            if delay > 0:  # too soon: sleep through changes, waking only for replies
                with contextlib.suppress(TimeoutError):  # asyncio.timeout: no task a wait
                    async with asyncio.timeout(delay):
                        await self._reply.wait()
                self._wake.set()
                continue
            self.next_frame_at = await self._send_frame(self.next_frame_at)

    async def _send_outbox(self) -> None:
        self._reply.clear()
        while self._outbox and not self._closed:
            text = json.dumps(self._outbox.pop(0))
            async with asyncio.timeout(self.settings.send_timeout_seconds):
                await self.ws.send_text(text)
        self._drained.set()

    async def _send_frame(self, next_at: float) -> float:
        """Send the newest frame; returns when the next one may go."""
        self._resend = False
        started = time.monotonic()
        frame = self.session.frame(None if self.controls else self._sent_version)
        # A hand turn reaches the presenter before its slope is computed; the same state
        # with slope and arrows follows at once, taking no frame slot.
        quick = self.controls and not frame.ready and frame.version != self._quick_version
        blob = frame.encode("f32", False) if quick else self._frame_bytes(frame)
        if self._frames is not None:
            await self._frames.send(blob, self.settings.send_timeout_seconds,
                                    shared=not self.controls)
        else:
            async with asyncio.timeout(self.settings.send_timeout_seconds):
                await self.ws.send_bytes(blob)
        self._sent_version = frame.version
        if quick:
            self._quick_version, self._resend = frame.version, True
            self._wake.set()
            return next_at
        if self.session.version != frame.version:
            self._wake.set()  # still behind: come round again when the slot opens
        elif self._bare_version == frame.version:  # settled without arrows: send them too
            self._resend = True
            self._wake.set()
        now, interval = time.monotonic(), self._interval(len(blob))
        if not self.controls:  # a viewer's budget is strict: never catch up
            return started + interval
        # The presenter is paced on a grid: a send delayed by a training slice is made up.
        return max(next_at + interval, now - interval)

    def _frame_bytes(self, frame: FrameData) -> bytes:
        if self.controls:
            return frame.encode("f32", True)
        precision = frame.viewer_precision
        bare = frame.encode(precision, False)
        if self._full_bytes is None:
            self._full_bytes = len(frame.encode(precision, True))
        # The size of the last full frame stands for this one's (a board's frames keep
        # their tensors), so a full frame is encoded only when it is sent.
        every = grads_every(self._full_bytes, len(bare), self.settings.viewer_bandwidth_bps / 8)
        # One frame of k carries gradients and arrows; a state that stays (paused) gets them
        # in its next frame, so a viewer never keeps a still board without its arrows.
        with_grads = self._frames_sent % every == 0 or frame.version == self._bare_version
        self._frames_sent = 1 if with_grads else self._frames_sent + 1
        self._bare_version = -1 if with_grads else frame.version
        if not with_grads:
            return bare
        full = frame.encode(precision, True)
        self._full_bytes = len(full)
        return full

    def _interval(self, nbytes: int) -> float:
        if self.controls:
            return 1 / self.session.fps(PRESENTER_FPS)
        return max(1 / self.session.fps(VIEWER_FPS),
                   nbytes * 8 / self.settings.viewer_bandwidth_bps)


def grads_every(full: int, bare: int, bytes_per_second: float, most: int = 10) -> int:
    """Send gradients in one frame of every k, the smallest k that keeps the average frame
    within the budget at VIEWER_TARGET_FPS: (full + (k − 1)·bare) / k ≤ budget / fps."""
    per_frame = bytes_per_second / VIEWER_TARGET_FPS
    if full <= per_frame:
        return 1
    if bare >= per_frame:
        return most
    return min(most, math.ceil((full - bare) / (per_frame - bare)))


async def serve(ws: WebSocket, session: Session | None, settings: Settings) -> None:
    if session is None or not origin_allowed(ws, settings):
        await ws.close(code=1008)  # before accept: the handshake is refused with 403
        return
    await ws.accept()
    peer = Peer(ws, session, settings)
    peer.send_json(hello(session))
    if session.lesson is not None:  # a late joiner follows the lesson too
        peer.send_json(session.lesson)
    if session.selected is not None:  # and the presenter's dial
        peer.send_json(session.selected)
    if (race := race_joined(session)) is not None:  # and sees the race so far
        peer.send_json(race)
    session.join(peer)
    tasks = [asyncio.create_task(peer.receive()), asyncio.create_task(peer.send())]
    try:
        done, _pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        for task in done:
            exc = task.exception()
            if exc is not None and not isinstance(exc, WebSocketDisconnect | TimeoutError):
                logger.warning("websocket closed after an error: %r", exc)
    finally:
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(BaseException):
                await task
        session.leave(peer)
        session.last_active = time.monotonic()
        with contextlib.suppress(Exception):  # already gone, or frozen: don't wait for it
            await asyncio.wait_for(ws.close(), 1.0)
