"""One heavy board must not hold up the server or another class (issue 12, goal 3).

    python benchmarks/workers_bench.py [--seconds 8] [--workers 1] [--before-workers 0]

Starts a real server process with sessions in a worker process (`DIALBOARD_WORKERS`), and
the same server with them in the web process as the reference, and on each:

- plays the heavy board ([625, 380, 10] on digits-25x25 at full batch) and, meanwhile,
  times `/healthz` (every 20 ms) and another board's `step` → the frame showing that step
  (digits-625), then how long the heavy board's `pause` takes to show (20 times, playing a
  couple of steps in between);
- plays two digits-625 boards (batch 32) at once and one alone, in turns: aggregate
  steps/s. With workers, it measures this twice: with the player on (the server's default
  with two cores: one board alone already trains on one core while its worker streams from
  the other, so two ÷ one says what a second class gets) and with `DIALBOARD_PLAYER=0`
  (each board trains in its worker: two ÷ one is how sessions scale across cores);
- as the reference for those, the engine alone (the digits-625 preset's trainer stepping with
  nothing around it) in one process, and in two processes at once, in turns: what this
  machine gives two trainings at once (a virtual machine's two cores may share one physical
  core, or its caches and memory).

Prints each figure beside the reference server's, with the machine's core count.
"""

import os

from dialboard.blas import one_thread

one_thread()  # as the server does, before NumPy is first imported

import argparse  # noqa: E402
import asyncio  # noqa: E402
import json  # noqa: E402
import socket  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import httpx  # noqa: E402
import websockets  # noqa: E402
from server_bench import _pct, meta  # noqa: E402 (this folder: scripts run from it)

HEAVY = {"dataset": "digits-25x25", "layers": [625, 380, 10], "batch_size": None}
PAUSES = 20
ROUNDS = 4  # of one board alone and two at once, in turns
# share of a core this process spends reading the presenters' frames, by boards playing: it
# runs on the same cores as the server
CLIENTS_CPU: dict[int, list[float]] = {1: [], 2: []}


def start(workers: int, player: bool | None = None) -> tuple[subprocess.Popen[bytes], str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "DIALBOARD_DATA_DIR": "", "DIALBOARD_WORKERS": str(workers),
           "DIALBOARD_MAX_SESSIONS": "100"}
    if player is not None:
        env["DIALBOARD_PLAYER"] = str(int(player))
    proc = subprocess.Popen([sys.executable, "-m", "dialboard", "--port", str(port),
                             "--log-level", "warning"], env=env)
    base = f"http://127.0.0.1:{port}"
    for _ in range(600):
        try:
            if httpx.get(f"{base}/healthz").status_code == 200:
                return proc, base
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError("server did not start")


class Board:
    """A board with its presenter's socket; keeps the newest frame's metadata."""

    def __init__(self, base: str, config: dict[str, Any]) -> None:
        created = httpx.post(f"{base}/api/sessions", json=config, timeout=60).json()
        self.base, self.sid, self.token = base, created["id"], created["control_token"]
        self.last: dict[str, str] = {}
        self.news = asyncio.Event()

    async def open(self) -> None:
        url = self.base.replace("http", "ws", 1) + f"/ws/sessions/{self.sid}"
        self.ws = await websockets.connect(url, max_size=None, compression=None)
        await self.send({"type": "control", "token": self.token})
        self.reader = asyncio.create_task(self._read())
        await self.until(lambda m: True)

    async def _read(self) -> None:
        async for raw in self.ws:
            if isinstance(raw, bytes):
                self.last = meta(raw)
                self.news.set()

    async def send(self, message: dict[str, Any]) -> None:
        await self.ws.send(json.dumps(message))

    async def until(self, ok: Any) -> dict[str, str]:
        while not (self.last and ok(self.last)):
            self.news.clear()
            await self.news.wait()
        return self.last

    async def close(self) -> None:
        await self.ws.close()
        self.reader.cancel()


async def heavy_play(base: str, seconds: float) -> dict[str, list[float]]:
    heavy, other = Board(base, HEAVY), Board(base, {"preset": "digits-625"})
    await heavy.open()
    await other.open()
    await heavy.send({"type": "play"})
    await heavy.until(lambda m: m["playing"] == "true")
    health, steps = [], []
    end = time.monotonic() + seconds
    async with httpx.AsyncClient() as client:
        async def ping() -> None:
            while time.monotonic() < end:
                t0 = time.perf_counter()
                await client.get(f"{base}/healthz")
                health.append((time.perf_counter() - t0) * 1e3)
                await asyncio.sleep(0.02)

        async def step() -> None:
            while time.monotonic() < end:
                n = int(other.last["step"])
                t0 = time.perf_counter()
                await other.send({"type": "step"})
                await other.until(lambda m, n=n: int(m["step"]) > n)
                steps.append((time.perf_counter() - t0) * 1e3)
                await asyncio.sleep(0.05)

        await asyncio.gather(ping(), step())
    paused = []
    for _ in range(PAUSES):  # play a moment, pause: until a frame shows it paused
        t0 = time.perf_counter()
        await heavy.send({"type": "pause"})
        await heavy.until(lambda m: m["playing"] == "false")
        paused.append((time.perf_counter() - t0) * 1e3)
        await heavy.send({"type": "play"})
        await heavy.until(lambda m: m["playing"] == "true")
        n = int(heavy.last["step"])
        await heavy.until(lambda m, n=n: int(m["step"]) >= n + 2)
    await heavy.send({"type": "pause"})
    await heavy.close()
    await other.close()
    return {"health": health, "steps": steps, "pause": paused}


async def together(boards: list[Any], seconds: float) -> float:
    """Aggregate steps/s of these digits-625 boards playing at once."""
    for b in boards:
        await b.send({"type": "play"})
    await asyncio.sleep(1.0)  # warm up
    first = [int(b.last["step"]) for b in boards]
    t0, cpu = time.monotonic(), time.process_time()
    await asyncio.sleep(seconds)
    dt = time.monotonic() - t0
    CLIENTS_CPU[len(boards)].append((time.process_time() - cpu) / dt)
    total = sum(int(b.last["step"]) - s for b, s in zip(boards, first, strict=True))
    for b in boards:
        await b.send({"type": "pause"})
    return total / dt


async def one_and_two(base: str, seconds: float) -> list[tuple[float, float]]:
    """(one alone, two at once) steps/s in ROUNDS rounds, in turns (one first, then two
    first), so the machine's drift falls on both alike."""
    boards = [Board(base, {"preset": "digits-625"}) for _ in range(2)]
    for b in boards:
        await b.open()
    rounds = []
    for k in range(ROUNDS):
        turns = [boards[:1], boards] if k % 2 == 0 else [boards, boards[:1]]
        rates = {len(t): await together(t, seconds / ROUNDS) for t in turns}
        rounds.append((rates[1], rates[2]))
    for b in boards:
        await b.close()
    return rounds


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
    procs = [subprocess.Popen([sys.executable, __file__, "--engine-turn", str(start),
                               str(seconds)], stdout=subprocess.PIPE) for _ in range(k)]
    return sum(float(p.communicate()[0]) for p in procs)


def engine_rounds(seconds: float) -> list[tuple[float, float]]:
    """(one process, two at once) steps/s of the engine alone, in turns as `one_and_two`."""
    rounds = []
    for k in range(ROUNDS):
        order = (1, 2) if k % 2 == 0 else (2, 1)
        rates = {n: engines_at_once(n, seconds / ROUNDS) for n in order}
        rounds.append((rates[1], rates[2]))
    return rounds


def measure(workers: int, seconds: float, player: bool | None = None, heavy: bool = True
            ) -> dict[str, Any]:
    proc, base = start(workers, player)
    try:
        out: dict[str, Any] = asyncio.run(heavy_play(base, seconds)) if heavy else {}
        out["rounds"] = asyncio.run(one_and_two(base, seconds))
    finally:
        proc.terminate()
        proc.wait(60)
    return out


def mean_rates(rounds: list[tuple[float, float]]) -> tuple[float, float]:
    one, two = (sum(v) / len(v) for v in zip(*rounds, strict=True))
    return one, two


def scaling(label: str, rounds: list[tuple[float, float]], what: str = "digits-625 playing"
            ) -> str:
    one, two = mean_rates(rounds)
    each = ", ".join(f"{b / a:.2f}" for a, b in rounds)
    return (f"{what}{label}: one alone {one:.0f} steps/s, two at once {two:.0f} "
            f"steps/s together ({two / one:.2f}×; each round: {each})")


def clients_cpu() -> str:
    """The benchmark's own share of the cores while the boards played, then forgotten."""
    shares = {k: sum(v) / len(v) for k, v in CLIENTS_CPU.items() if v}
    for v in CLIENTS_CPU.values():
        v.clear()
    return ("        (this benchmark's clients, reading the presenters' frames on the same "
            "cores: " + ", ".join(f"{v:.0%} of a core with {k}" for k, v in shares.items()) + ")")


def line(label: str, values: list[float]) -> str:
    return (f"{label} p50 {_pct(values, 50):7.1f} ms  p99 {_pct(values, 99):7.1f} ms  "
            f"max {max(values):7.1f} ms  (n={len(values)})")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--seconds", type=float, default=8.0)
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--before-workers", type=int, default=0)
    ap.add_argument("--engine-turn", nargs=2, type=float, help=argparse.SUPPRESS)
    ap.add_argument("--json", type=Path, help="also write the figures (of --workers) here")
    args = ap.parse_args()
    if args.engine_turn:
        engine_turn(*args.engine_turn)
        return
    print(f"{os.cpu_count()} cores; heavy board {HEAVY}")
    ceiling = engine_rounds(args.seconds)
    print("reference: " + scaling("", ceiling, "the engine alone, one process or two"))
    measured: dict[int, dict[str, Any]] = {}
    for workers in (args.before_workers, args.workers):
        r = measured[workers] = measure(workers, args.seconds)
        print(f"DIALBOARD_WORKERS={workers}")
        print("    " + line("/healthz while the heavy board plays:", r["health"]))
        print("    " + line("another board's step → frame:       ", r["steps"]))
        print("    " + line("heavy board's pause → shown:       ", r["pause"]))
        print("    " + scaling("", r["rounds"]) + beside(r["rounds"], ceiling))
        print(clients_cpu())
        if workers:
            alone = measure(workers, args.seconds, player=False, heavy=False)["rounds"]
            print("    " + scaling(", each in its worker (DIALBOARD_PLAYER=0)", alone)
                  + beside(alone, ceiling))
            print(clients_cpu())
    if args.json:  # with the server of --before-workers as the reference
        args.json.write_text(json.dumps(
            {**figures(measured[args.workers], ceiling),
             "before": figures(measured[args.before_workers], ceiling)}, indent=2))


def figures(r: dict[str, Any], ceiling: list[tuple[float, float]]) -> dict[str, Any]:
    one, two = mean_rates(r["rounds"])
    return {"cores": os.cpu_count(), "health_p99": _pct(r["health"], 99),
            "other_step_p99": _pct(r["steps"], 99), "pause_p50": _pct(r["pause"], 50),
            "pause_p99": _pct(r["pause"], 99), "two_over_one": two / one,
            "engines_two_over_one": mean_rates(ceiling)[1] / mean_rates(ceiling)[0]}


def beside(rounds: list[tuple[float, float]], ceiling: list[tuple[float, float]]) -> str:
    """Two boards at once against two engines alone at once: the share of what the machine
    gives two trainings that the app delivers."""
    share = mean_rates(rounds)[1] / mean_rates(ceiling)[1]
    return f"; two at once = {share:.2f}× two engines alone"


if __name__ == "__main__":
    main()
