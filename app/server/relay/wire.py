"""The relay's wire: ASGI events of many requests and sockets over one byte stream.

A message is a header (JSON) and a body (bytes):

    u32 header length | u32 body length | header | body      (big-endian lengths)

The header names the channel (`c`, one per HTTP request or websocket) and the event (`t`),
with the event's small fields; an event's bytes (a request body, a websocket message) travel
as the body, never inside JSON. Over TCP the same protocol places a worker on another machine;
the first message of a connection must carry the shared secret.
"""

from __future__ import annotations

import asyncio
import json
import struct
from typing import Any

PREFIX = struct.Struct(">II")
MAX_HEADER = 1 << 20
MAX_BODY = 1 << 30
# Scope fields that are bytes in ASGI and latin-1 text on the wire.
BYTES_FIELDS = ("raw_path", "query_string")
SCOPE_FIELDS = ("type", "http_version", "method", "scheme", "path", "raw_path", "query_string",
                "root_path", "headers", "client", "server", "subprotocols")


class WireError(ConnectionError):
    """The other end broke the protocol or went away."""


def pack(header: dict[str, Any], body: bytes = b"") -> bytes:
    head = json.dumps(header, separators=(",", ":")).encode()
    return PREFIX.pack(len(head), len(body)) + head + body


async def read(reader: asyncio.StreamReader) -> tuple[dict[str, Any], bytes]:
    """The next message; WireError at the end of the stream or on a malformed one."""
    try:
        n_head, n_body = PREFIX.unpack(await reader.readexactly(PREFIX.size))
        if n_head > MAX_HEADER or n_body > MAX_BODY:
            raise WireError(f"message too large ({n_head} + {n_body} bytes)")
        header = json.loads(await reader.readexactly(n_head))
        body = await reader.readexactly(n_body) if n_body else b""
    except (asyncio.IncompleteReadError, ConnectionError) as exc:
        raise WireError(f"stream ended: {exc}") from None
    except ValueError as exc:
        raise WireError(f"unreadable header: {exc}") from None
    if not isinstance(header, dict):
        raise WireError("a header must be a JSON object")
    return header, body


def scope_out(scope: dict[str, Any]) -> dict[str, Any]:
    """An ASGI connection scope as JSON (bytes as latin-1 text)."""
    out: dict[str, Any] = {}
    for key in SCOPE_FIELDS:
        if key not in scope:
            continue
        value = scope[key]
        if key in BYTES_FIELDS and value is not None:
            value = value.decode("latin-1")
        elif key == "headers":
            value = [[k.decode("latin-1"), v.decode("latin-1")] for k, v in value]
        out[key] = value
    return out


def scope_in(data: dict[str, Any]) -> dict[str, Any]:
    """The ASGI scope `scope_out` made (a fresh `state` and no extensions)."""
    scope: dict[str, Any] = {"asgi": {"version": "3.0", "spec_version": "2.3"}, "state": {}}
    for key, value in data.items():
        if key in BYTES_FIELDS and value is not None:
            value = value.encode("latin-1")
        elif key == "headers":
            value = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in value]
        elif key in ("client", "server") and value is not None:
            value = tuple(value)
        scope[key] = value
    return scope


# Event payloads: which field of each ASGI event travels as the body.
BODY_FIELDS = {"http.request": "body", "http.response.body": "body"}


def event_out(channel: int, event: dict[str, Any]) -> bytes:
    """An ASGI event of `channel` as one message."""
    kind = event["type"]
    header: dict[str, Any] = {"c": channel, "t": kind}
    body = b""
    if kind in BODY_FIELDS:
        body = bytes(event.get(BODY_FIELDS[kind], b""))
    elif kind in ("websocket.send", "websocket.receive"):
        if event.get("bytes") is not None:
            body = bytes(event["bytes"])
            header["b"] = 1
        else:
            body = (event.get("text") or "").encode()
    for key, value in event.items():
        if key == "headers":
            header[key] = [[k.decode("latin-1"), v.decode("latin-1")] for k, v in value]
        elif key not in ("type", "body", "bytes", "text"):
            header[key] = value
    return pack(header, body)


def event_in(header: dict[str, Any], body: bytes) -> dict[str, Any]:
    """The ASGI event `event_out` made."""
    kind = header["t"]
    event: dict[str, Any] = {"type": kind}
    for key, value in header.items():
        if key == "headers":
            event[key] = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in value]
        elif key not in ("c", "t", "b"):
            event[key] = value
    if kind in BODY_FIELDS:
        event[BODY_FIELDS[kind]] = body
    elif kind in ("websocket.send", "websocket.receive"):
        event["bytes" if header.get("b") else "text"] = body if header.get("b") else body.decode()
        event.setdefault("bytes" if not header.get("b") else "text", None)
    return event


# Events a worker precedes with its directory of boards and rooms, when it changed.
OPENING = ("http.response.start", "websocket.accept")
# Events the web process sends at most CREDIT ahead of the app's taking them (`took`), so a
# client that sends faster than its board reads is held back by TCP, as without a relay.
CONSUMED = ("http.request", "websocket.receive")
CREDIT = 8
# Events whose sender waits until the other end has handed them on (`sent`, with `ok`).
ACKED = ("websocket.send", "http.response.body")
# A frame of the board (a websocket's binary message) the worker does not wait on: the web
# process keeps the newest per socket until the client takes it, at most `to` seconds.
FRAME = "frame"
FRAMES = "dialboard.frames"  # a relayed websocket's scope extension: host.Frames
# A frame many sockets are sent (the viewers'), written once: with `keep: k` its bytes are
# kept by both ends, the last KEPT of them, and later sends of it say only `same: k`.
KEPT = 4


class Kept:
    """The last KEPT shared frames and their numbers, on either end of a link: both add in
    the link's order, so both hold the same ones."""

    def __init__(self) -> None:
        self.blobs: dict[int, bytes] = {}
        self._next = 0

    def add(self, blob: bytes) -> int:
        self._next += 1
        self.blobs[self._next] = blob
        if len(self.blobs) > KEPT:
            del self.blobs[next(iter(self.blobs))]
        return self._next

    def put(self, number: int, blob: bytes) -> None:
        self._next = number - 1
        self.add(blob)

    def find(self, blob: bytes) -> int | None:
        """The number of this very object, if kept (a frame's encoding is shared, not made
        again per socket)."""
        return next((k for k, b in self.blobs.items() if b is blob), None)


class Outlet:
    """The writing end of a stream: whole messages, never interleaved, with backpressure."""

    def __init__(self, writer: asyncio.StreamWriter) -> None:
        self.writer = writer
        self._drain = asyncio.Lock()

    async def write(self, message: bytes) -> None:
        self.writer.write(message)
        async with self._drain:
            await self.writer.drain()

    def close(self) -> None:
        self.writer.close()
