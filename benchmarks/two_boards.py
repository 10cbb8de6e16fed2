"""Two digits-625 boards playing at once against one alone (issue 12, goal 3), on several
servers and the engine alone, every contender in the same rounds.

This machine's speed drifts by a third within minutes. Measured one after another, a
server's two ÷ one and the engine alone's ceiling saw different machines. Here each round
takes every contender's turn of one board and of two, in an order that moves on each
round, so the drift falls on all alike, and each round's figures are compared with the
same round's.

Used by workers_bench.py; the servers are started there.
"""

from __future__ import annotations

import asyncio
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ENGINES = "the engine alone"
ROUNDS = 4
WARM_SECONDS = 1.0  # a play's first second: its board is judged for a player, and warms up
Rounds = list[tuple[float, float]]  # (one alone, two at once) steps/s, round by round
# share of a core this process spends reading the presenters' frames, by boards playing: it
# runs on the same cores as the server
CLIENTS_CPU: dict[int, list[float]] = {1: [], 2: []}


async def together(boards: list[Any], seconds: float) -> float:
    """Aggregate steps/s of these digits-625 boards playing at once."""
    for b in boards:
        await b.send({"type": "play"})
    await asyncio.sleep(WARM_SECONDS)
    first = [int(b.last["step"]) for b in boards]
    t0, cpu = time.monotonic(), time.process_time()
    await asyncio.sleep(seconds)
    dt = time.monotonic() - t0
    CLIENTS_CPU[len(boards)].append((time.process_time() - cpu) / dt)
    total = sum(int(b.last["step"]) - s for b, s in zip(boards, first, strict=True))
    for b in boards:
        await b.send({"type": "pause"})
    return total / dt


def engine_turn(start: float, seconds: float) -> None:
    """One process's turn of the engine alone, from wall time `start`: prints its steps/s."""
    from dialboard.server.session_config import build, resolve

    t = build(resolve({"preset": "digits-625"}), max_parameters=100_000)
    t.step(50)
    time.sleep(max(0.0, start - time.time()))
    n, end = 0, start + seconds
    while time.time() < end:
        t.step()
        n += 1
    print(n / seconds)


def engines_at_once(k: int, seconds: float) -> float:
    """Aggregate steps/s of the engine alone in k processes over the same `seconds`."""
    start = time.time() + 3.0  # after each has built its trainer
    script = Path(__file__).resolve().parent / "workers_bench.py"
    procs = [subprocess.Popen([sys.executable, str(script), "--engine-turn", str(start),
                               str(seconds)], stdout=subprocess.PIPE) for _ in range(k)]
    return sum(float(p.communicate()[0]) for p in procs)


def order(k: int, contenders: list[str]) -> list[tuple[str, int]]:
    """Round k's turns: every contender with one board and with two, moved on by k."""
    turns = [(c, n) for c in contenders for n in (1, 2)]
    shift = k * len(turns) // ROUNDS
    turns = turns[shift:] + turns[:shift]
    return turns[::-1] if k % 2 else turns


async def rounds(servers: dict[str, list[Any]], seconds: float) -> dict[str, Rounds]:
    """Each server's (its two open boards) and the engine alone's (one, two) steps/s, ROUNDS
    rounds of `seconds` turns."""
    out: dict[str, Rounds] = {c: [] for c in [*servers, ENGINES]}
    for k in range(ROUNDS):
        got: dict[tuple[str, int], float] = {}
        for c, n in order(k, list(out)):
            got[c, n] = (await asyncio.to_thread(engines_at_once, n, seconds) if c == ENGINES
                         else await together(servers[c][:n], seconds))
        for c, r in out.items():
            r.append((got[c, 1], got[c, 2]))
    return out


def mean_rates(r: Rounds) -> tuple[float, float]:
    one, two = (sum(v) / len(v) for v in zip(*r, strict=True))
    return one, two


def scaling(what: str, r: Rounds) -> str:
    one, two = mean_rates(r)
    each = ", ".join(f"{b / a:.2f}" for a, b in r)
    median = statistics.median(b / a for a, b in r)  # one machine hiccup moves the mean
    return (f"{what}: one alone {one:.0f} steps/s, two at once {two:.0f} steps/s together "
            f"({two / one:.2f}×, the rounds' median {median:.2f}×; each round: {each})")


def against(r: Rounds, ref: Rounds, which: int) -> tuple[float, str]:
    """One alone (which=0) or two at once (1) against `ref`'s in the same rounds: the ratio
    of the means, and the median of the rounds' ratios."""
    ratio = mean_rates(r)[which] / mean_rates(ref)[which]
    median = statistics.median(a[which] / b[which] for a, b in zip(r, ref, strict=True))
    return ratio, f"{ratio:.2f}× (median of the rounds {median:.2f}×)"


def clients_cpu() -> str:
    """The benchmark's own share of the cores while the boards played, then forgotten."""
    shares = {k: sum(v) / len(v) for k, v in CLIENTS_CPU.items() if v}
    for v in CLIENTS_CPU.values():
        v.clear()
    return ("(this benchmark's clients, reading the presenters' frames on the same cores: "
            + ", ".join(f"{v:.0%} of a core with {k}" for k, v in shares.items()) + ")")
