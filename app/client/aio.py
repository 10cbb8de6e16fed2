"""`AsyncBoard`: `Board` for asyncio (a notebook's own event loop, or `asyncio.run`).

Every method of `Board` is here, awaited: `board = await AsyncBoard.create(url)`,
`await board.step(10)`, `async for frame in board.frames(): …`. REST calls run the same
standard-library requests in a worker thread. A reader task keeps only the newest frame.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable, Coroutine, Mapping
from functools import partial
from types import TracebackType
from typing import Any

import numpy as np
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake

from dialboard.client.commands import BoardBase
from dialboard.client.core import Core, Pending, message
from dialboard.client.frame import BoardError, Frame, next_update
from dialboard.client.rest import Request, Server, fetch
from dialboard.client.sync import DEFAULT_TIMEOUT


class AsyncBoard(BoardBase[Coroutine[Any, Any, Frame]]):
    """Open one with `await AsyncBoard.create(url, preset=…)` or `await AsyncBoard.join(…)`."""

    _ws: ClientConnection
    _reader: asyncio.Task[None]

    def __init__(self, url: str, session_id: str, token: str | None,
                 timeout: float | None) -> None:
        self.server, self.id, self.timeout = Server(url), session_id, timeout
        self._core = Core(token)
        self._cond = asyncio.Condition()
        self._one = asyncio.Lock()  # one command at a time

    @classmethod
    async def create(cls, url: str, preset: str | None = None, *,
                     config: Mapping[str, Any] | None = None, near: str | None = None,
                     timeout: float | None = DEFAULT_TIMEOUT, **fields: Any) -> AsyncBoard:
        """A new board from a preset and/or config fields, controlled by this client;
        beside the board `near` names, if any (Board.create)."""
        body = {**(config or {}), **fields, **({"preset": preset} if preset else {})}
        created = json.loads(await _fetch(Server(url).create(body, near), timeout))
        return await cls.join(url, created["id"], created["control_token"], timeout=timeout)

    @classmethod
    async def join(cls, url: str, session_id: str, token: str | None = None, *,
                   timeout: float | None = DEFAULT_TIMEOUT) -> AsyncBoard:
        """Join a board (without the token: to watch)."""
        board = cls(url, session_id, token, timeout)
        await board._open()
        return board

    async def _open(self) -> None:
        await self.info()  # an unknown session is refused here, in the server's words
        try:
            self._ws = await connect(self.server.socket(self.id), max_size=None,
                                     open_timeout=self.timeout, compression=None)
        except (InvalidHandshake, OSError) as exc:
            raise BoardError(f"the server refused the websocket: {exc}") from None
        self._reader = asyncio.create_task(self._read())
        try:
            await self._wait(self._core.ready, "the first frame", self.timeout)
            if self._core.token is not None:
                await self.sync()
        except BaseException:
            await self.close()
            raise

    # -- the socket ------------------------------------------------------------------------
    async def _read(self) -> None:
        why = "the server closed it"
        try:
            async for raw in self._ws:
                async with self._cond:
                    self._core.feed(raw)
                    self._cond.notify_all()
        except (ConnectionClosed, BoardError, ValueError) as exc:  # or a message we cannot read
            why = str(exc)
        finally:
            async with self._cond:
                self._core.close(why)
                self._cond.notify_all()

    async def _send(self, text: str) -> None:
        try:
            await self._ws.send(text)
        except ConnectionClosed as exc:
            raise BoardError(f"the connection to the board closed: {exc}") from None

    async def _wait(self, done: Callable[[], bool], what: str, timeout: float | None) -> Frame:
        async with self._cond:
            try:
                async with asyncio.timeout(timeout):
                    await self._cond.wait_for(done)
            except TimeoutError:
                raise TimeoutError(f"{what}: no answer from the server in {timeout} s") from None
            return self._core.current()

    async def _run(self, kind: str | None, fields: dict[str, Any]) -> Frame:
        async with self._one:
            pending: Pending = self._core.begin(kind, fields)
            for text in pending.outgoing:
                await self._send(text)
            timeout = None if kind == "step" else self.timeout  # a long step takes its time
            try:
                return await self._wait(lambda: pending.done(self._core), kind or "sync", timeout)
            except asyncio.CancelledError:  # a cancelled step stops the run too
                if kind == "step":
                    await self._send(json.dumps(message("pause", {})))
                raise

    async def command(self, kind: str, /, **fields: Any) -> Frame:
        return await self._run(kind, fields)

    async def sync(self) -> Frame:
        """Wait for a frame that shows everything done so far (a REST import included)."""
        return await self._run(None, {})

    async def wait(self, condition: Callable[[Frame], object],
                   timeout: float | None = None) -> Frame:
        """The first frame, the newest included, for which `condition(frame)` holds."""
        return await self._wait(lambda: bool(condition(self._core.current())), "wait", timeout)

    async def frames(self, timeout: float | None = None) -> AsyncIterator[Frame]:
        """Each new frame as it arrives; a slow reader skips frames (it gets the newest)."""
        seen = self._core.frames
        while True:
            frame = await self._wait(partial(self._core.new_frame, seen), "a new frame", timeout)
            seen = self._core.frames  # no await since the wait: nothing came in between
            yield frame

    # -- REST --------------------------------------------------------------------------------
    async def info(self) -> dict[str, Any]:
        out: dict[str, Any] = json.loads(await _fetch(self.server.info(self.id), self.timeout))
        return out

    async def state(self) -> Frame:
        """The whole state now, all F64: parameters, gradients and the next update."""
        return Frame(await _fetch(self.server.state(self.id), self.timeout), self._core.names)

    async def params(self) -> dict[str, np.ndarray]:
        return (await self.state()).params

    async def grads(self) -> dict[str, np.ndarray]:
        return (await self.state()).grads

    async def next_update(self) -> dict[str, np.ndarray]:
        return next_update(await self.state())

    async def import_params(self, params: Mapping[str, np.ndarray]) -> Frame:
        request = self.server.put_state(self.id, self._need_token("import"), params)
        await _fetch(request, self.timeout)
        return await self.sync()

    async def delete(self) -> None:
        await _fetch(self.server.delete(self.id, self._need_token("delete")), self.timeout)
        await self.close()

    async def close(self) -> None:
        await self._ws.close()
        await self._reader

    async def __aenter__(self) -> AsyncBoard:
        return self

    async def __aexit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        await self.close()


async def _fetch(request: Request, timeout: float | None) -> bytes:
    return await asyncio.to_thread(fetch, request, timeout)
