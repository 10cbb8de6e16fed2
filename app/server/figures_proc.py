"""The figures helper: a child process of the training process that computes playing boards'
screen figures (figurer.py) on another core, so training keeps its own.

``python -m dialboard.server.figures_proc`` reads jobs on standard input and answers on
standard output, in order. Both ends are this program, so messages are pickles, each after
its length (u32, big-endian): ("data", key, Dataset) once per dataset it does not hold,
("job", number, key, Architecture, params), answered ("done", number, figures),
("unknown", number) when it no longer holds the dataset, or ("failed", number, why). It ends
with its standard input, or with its parent (lifeline.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import math
import os
import pickle
import struct
import sys
import time
from collections import OrderedDict
from typing import IO, Any
from weakref import WeakKeyDictionary

import numpy as np

from dialboard.engine import Dataset
from dialboard.server.figurer import Done, Job, measure
from dialboard.server.relay.lifeline import die_with_parent, ignore_stop_signals

logger = logging.getLogger(__name__)
LENGTH = struct.Struct(">I")
HELD_DATASETS = 4  # the boards playing at once in one process, with room to spare
MOST_ASKED = 8  # jobs in flight; past it, figures are made in the training process
RESTART_SECONDS = 5.0  # a helper that died is started again no sooner than this
STOP_SECONDS = 2.0
# One BLAS thread, as the server has: a second would contend with training for the cores.
BLAS_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def pack(message: tuple[Any, ...]) -> bytes:
    body = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    return LENGTH.pack(len(body)) + body


class Helper:
    """The Figurer of a training process: the helper process, started when first asked and
    again (not too often) if it dies; while it is not running, asks are refused."""

    def __init__(self) -> None:
        self._proc: asyncio.subprocess.Process | None = None
        self._reader: asyncio.Task[None] | None = None
        self._starting: asyncio.Task[None] | None = None
        self._started_at = -math.inf
        self._asked: dict[int, tuple[int, Job, Done]] = {}  # number → (data key, job, done)
        self._numbers = itertools.count(1)
        self._keys: WeakKeyDictionary[Dataset, int] = WeakKeyDictionary()
        self._held: set[int] = set()  # data keys the helper has been sent
        self._closing = self._failed = False
        self.restart_after = RESTART_SECONDS

    def ask(self, job: Job, done: Done) -> bool:
        proc = self._proc
        if proc is None or proc.stdin is None or proc.stdin.is_closing():
            self._start_soon()
            return False
        if len(self._asked) >= MOST_ASKED:
            return False
        number, key = next(self._numbers), self._key(job.data)
        self._asked[number] = key, job, done
        self._send(number, key, job)
        return True

    def _key(self, data: Dataset) -> int:
        key = self._keys.get(data)
        if key is None:
            key = self._keys[data] = next(self._numbers)
        return key

    def _send(self, number: int, key: int, job: Job) -> None:
        assert self._proc is not None and self._proc.stdin is not None
        if key not in self._held:
            self._held.add(key)
            self._proc.stdin.write(pack(("data", key, job.data)))
        self._proc.stdin.write(pack(("job", number, key, job.arch, job.params)))

    async def ready(self) -> bool:
        """Start the helper unless it runs (or was started too lately); whether it runs."""
        if self._proc is None:
            self._start_soon()
        if self._starting is not None:
            await asyncio.shield(self._starting)
        return self._proc is not None

    def _start_soon(self) -> None:
        if self._closing or self._starting is not None:
            return
        if time.monotonic() - self._started_at >= self.restart_after:
            self._started_at = time.monotonic()
            self._starting = asyncio.get_running_loop().create_task(self._start())

    async def _start(self) -> None:
        env = {**os.environ, **{v: "1" for v in BLAS_VARIABLES}}
        try:
            proc = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "dialboard.server.figures_proc",
                stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, env=env)
        except OSError as exc:
            logger.warning("the figures helper did not start (%s): figures are made here", exc)
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
                self._answer(pickle.loads(await proc.stdout.readexactly(size)))
        except (asyncio.IncompleteReadError, ConnectionError):
            if not self._closing:
                logger.warning("the figures helper stopped: figures are made here for now")
        finally:
            self._proc = None
            asked, self._asked = list(self._asked.values()), {}
            for _, _, done in asked:
                done(None)
        # Its output ended as it exits; one that lingers is killed. Not at once: kill() polls
        # the process, and would reap it under asyncio's child watcher (an "unknown child").
        try:
            await asyncio.wait_for(proc.wait(), STOP_SECONDS)
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                proc.kill()

    def _answer(self, message: tuple[Any, ...]) -> None:
        kind, number = message[0], message[1]
        asked = self._asked.get(number)
        if asked is None:
            return
        if kind == "unknown":  # dropped to hold newer boards' data: once more, with it
            self._held.discard(asked[0])
            self._send(number, *asked[:2])
            return
        del self._asked[number]
        if kind == "failed" and not self._failed:  # said once: the next would say the same
            self._failed = True
            logger.warning("the figures helper failed: %s", message[2])
        asked[2](message[2] if kind == "done" else None)

    async def close(self) -> None:
        """Stop the helper; none is started after (a cancelled start could leave one)."""
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


def _read(stream: IO[bytes]) -> tuple[Any, ...] | None:
    head = stream.read(LENGTH.size)
    if len(head) < LENGTH.size:
        return None
    body = stream.read(LENGTH.unpack(head)[0])
    message: tuple[Any, ...] = pickle.loads(body)
    return message


def answer(message: tuple[Any, ...], held: OrderedDict[int, Dataset]) -> tuple[Any, ...] | None:
    """The helper's answer to one message (None to a dataset, which is kept)."""
    if message[0] == "data":
        held[message[1]] = message[2]
        while len(held) > HELD_DATASETS:
            held.popitem(last=False)
        return None
    _, number, key, arch, params = message
    data = held.get(key)
    if data is None:
        return ("unknown", number)
    held.move_to_end(key)
    try:
        with np.errstate(all="ignore"):  # an overflow's inf is the answer, not a warning
            return ("done", number, measure(Job(arch, params, data)))
    except Exception as exc:  # a defect of ours: said in the log, the job made elsewhere
        return ("failed", number, repr(exc))


def main() -> int:
    die_with_parent()
    ignore_stop_signals()
    held: OrderedDict[int, Dataset] = OrderedDict()
    out = sys.stdout.buffer
    while (message := _read(sys.stdin.buffer)) is not None:
        reply = answer(message, held)
        if reply is not None:
            out.write(pack(reply))
            out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
