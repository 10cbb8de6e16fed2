"""One heavy board must not hold up the server or another class (issue 12, goal 3).

    python benchmarks/workers_bench.py [--seconds 8] [--workers 1] [--before-workers 0]
                                       [--before DIR] [--rounds 4]

Starts a real server process with sessions in a worker process (`DIALBOARD_WORKERS`), and
the same server with them in the web process as the reference, and on each:

- plays the heavy board ([625, 380, 10] on digits-25x25 at full batch) and, meanwhile,
  times `/healthz` (every 20 ms) and another board's `step` → the frame showing that step
  (digits-625), then how long the heavy board's `pause` takes to show (20 times, playing a
  couple of steps in between);
- plays two digits-625 boards (batch 32) at once and one alone: aggregate steps/s. With
  workers, on two servers: with the player on (the server's default with two cores: one
  board alone already trains on one core while its worker streams from the other, so two ÷
  one says what a second class gets) and with `DIALBOARD_PLAYER=0` (each board trains in its
  worker: two ÷ one is how sessions scale across cores);
- as the reference for those, the engine alone (the digits-625 preset's trainer stepping with
  nothing around it) in one process, and in two processes at once: what this machine gives
  two trainings at once (a virtual machine's two cores may share one physical core, or its
  caches and memory).

The servers run side by side, and every server's boards and the engine alone take their
turns in the same rounds (two_boards.py), so each is compared with the others on the same
machine, minute by minute. `--before DIR`: also the server of the checkout in that folder
(an older commit's), with the same workers and player, in the same rounds. `--rounds`:
more rounds of the same total time each, for a steadier mean on a machine whose speed
drifts (each turn is --seconds ÷ 4 long, whatever the number of rounds).

Prints each figure beside the reference server's, with the machine's core count.
"""

import os

from dialboard.blas import one_thread

one_thread()  # as the server does, before NumPy is first imported

import argparse  # noqa: E402
import asyncio  # noqa: E402
import json  # noqa: E402
import socket  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import httpx  # noqa: E402
import two_boards  # noqa: E402 (this folder: scripts run from it)
import websockets  # noqa: E402
from server_bench import _pct, meta  # noqa: E402
from two_boards import ENGINES, Rounds, against, engine_turn, mean_rates, scaling  # noqa: E402

HEAVY = {"dataset": "digits-25x25", "layers": [625, 380, 10], "batch_size": None}
PAUSES = 20


def start(workers: int, player: bool | None = None,
          cwd: str | None = None) -> tuple[subprocess.Popen[bytes], str]:
    """A server with `workers`, from this checkout or (`cwd`) the checkout in that folder."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "DIALBOARD_DATA_DIR": "", "DIALBOARD_WORKERS": str(workers),
           "DIALBOARD_MAX_SESSIONS": "100"}
    if player is not None:
        env["DIALBOARD_PLAYER"] = str(int(player))
    if cwd is not None:  # its own package first, not the installed one
        env["PYTHONPATH"] = cwd
    proc = subprocess.Popen([sys.executable, "-m", "dialboard", "--port", str(port),
                             "--log-level", "warning"], env=env, cwd=cwd)
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


async def scaling_rounds(bases: dict[str, str], seconds: float) -> dict[str, Rounds]:
    """two_boards.rounds on these servers, two digits-625 boards open on each."""
    servers = {c: [Board(base, {"preset": "digits-625"}) for _ in range(2)]
               for c, base in bases.items()}
    for boards in servers.values():
        for b in boards:
            await b.open()
    try:
        return await two_boards.rounds(servers, seconds)
    finally:
        for boards in servers.values():
            for b in boards:
                await b.close()


def line(label: str, values: list[float]) -> str:
    return (f"{label} p50 {_pct(values, 50):7.1f} ms  p99 {_pct(values, 99):7.1f} ms  "
            f"max {max(values):7.1f} ms  (n={len(values)})")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--seconds", type=float, default=8.0)
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--before-workers", type=int, default=0)
    ap.add_argument("--before", help="a checkout to measure too, e.g. an older commit's")
    ap.add_argument("--rounds", type=int, default=two_boards.ROUNDS)
    ap.add_argument("--engine-turn", nargs=2, type=float, help=argparse.SUPPRESS)
    ap.add_argument("--json", type=Path, help="also write the figures (of --workers) here")
    args = ap.parse_args()
    turn = args.seconds / two_boards.ROUNDS  # a turn's length, whatever the rounds
    two_boards.ROUNDS = args.rounds
    if args.engine_turn:
        engine_turn(*args.engine_turn)
        return
    print(f"{os.cpu_count()} cores; heavy board {HEAVY}")
    before, now = f"DIALBOARD_WORKERS={args.before_workers}", f"DIALBOARD_WORKERS={args.workers}"
    alone = f"{now}, each board in its worker (DIALBOARD_PLAYER=0)"
    servers: dict[str, tuple[subprocess.Popen[bytes], str]] = {}
    try:
        servers[before] = start(args.before_workers)
        servers[now] = start(args.workers)
        if args.workers:
            servers[alone] = start(args.workers, player=False)
        if args.before:
            servers[f"{now}, the checkout in {args.before}"] = start(
                args.workers, cwd=os.path.abspath(args.before))
        heavy = {c: asyncio.run(heavy_play(servers[c][1], args.seconds)) for c in (before, now)}
        r = asyncio.run(scaling_rounds({c: base for c, (_, base) in servers.items()},
                                       turn))
    finally:
        for proc, _ in servers.values():
            proc.terminate()
            proc.wait(60)
    report(heavy, r, alone)
    if args.json:  # with the server of --before-workers as the reference
        fig = {**figures(heavy[now], r[now], r[ENGINES]),
               "before": figures(heavy[before], r[before], r[ENGINES])}
        if alone in r:
            fig["worker_two_over_one"] = ratio(r[alone])
            fig["player_one_gain"] = against(r[now], r[alone], 0)[0]
        args.json.write_text(json.dumps(fig, indent=2))


def report(heavy: dict[str, dict[str, list[float]]], r: dict[str, Rounds], alone: str) -> None:
    """Each server's figures; then, with workers, the player's (the server after the one
    without workers) against each board in its worker (`alone`), round by round."""
    print("reference: " + scaling("the engine alone, one process or two", r[ENGINES]))
    for c in [c for c in r if c != ENGINES]:
        print(c)
        if c in heavy:
            print("    " + line("/healthz while the heavy board plays:", heavy[c]["health"]))
            print("    " + line("another board's step → frame:       ", heavy[c]["steps"]))
            print("    " + line("heavy board's pause → shown:       ", heavy[c]["pause"]))
        print("    " + scaling("digits-625 playing", r[c]) + "; two at once = "
              + against(r[c], r[ENGINES], 1)[1] + " two engines alone")
    print("    " + two_boards.clients_cpu())
    if alone in r:
        player = list(heavy)[-1]
        print(f"the player ({player} against {alone}): one alone "
              f"{against(r[player], r[alone], 0)[1]}, two at once "
              f"{against(r[player], r[alone], 1)[1]}")


def ratio(r: Rounds) -> float:
    one, two = mean_rates(r)
    return two / one


def figures(heavy: dict[str, list[float]], r: Rounds, ceiling: Rounds) -> dict[str, Any]:
    return {"cores": os.cpu_count(), "health_p99": _pct(heavy["health"], 99),
            "other_step_p99": _pct(heavy["steps"], 99), "pause_p50": _pct(heavy["pause"], 50),
            "pause_p99": _pct(heavy["pause"], 99), "two_over_one": ratio(r),
            "two_over_one_median": statistics.median(two / one for one, two in r),
            "engines_two_over_one": ratio(ceiling),
            "two_vs_engines": against(r, ceiling, 1)[0]}


if __name__ == "__main__":
    main()
