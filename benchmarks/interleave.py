"""References taken in turns with the app (server_bench): each turn of the app playing is
followed, while it is paused, by a turn of each reference in this process, so the machine's
drifting speed (15–25% within a minute on a shared host) weighs on both alike.

One reference is the engine alone while another process keeps a second core busy: what the
machine allows training while anything else runs (a virtual machine's cores may share one
physical core, or its caches and memory: on the 2-core machine this was written on, a busy
second core slowed the engine alone to 0.7–0.9×). Through the app something always runs
beside training: the frames, the web process, and here the benchmark's own 31 clients.
"""

import contextlib
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from bench_refs import Bare, TorchNet, torch_version
from engine_bench import timed_turn

from dialboard.server.session_config import build, resolve

Fn = Callable[[], object]
ROUNDS = 4  # turns of the app playing, each followed by a turn of each reference
BUSY = "engine alone, another core busy"


@dataclass
class Tally:
    """Calls (or steps), wall seconds and CPU seconds summed over turns."""

    n: float = 0.0
    wall: float = 0.0
    cpu: float = 0.0
    turns: list[float] = field(default_factory=list)  # each turn's calls per wall second

    def add(self, n: float, wall: float, cpu: float) -> None:
        self.n, self.wall, self.cpu = self.n + n, self.wall + wall, self.cpu + cpu
        self.turns.append(n / max(wall, 1e-9))

    @property
    def per_wall(self) -> float:
        return self.n / max(self.wall, 1e-9)

    @property
    def per_cpu(self) -> float:
        return self.n / max(self.cpu, 1e-9)


def _calls(net: TorchNet, threads: int) -> int:
    net.threads(threads)
    return timed_turn(net.step, 0.5)[0]


class References:
    """The engine alone (the preset's own trainer stepping with nothing around it), the bare
    engine (its maths straight in NumPy) and PyTorch where importable (with the faster of
    one thread and all cores, chosen once at the start), at batch 32 on digits-625."""

    def __init__(self) -> None:
        t = build(resolve({"preset": "digits-625"}), max_parameters=100_000)
        self.fns: dict[str, Fn] = {"engine alone": t.step, "bare engine (NumPy)": Bare(32).step}
        if (os.cpu_count() or 1) > 1:
            self.fns[BUSY] = t.step
        if torch_version() is not None:
            net = TorchNet(32)
            net.threads(max(sorted({1, os.cpu_count() or 1}), key=lambda k: _calls(net, k)))
            self.fns["PyTorch"] = net.step
        self.tallies = {k: Tally() for k in self.fns}

    def reset(self) -> None:
        self.tallies = {k: Tally() for k in self.fns}

    def turn(self, seconds: float) -> None:
        for name, fn in self.fns.items():
            with busy_core() if name == BUSY else contextlib.nullcontext():
                self.tallies[name].add(*timed_turn(fn, seconds))


@contextlib.contextmanager
def busy_core() -> Iterator[None]:
    """Another process spinning on a core (the scheduler puts it beside this one)."""
    spin = subprocess.Popen([sys.executable, "-c", "print(flush=True)\nwhile True: pass"],
                            stdout=subprocess.PIPE)
    try:
        assert spin.stdout is not None
        spin.stdout.readline()  # spinning from now
        yield
    finally:
        spin.kill()
        spin.wait()
