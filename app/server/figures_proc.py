"""The figures helper: a child process of the training process that computes playing boards'
screen figures (figurer.py) on another core, so training keeps its own.

``python -m dialboard.server.figures_proc`` reads jobs on standard input and answers on
standard output, in order (child.py): ("data", key, Dataset) once per dataset it does not hold,
("job", number, key, Architecture, params), answered ("done", number, figures),
("unknown", number) when it no longer holds the dataset, or ("failed", number, why). It ends
with its standard input, or with its parent (lifeline.py).
"""

from __future__ import annotations

import logging
import sys
from collections import OrderedDict
from typing import Any

import numpy as np

from dialboard.engine import Dataset
from dialboard.engine.cores import give_way
from dialboard.server import idle
from dialboard.server.child import Child, pack, read, widen_pipes
from dialboard.server.figurer import Done, Job, measure
from dialboard.server.relay.lifeline import die_with_parent, ignore_stop_signals

logger = logging.getLogger(__name__)
HELD_DATASETS = 4  # the boards playing at once in one process, with room to spare
MOST_ASKED = 8  # jobs in flight; past it, figures are made in the training process
# Idle cores below which the figures are made in the training process: on a full machine
# the hop costs more than it spares (on the 625 board with two boards playing on two cores:
# made there, 2-4 ms of the worker's time; asked, some 3.6 ms of the helper's CPU and
# 0.5-1 ms of the worker's: the parameters' copy, a process woken, the training set read
# again into another core's caches).
SPARE_CORES = 0.25
# Past this many multiply-adds (parameters × examples of the training and test sets) a job
# goes to the helper however full the machine: made in the training process it would hold
# up the other boards and sockets there for more than a slice (runner.SLICE_SECONDS). The
# 625 board's are 23.6 million, 2.2 ms after a step; issue 12's heavy board's, 434 million.
MADE_HERE_WORK = 40_000_000


class Helper(Child):
    """The Figurer of a training process: while the helper is not running, asks are
    refused (and it is started)."""

    MODULE = "dialboard.server.figures_proc"
    NAME = "figures helper"

    def __init__(self, judge: bool = True) -> None:
        """`judge`: ask it only when a core is spare (False: always, for tests)."""
        super().__init__()
        self._asked: dict[int, tuple[int, Job, Done]] = {}  # number → (data key, job, done)
        self._failed = False
        self.judge = judge
        self._idle = idle.Rate(idle.machine, idle.WINDOW_SECONDS)  # idle share of all cores

    def pays(self, job: Job) -> bool:
        """Whether a core is spare for it (unknown, as before a first window or off Linux:
        it is asked, as it always was), or the job too long to make in the training process."""
        if not self.judge or figures_work(job) > MADE_HERE_WORK:
            return True
        spare = idle.in_cores(self._idle())
        return spare is None or spare >= SPARE_CORES

    def ask(self, job: Job, done: Done) -> bool:
        if not self.running:
            self.start_soon()
            return False
        if len(self._asked) >= MOST_ASKED or not self.pays(job):
            return False
        number = next(self._numbers)
        self._asked[number] = self.key(job.data), job, done
        self._send(number, job)
        return True

    def _send(self, number: int, job: Job) -> None:
        self.write(("job", number, self.key(job.data), job.arch, job.params), job.data)

    def _ended(self) -> None:
        asked, self._asked = list(self._asked.values()), {}
        for _, _, done in asked:
            done(None)

    def _answer(self, message: tuple[Any, ...]) -> None:
        kind, number = message[0], message[1]
        asked = self._asked.get(number)
        if asked is None:
            return
        if kind == "unknown":  # dropped to hold newer boards' data: once more, with it
            self.forget(asked[0])
            self._send(number, asked[1])
            return
        del self._asked[number]
        if kind == "failed" and not self._failed:  # said once: the next would say the same
            self._failed = True
            logger.warning("the figures helper failed: %s", message[2])
        asked[2](message[2] if kind == "done" else None)


def figures_work(job: Job) -> int:
    """Multiply-adds of a job's forward passes, about: parameters × examples."""
    return job.arch.parameter_count * (job.data.x_train.shape[0] + job.data.x_test.shape[0])


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
    widen_pipes()
    give_way()
    held: OrderedDict[int, Dataset] = OrderedDict()
    out = sys.stdout.buffer
    while (message := read(sys.stdin.buffer)) is not None:
        reply = answer(message, held)
        if reply is not None:
            out.write(pack(reply))
            out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
