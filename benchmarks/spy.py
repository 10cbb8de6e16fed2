"""What a server's processes spend (server_bench): their CPU seconds from /proc, and the share
of one process's time in training steps, sampled by py-spy where it is installed (`--share`):
a ratio within one process, so the machine's drifting speed does not move it, unlike a rate
set beside a reference measured at another moment.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path


def own_cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def workers_cpu(pid: int) -> dict[int, float]:
    """CPU seconds so far of each process under the server: its workers and theirs (the
    figures helper, the player: docs/workers.md); with none, the server's own."""
    out: dict[int, float] = {}

    def under(parent: int) -> None:
        with contextlib.suppress(OSError), open(f"/proc/{parent}/task/{parent}/children") as f:
            for kid in map(int, f.read().split()):
                with contextlib.suppress(OSError):
                    out[kid] = own_cpu_seconds(kid)
                under(kid)

    under(pid)
    return out or {pid: own_cpu_seconds(pid)}


def run_and_wait(pid: int) -> tuple[float, float]:
    """Seconds a process has run so far, and seconds it waited for a core while it could
    have run (Linux's schedstat: other processes on its core); (0, 0) where unknown."""
    try:
        with open(f"/proc/{pid}/schedstat") as f:
            run, wait = f.read().split()[:2]
    except (OSError, ValueError):
        return 0.0, 0.0
    return int(run) / 1e9, int(wait) / 1e9


def cpu_seconds(pid: int) -> float:
    """User + system CPU time so far of a process (all its threads) and its worker processes
    (docs/workers.md)."""
    with open(f"/proc/{pid}/task/{pid}/children") as f:
        return own_cpu_seconds(pid) + sum(cpu_seconds(int(c)) for c in f.read().split())


STEP = "Stepper.step"  # the engine's step: training, wherever the app calls it from


class Sampler:
    """py-spy recording one process (its main thread) until `done()`. It pauses the process
    for each sample (a torn stack is worse), which slows the turn it samples a little."""

    def __init__(self, pid: int, seconds: float) -> None:
        self.out = Path(tempfile.mkdtemp()) / "samples.txt"
        self.proc = subprocess.Popen(
            [py_spy() or "py-spy", "record", "-p", str(pid), "-d", str(max(1, round(seconds))),
             "-r", "250", "-f", "raw", "-o", str(self.out)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def done(self) -> tuple[float, list[tuple[str, float]]] | None:
        """(share of the samples inside a training step, the top other places by share)."""
        self.proc.wait(60)
        if not self.out.exists():
            return None
        total, steps, places = 0, 0, Counter[str]()
        for line in self.out.read_text().splitlines():
            stack, _, count = line.rpartition(" ")
            if "Thread._bootstrap" in stack:  # idle helper threads (py-spy counts their waits)
                continue
            frames = [f.split(" (")[0] for f in stack.split(";")]
            total += int(count)
            if STEP in frames:
                steps += int(count)
            elif "Handle._run" in frames:  # what the event loop ran, two calls deep
                i = frames.index("Handle._run")
                places[";".join(frames[i + 1 : i + 3])] += int(count)
            elif any(f.endswith("run_forever") for f in frames):
                places["the event loop itself"] += int(count)
            else:  # a process without one (the player): what its main ran, two calls deep
                i = frames.index("main") + 1 if "main" in frames else 0
                places[";".join(frames[i : i + 2]) or "elsewhere"] += int(count)
        shutil.rmtree(self.out.parent, ignore_errors=True)
        if total == 0:
            return None
        return steps / total, [(k, v / total) for k, v in places.most_common(8)]


def py_spy() -> str | None:
    """py-spy on the PATH, or beside this Python (a virtual environment's, not activated)."""
    beside = Path(sys.executable).with_name("py-spy")
    return shutil.which("py-spy") or (str(beside) if beside.exists() else None)


def available() -> bool:
    return py_spy() is not None
