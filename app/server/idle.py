"""Whether a player pays (player.py): the machine's idle cores and a process's share of a
core, read from /proc (Linux; elsewhere unknown, and a player is never used)."""

from __future__ import annotations

import os
import time
from collections.abc import Callable

Reading = tuple[float, float]
CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
WINDOW_SECONDS = 0.25  # the machine's idle cores are judged over this long (a `Rate`'s window)
# Read once: os.cpu_count() reads a file of /sys at each call, and a board playing in its
# worker asks whether a player pays after every slice of training (runner.run).
CORES = os.cpu_count() or 1


def in_cores(share: float | None) -> float | None:
    """An idle share of the whole machine as cores (None: unknown)."""
    return None if share is None else share * CORES


def machine() -> Reading | None:
    """(idle, all) CPU time of the whole machine so far, every core together, in ticks."""
    try:
        with open("/proc/stat") as f:
            ticks = [int(v) for v in f.readline().split()[1:9]]
    except (OSError, ValueError):
        return None
    return float(ticks[3] + ticks[4]), float(sum(ticks))  # idle and waiting on the disk


def process(pid: int) -> Reading | None:
    """(CPU time, wall time) of a process so far, in seconds."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS, time.monotonic()


class Rate:
    """Δ first ÷ Δ second of a reading, over at least `seconds`: the latest such window's,
    None until one has passed (or when it cannot be read)."""

    def __init__(self, read: Callable[[], Reading | None], seconds: float) -> None:
        self.read, self.seconds = read, seconds
        self._from: tuple[float, Reading] | None = None
        self.value: float | None = None

    def restart(self) -> None:
        """A new window from now: unknown until it has passed (what came before is not
        what is measured)."""
        reading = self.read()
        self._from = None if reading is None else (time.monotonic(), reading)
        self.value = None

    def __call__(self) -> float | None:
        now = time.monotonic()
        if self._from is not None and now - self._from[0] < self.seconds:
            return self.value
        reading = self.read()
        if reading is None:
            self._from, self.value = None, None
            return None
        if self._from is not None and reading[1] > self._from[1][1]:
            self.value = (reading[0] - self._from[1][0]) / (reading[1] - self._from[1][1])
        self._from = now, reading
        return self.value
