"""A child process of a training process, doing its work on another core: the figures helper
(figures_proc.py) and the player (player_proc.py). Both ends are this program, so messages
are pickles, each after its length (u32, big-endian). A child is started when first needed
and again (not too often) if it dies; it ends with its standard input, or with its parent
(lifeline.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import itertools
import logging
import math
import os
import pickle
import struct
import sys
import time
from typing import IO, Any
from weakref import WeakKeyDictionary

from dialboard.blas import one_thread
from dialboard.engine import Dataset

logger = logging.getLogger(__name__)
LENGTH = struct.Struct(">I")
RESTART_SECONDS = 5.0  # a child that died is started again no sooner than this
STOP_SECONDS = 2.0
# Pipes to and from a child: a shown step's state and update, or a job, several times over
# (Linux's default most for a process without privileges).
PIPE_BYTES = 1 << 20
F_SETPIPE_SZ = 1031  # Linux's fcntl for a pipe's size


def pack(message: tuple[Any, ...]) -> bytes:
    body = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    return LENGTH.pack(len(body)) + body


def read(stream: IO[bytes]) -> tuple[Any, ...] | None:
    """The next message from a blocking stream; None at its end."""
    head = stream.read(LENGTH.size)
    if len(head) < LENGTH.size:
        return None
    body = stream.read(LENGTH.unpack(head)[0])
    message: tuple[Any, ...] = pickle.loads(body)
    return message


def widen_pipes() -> None:
    """The child's standard input and output pipes widened to hold a whole message (Linux's
    default is 64 KiB, where a job or a shown step is some 100-130 KB): the parent writes
    one at once, not in 4 KiB pieces each a turn of its event loop, on its training core, as
    this end reads."""
    for fd in (0, 1):
        with contextlib.suppress(OSError):  # not a pipe, or not Linux: as it was
            fcntl.fcntl(fd, F_SETPIPE_SZ, PIPE_BYTES)


class Child:
    """The parent's end: the process of `MODULE`, its messages handed to `_answer`, and the
    datasets it has been sent (each by a key of its own, sent once)."""

    MODULE = ""
    NAME = ""  # in the log: "the … stopped"

    def __init__(self) -> None:
        self._proc: asyncio.subprocess.Process | None = None
        self._reader: asyncio.Task[None] | None = None
        self._starting: asyncio.Task[None] | None = None
        self._started_at = -math.inf
        self._numbers = itertools.count(1)
        self._keys: WeakKeyDictionary[Dataset, int] = WeakKeyDictionary()
        self._held: set[int] = set()  # data keys the child has been sent
        self._closing = False
        self.restart_after = RESTART_SECONDS

    @property
    def running(self) -> bool:
        proc = self._proc
        return proc is not None and proc.stdin is not None and not proc.stdin.is_closing()

    def key(self, data: Dataset) -> int:
        key = self._keys.get(data)
        if key is None:
            key = self._keys[data] = next(self._numbers)
        return key

    def write(self, message: tuple[Any, ...], data: Dataset | None = None) -> None:
        """Send `message`; first `data` (as ("data", key, data)) unless the child holds it."""
        assert self._proc is not None and self._proc.stdin is not None
        if data is not None and (key := self.key(data)) not in self._held:
            self._held.add(key)
            self._proc.stdin.write(pack(("data", key, data)))
        self._proc.stdin.write(pack(message))

    def forget(self, key: int) -> None:
        """The child dropped this dataset (to hold newer ones): sent again when next needed."""
        self._held.discard(key)

    async def ready(self) -> bool:
        """Start the child unless it runs (or was started too lately); whether it runs."""
        if self._proc is None:
            self.start_soon()
        if self._starting is not None:
            await asyncio.shield(self._starting)
        return self._proc is not None

    def start_soon(self) -> None:
        if self._closing or self._starting is not None:
            return
        if time.monotonic() - self._started_at >= self.restart_after:
            self._started_at = time.monotonic()
            self._starting = asyncio.get_running_loop().create_task(self._start())

    async def _start(self) -> None:
        env = dict(os.environ)
        one_thread(env)  # as the server has (blas.py)
        try:
            proc = await asyncio.create_subprocess_exec(
                sys.executable, "-m", self.MODULE,
                stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, env=env)
        except OSError as exc:
            logger.warning("the %s did not start (%s): its work is done here", self.NAME, exc)
            return
        finally:
            self._starting = None
        self._proc, self._held = proc, set()
        self._reader = asyncio.get_running_loop().create_task(self._read(proc))

    async def _read(self, proc: asyncio.subprocess.Process) -> None:
        assert proc.stdout is not None
        try:
            while True:
                size = LENGTH.unpack(await proc.stdout.readexactly(LENGTH.size))[0]
                body = await proc.stdout.readexactly(size)
                try:
                    self._answer(pickle.loads(body))
                except Exception:  # a defect of ours: said, and the next answer is read
                    logger.exception("an answer of the %s could not be taken", self.NAME)
        except (asyncio.IncompleteReadError, ConnectionError):
            if not self._closing:
                logger.warning("the %s stopped: its work is done here for now", self.NAME)
        finally:
            self._proc = None
            self._ended()
        # Its output ended as it exits; one that lingers is killed. Not at once: kill() polls
        # the process, and would reap it under asyncio's child watcher (an "unknown child").
        try:
            await asyncio.wait_for(proc.wait(), STOP_SECONDS)
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                proc.kill()

    def _answer(self, message: tuple[Any, ...]) -> None:
        raise NotImplementedError

    def _ended(self) -> None:
        """The child is gone: whatever waits on it is told."""

    async def close(self) -> None:
        """Stop the child; none is started after (a cancelled start could leave one)."""
        self._closing = True
        if self._starting is not None:
            await asyncio.shield(self._starting)
        proc, reader = self._proc, self._reader
        if proc is None or reader is None:
            return
        if proc.stdin is not None:
            proc.stdin.close()
        try:
            await asyncio.wait_for(proc.wait(), STOP_SECONDS)
        except TimeoutError:
            proc.kill()
            await proc.wait()
        with contextlib.suppress(asyncio.CancelledError):
            await reader
