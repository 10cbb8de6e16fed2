"""One heavy board must not hold up the server or another class (issue 12, goal 3).

    python benchmarks/workers_bench.py [--seconds 8] [--workers 1] [--before-workers 0]

Starts a real server process with sessions in a worker process (`DIALBOARD_WORKERS`), and
the same server with them in the web process as the reference, and on each:

- plays the heavy board ([625, 380, 10] on digits-25x25 at full batch) and, meanwhile,
  times `/healthz` (every 20 ms) and another board's `step` → the frame showing that step
  (digits-625), then how long the heavy board's `pause` takes to show (20 times, playing a
  couple of steps in between);
- plays two digits-625 boards (batch 32) at once and one alone, in turns: aggregate
  steps/s.

Prints each figure beside the reference server's, with the machine's core count.
"""

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import asyncio  # noqa: E402
import json  # noqa: E402
import socket  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from typing import Any  # noqa: E402

import httpx  # noqa: E402
import websockets  # noqa: E402
from server_bench import _pct, meta  # noqa: E402 (this folder: scripts run from it)

HEAVY = {"dataset": "digits-25x25", "layers": [625, 380, 10], "batch_size": None}
PAUSES = 20
ROUNDS = 4  # of one board alone and two at once, in turns


def start(workers: int) -> tuple[subprocess.Popen[bytes], str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "DIALBOARD_DATA_DIR": "", "DIALBOARD_WORKERS": str(workers),
           "DIALBOARD_MAX_SESSIONS": "100"}
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
    t0 = time.monotonic()
    await asyncio.sleep(seconds)
    dt = time.monotonic() - t0
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


def measure(workers: int, seconds: float) -> dict[str, Any]:
    proc, base = start(workers)
    try:
        out: dict[str, Any] = asyncio.run(heavy_play(base, seconds))
        out["rounds"] = asyncio.run(one_and_two(base, seconds))
    finally:
        proc.terminate()
        proc.wait(60)
    return out


def line(label: str, values: list[float]) -> str:
    return (f"{label} p50 {_pct(values, 50):7.1f} ms  p99 {_pct(values, 99):7.1f} ms  "
            f"max {max(values):7.1f} ms  (n={len(values)})")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--seconds", type=float, default=8.0)
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--before-workers", type=int, default=0)
    args = ap.parse_args()
    print(f"{os.cpu_count()} cores; heavy board {HEAVY}")
    for workers in (args.before_workers, args.workers):
        r = measure(workers, args.seconds)
        print(f"DIALBOARD_WORKERS={workers}")
        print("    " + line("/healthz while the heavy board plays:", r["health"]))
        print("    " + line("another board's step → frame:       ", r["steps"]))
        print("    " + line("heavy board's pause → shown:       ", r["pause"]))
        one, two = (sum(v) / len(v) for v in zip(*r["rounds"], strict=True))
        each = ", ".join(f"{b / a:.2f}" for a, b in r["rounds"])
        print(f"    digits-625 playing: one alone {one:.0f} steps/s, two at once {two:.0f} "
              f"steps/s together ({two / one:.2f}×; each round: {each})")


if __name__ == "__main__":
    main()
