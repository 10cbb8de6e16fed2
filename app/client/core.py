"""The client's one core, free of I/O: what a websocket message means, and when a command
is done. `Board` (threads) and `AsyncBoard` (asyncio) only move bytes and wait on it.

A command waits for its confirmation by events, never by time: after the message the client
sends `control` with its token again. The server handles a socket's messages in order and
answers `control` at once, so by that reply any `error` for the command has arrived
(replies are sent in order), and the first frame after the reply is built after the command:
it shows it (`grant` asks the server for a fresh frame). A long `step` is done once a frame
shows training no longer running; `play` once a frame shows it playing (or that it ended).
"""

from __future__ import annotations

import json
from collections import deque
from dataclasses import dataclass
from typing import Any

import numpy as np

from dialboard.client.frame import BoardError, Frame, Refused, refusal
from dialboard.server import protocol

ERRORS_KEPT = 64


def plain(value: object) -> object:
    """NumPy scalars and arrays, tuples → what JSON holds."""
    if isinstance(value, np.generic | np.ndarray):
        return value.tolist()
    if isinstance(value, tuple | list):
        return [plain(v) for v in value]
    return value


def message(kind: str, fields: dict[str, Any]) -> dict[str, Any]:
    """A client message, checked against the protocol's own table before it is sent."""
    if kind == "control":
        raise ValueError("control is the client's own business: join with the token instead")
    m = {"type": kind, **{k: plain(v) for k, v in fields.items()}}
    try:
        protocol.validate(m)
    except protocol.Rejected as exc:
        raise Refused(str(exc), kind) from None
    return m


@dataclass
class Pending:
    """One command on its way: done(core) says whether its confirmation has arrived and
    raises its refusal."""

    kind: str | None  # None: only the confirmation (`sync`)
    outgoing: list[str]
    grants: int  # control replies before it was sent
    errors: int  # errors before it was sent
    run_to: int | None = None  # a step: the step count it trains to

    def done(self, core: Core) -> bool:
        core.check_open()
        if core.grants <= self.grants:
            return False
        if not core.granted:
            raise BoardError("the control token does not open this board")
        if core.barrier_version is None:  # no frame since the reply yet
            return False
        if core.errors_seen > self.errors and self.kind is not None:  # ours came before the reply
            self._raise_errors(core)  # once `frame` shows the state after it (diverged, say)
        frame = core.frame
        assert frame is not None
        if self.kind == "step" and self.run_to is not None:
            ended = frame.version is not None and frame.version > core.barrier_version
            return not frame.running and (frame.step >= self.run_to or ended)
        if self.kind == "play":
            return frame.playing or frame.version != core.barrier_version
        return True

    def _raise_errors(self, core: Core) -> None:
        for seq, m in core.recent_errors:
            if seq >= self.errors and m.get("request_type") == self.kind:
                raise refusal(m)


class Core:
    """What one websocket connection has received so far."""

    def __init__(self, token: str | None) -> None:
        self.token = token
        self.hello: dict[str, Any] | None = None
        self.frame: Frame | None = None
        self.frames = 0  # frames received
        self.grants = 0  # control replies received
        self.granted = False
        self.barrier_version: int | None = None  # the first frame's after the last reply
        self.errors_seen = 0
        self.recent_errors: deque[tuple[int, dict[str, Any]]] = deque(maxlen=ERRORS_KEPT)
        self.closed: str | None = None
        self.watching: int | None = None  # sockets watching without control (`audience`)
        self.moved_to: str | None = None  # the board its class room moved to (`moved`)

    @property
    def names(self) -> list[str]:
        return [p["name"] for p in self.hello["parameters"]] if self.hello else []

    def feed(self, raw: str | bytes) -> None:
        """Take one message from the server."""
        if isinstance(raw, bytes):
            self.frame = Frame(raw, self.names)
            self.frames += 1
            if self.barrier_version is None and self.grants:
                self.barrier_version = self.frame.version
            return
        m = json.loads(raw)
        kind = m.get("type")
        if kind == "hello":
            self.hello = m
        elif kind == "control":
            self.grants += 1
            self.granted = m.get("granted") is True
            self.barrier_version = None
        elif kind == "audience":
            self.watching = m.get("watching")
        elif kind == "moved":  # the class room moved on; the server closes this board
            self.moved_to = m.get("session")
            self.close(f"its room moved to board {self.moved_to!r}: join that one")
        elif kind == "error":
            self.recent_errors.append((self.errors_seen, m))
            self.errors_seen += 1

    def close(self, why: str) -> None:
        if self.closed is None:
            self.closed = why

    def check_open(self) -> None:
        if self.closed is not None:
            raise BoardError(f"the connection to the board closed: {self.closed}")

    def ready(self) -> bool:
        """The hello and the first frame have arrived."""
        self.check_open()
        return self.hello is not None and self.frame is not None

    def begin(self, kind: str | None, fields: dict[str, Any]) -> Pending:
        """The messages to send for one command (None: only the confirmation)."""
        token = self.need_token(kind or "sync")
        out = [] if kind is None else [json.dumps(message(kind, fields))]
        out.append(json.dumps({"type": "control", "token": token}))
        pending = Pending(kind, out, self.grants, self.errors_seen)
        if kind == "step":
            assert self.frame is not None
            pending.run_to = self.frame.step + int(fields.get("count", 1))
        return pending

    def need_token(self, what: str) -> str:
        if self.token is None:
            raise BoardError(f"{what}: this board was joined without its control token, so "
                             "it can only watch")
        return self.token

    def new_frame(self, seen: int) -> bool:
        """A frame newer than the `seen`-th has arrived."""
        self.check_open()
        return self.frames > seen

    def current(self) -> Frame:
        self.check_open()
        assert self.frame is not None
        return self.frame
