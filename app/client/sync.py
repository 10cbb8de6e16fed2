"""`Board`: drive a board from a notebook or a script, blocking until the server confirms.

A reader thread drains the socket all the time and keeps only the newest frame, so a
notebook that sits still while the board plays never stalls the server's sends.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import ExitStack
from functools import partial
from types import TracebackType
from typing import Any

import numpy as np
from websockets.exceptions import ConnectionClosed, InvalidHandshake
from websockets.sync.client import connect

from dialboard.client.commands import BoardBase
from dialboard.client.core import Core, Pending, message
from dialboard.client.frame import BoardError, Frame, next_update
from dialboard.client.rest import Server, fetch, fetch_json

DEFAULT_TIMEOUT = 60.0  # seconds; only a bound for a server that does not answer


class Board(BoardBase[Frame]):
    """One board. `Board.create(url, preset="xor")` makes a new one you control;
    `Board.join(url, session_id, token)` joins one (without the token: to watch)."""

    def __init__(self, url: str, session_id: str, token: str | None = None, *,
                 timeout: float | None = DEFAULT_TIMEOUT) -> None:
        self.server, self.id, self.timeout = Server(url), session_id, timeout
        self._core = Core(token)
        self._cond = threading.Condition()
        self._one = threading.Lock()  # one command at a time
        self.info()  # an unknown session is refused here, in the server's words
        self._stack = ExitStack()  # websockets ≥ 17.1 wants its connection entered
        try:
            self._ws = self._stack.enter_context(connect(
                self.server.socket(session_id), max_size=None, open_timeout=timeout,
                compression=None))
        except (InvalidHandshake, OSError) as exc:
            raise BoardError(f"the server refused the websocket: {exc}") from None
        self._reader = threading.Thread(target=self._read, name=f"dialboard-{session_id}",
                                        daemon=True)
        self._reader.start()
        try:
            self._wait(self._core.ready, "the first frame", timeout)
            if token is not None:
                self.sync()
        except BaseException:
            self.close()
            raise

    @classmethod
    def create(cls, url: str, preset: str | None = None, *, config: Mapping[str, Any] | None = None,
               near: str | None = None, timeout: float | None = DEFAULT_TIMEOUT,
               **fields: Any) -> Board:
        """A new board from a preset and/or config fields (docs/protocol.md, "Session
        config"), controlled by this client; beside the board `near` names, if any (in the
        same worker process, docs/workers.md)."""
        body = {**(config or {}), **fields, **({"preset": preset} if preset else {})}
        created = fetch_json(Server(url).create(body, near), timeout)
        return cls(url, created["id"], created["control_token"], timeout=timeout)

    @classmethod
    def join(cls, url: str, session_id: str, token: str | None = None, *,
             timeout: float | None = DEFAULT_TIMEOUT) -> Board:
        return cls(url, session_id, token, timeout=timeout)

    # -- the socket ------------------------------------------------------------------------
    def _read(self) -> None:
        why = "the server closed it"
        try:
            for raw in self._ws:
                with self._cond:
                    self._core.feed(raw)
                    self._cond.notify_all()
        except (ConnectionClosed, BoardError, ValueError) as exc:  # or a message we cannot read
            why = str(exc)
        finally:
            with self._cond:
                self._core.close(why)
                self._cond.notify_all()

    def _send(self, text: str) -> None:
        try:
            self._ws.send(text)
        except ConnectionClosed as exc:
            raise BoardError(f"the connection to the board closed: {exc}") from None

    def _wait(self, done: Callable[[], bool], what: str, timeout: float | None) -> Frame:
        with self._cond:
            if not self._cond.wait_for(done, timeout):
                raise TimeoutError(f"{what}: no answer from the server in {timeout} s")
            return self._core.current()

    def _run(self, kind: str | None, fields: dict[str, Any]) -> Frame:
        with self._one:
            with self._cond:
                pending: Pending = self._core.begin(kind, fields)
            for text in pending.outgoing:
                self._send(text)
            timeout = None if kind == "step" else self.timeout  # a long step takes its time
            try:
                return self._wait(lambda: pending.done(self._core), kind or "sync", timeout)
            except KeyboardInterrupt:  # Ctrl-C (a notebook's stop button) stops the run too
                if kind == "step":
                    self._send(json.dumps(message("pause", {})))
                raise

    def command(self, kind: str, /, **fields: Any) -> Frame:
        return self._run(kind, fields)

    def sync(self) -> Frame:
        """Wait for a frame that shows everything done so far (a REST import included)."""
        return self._run(None, {})

    def wait(self, condition: Callable[[Frame], object], timeout: float | None = None) -> Frame:
        """The first frame, the newest included, for which `condition(frame)` holds:
        `board.wait(lambda f: f.step >= 500)`."""
        return self._wait(lambda: bool(condition(self._core.current())), "wait", timeout)

    def frames(self, timeout: float | None = None) -> Iterator[Frame]:
        """Each new frame as it arrives (from the first `next` on). A slow reader skips
        frames, never falls behind: it always gets the newest."""
        with self._cond:
            seen = self._core.frames
        while True:
            with self._cond:
                if not self._cond.wait_for(partial(self._core.new_frame, seen), timeout):
                    raise TimeoutError(f"no new frame within {timeout} s")
                seen, frame = self._core.frames, self._core.current()
            yield frame

    # -- REST --------------------------------------------------------------------------------
    def info(self) -> dict[str, Any]:
        """`GET /api/sessions/{id}`: step, phase, cost, accuracy, playing, viewers, …"""
        return fetch_json(self.server.info(self.id), self.timeout)

    def state(self) -> Frame:
        """The whole state now, all F64: parameters, gradients and the next update."""
        return Frame(fetch(self.server.state(self.id), self.timeout), self._core.names)

    def params(self) -> dict[str, np.ndarray]:
        return self.state().params

    def grads(self) -> dict[str, np.ndarray]:
        """The screen's gradient ∂cost/∂parameter over the whole training set."""
        return self.state().grads

    def next_update(self) -> dict[str, np.ndarray]:
        """Exactly what the next whole step adds to each parameter."""
        return next_update(self.state())

    def import_params(self, params: Mapping[str, np.ndarray]) -> Frame:
        """Replace some or all parameters (one undo level); returns the frame showing it."""
        fetch(self.server.put_state(self.id, self._need_token("import"), params), self.timeout)
        return self.sync()

    def delete(self) -> None:
        """End the session on the server, and close this client."""
        fetch(self.server.delete(self.id, self._need_token("delete")), self.timeout)
        self.close()

    def close(self) -> None:
        self._stack.close()
        self._reader.join()

    def __enter__(self) -> Board:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()
