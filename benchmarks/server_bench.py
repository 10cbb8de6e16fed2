"""Streaming figures: a presenter playing digits-625 (batch 32) with 0 and 30 viewers.

    python benchmarks/server_bench.py [--seconds 8] [--viewers 30] [--before DIR] [--share]

Starts a real server process on loopback, prints frames/s and bytes/s for the presenter and
each viewer, training steps/s while streaming, how often the screen's figures refresh, and
set → frame latency (p50, p99: the frame showing the turned dial, and the one with its
arrows). The run with viewers on digits-625 plays in turns; after each, while the board is
paused and the server idles, this process takes a turn of each reference (interleave.py):
the engine alone (the preset's own trainer stepping with nothing around it), the bare engine
(its maths straight in NumPy) and PyTorch where it is importable. `--before DIR`: a second
server run from another checkout of the project (e.g. an export of an older commit).
`--share` (with py-spy installed): one more turn, not counted, while py-spy samples the
session's process: the share of its time in training steps, and where the rest went (spy.py).
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
import spy  # noqa: E402
import websockets  # noqa: E402
from bench_refs import blas_kernels, torch_version  # noqa: E402 (this folder: scripts run from it)
from interleave import BUSY, ROUNDS, References, Tally  # noqa: E402
from spy import cpu_seconds, run_and_wait, workers_cpu  # noqa: E402

from dialboard.server.frames import PRESENTER_FPS, TRAINING_FPS  # noqa: E402


def meta(raw: bytes) -> dict[str, str]:
    n = int.from_bytes(raw[:8], "little")
    out: dict[str, str] = json.loads(raw[8 : 8 + n]).get("__metadata__", {})
    return out


class Counter:
    """A socket's frames, counted only while `counting` (the app's turns)."""

    def __init__(self) -> None:
        self.frames = self.bytes = 0
        self.counting = False
        self.last: bytes = b""
        self.costs: set[str] = set()  # distinct screen figures seen: the screen's refreshes
        self.still = asyncio.Event()  # the last frame says the board is not playing

    async def run(self, ws: Any, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                raw = await asyncio.wait_for(ws.recv(), 0.5)
            except TimeoutError:
                continue
            if isinstance(raw, bytes):
                self.last = raw
                m = meta(raw)
                (self.still.clear if m["playing"] == "true" else self.still.set)()
                if self.counting:
                    self.frames += 1
                    self.bytes += len(raw)
                    self.costs.add(m.get("cost_step", m["step"]) + "/" + m["test_cost"])


async def connect(base: str, sid: str) -> Any:
    ws = await websockets.connect(f"{base}/ws/sessions/{sid}", max_size=None, compression=None)
    await ws.recv()  # hello
    return ws


async def stream(base: str, preset: str, n_viewers: int, seconds: float, pid: int,
                 refs: References | None, share: bool = False) -> dict[str, Any]:
    """Play in ROUNDS turns (one without `refs`); after each, paused, a turn of `refs`.
    `share`: then a turn, not counted, while py-spy samples the session's process."""
    created = httpx.post(f"{base.replace('ws', 'http', 1)}/api/sessions",
                         json={"preset": preset}).json()
    sid, token = created["id"], created["control_token"]
    p = await connect(base, sid)
    await p.send(json.dumps({"type": "control", "token": token}))
    viewers = [await connect(base, sid) for _ in range(n_viewers)]
    # The presenter's counter stops before the dial turns (which read its socket); the
    # viewers read on through them, as a class does.
    stops = [asyncio.Event() for _ in range(2)]
    counters = [Counter() for _ in range(n_viewers + 1)]
    tasks = [asyncio.create_task(c.run(ws, stops[k > 0]))
             for k, (c, ws) in enumerate(zip(counters, [p, *viewers], strict=True))]
    await asyncio.sleep(0.5)
    app, own = Tally(), Tally()  # steps: wall and the server's CPU s; the session's own CPU s
    # The session's own process: seconds run, waited for a core; this process's CPU s, wall s.
    waits, clients = [0.0, 0.0], [0.0, 0.0]
    rounds = 1 if refs is None else ROUNDS
    for k in range(rounds):
        await p.send(json.dumps({"type": "play"}))
        await asyncio.sleep(1.0 if k == 0 else 0.3)  # warm up
        mine, t0 = time.process_time(), time.monotonic()
        await counted_turn(counters, pid, seconds / rounds, app, own, waits)
        clients[0] += time.process_time() - mine
        clients[1] += time.monotonic() - t0
        await p.send(json.dumps({"type": "pause"}))
        await counters[0].still.wait()
        if refs is not None:
            refs.turn(seconds / rounds / 2)
    # A turn of its own, not counted: py-spy pauses the process for each sample.
    shares = await sampled(p, counters[0], pid, seconds / rounds) if share else None
    stops[0].set()
    await tasks[0]
    latency = await set_latency(p, 200, [3, 300] if preset == "digits-625" else [0, 1])
    stops[1].set()
    await asyncio.gather(*tasks)
    for ws in [p, *viewers]:
        await ws.close()
    rates = [(c.frames / app.wall, c.bytes / app.wall) for c in counters]
    return {"presenter": rates[0], "viewers": rates[1:], "steps_per_s": app.per_wall,
            "steps_per_cpu_s": app.per_cpu, "latency": latency,
            "steps_per_trainer_cpu_s": own.per_wall, "turns": app.turns,
            "trainer_waited": waits[1] / max(sum(waits), 1e-9),
            "clients_cpu": clients[0] / max(clients[1], 1e-9),
            "screen_hz": len(counters[0].costs) / app.wall, "share": shares}


async def counted_turn(counters: list[Counter], pid: int, seconds: float, app: Tally,
                       own: Tally, waits: list[float]) -> None:
    """Count frames for `seconds` of play; add its steps to `app` (wall and the server's CPU
    seconds), `own` (CPU seconds of the session's own process) and `waits` (its seconds run
    and waited for a core)."""
    for c in counters:
        c.counting = True
    step0, t0, cpu0 = int(meta(counters[0].last)["step"]), time.monotonic(), cpu_seconds(pid)
    own0 = workers_cpu(pid)
    sched0 = {w: run_and_wait(w) for w in own0}
    await asyncio.sleep(seconds)
    dt, cpu = time.monotonic() - t0, cpu_seconds(pid) - cpu0
    # The session's own process: the one under the server that worked most, its player or
    # its worker (its CPU, not its wall time, says what the app costs beside training,
    # whatever else the machine runs).
    worked = {w: c - own0.get(w, 0.0) for w, c in workers_cpu(pid).items()}
    busiest = max(worked, key=lambda w: worked[w])
    (run0, wait0), (run1, wait1) = sched0.get(busiest, (0.0, 0.0)), run_and_wait(busiest)
    steps = int(meta(counters[0].last)["step"]) - step0
    for c in counters:
        c.counting = False
    app.add(steps, dt, cpu)
    own.add(steps, worked[busiest], worked[busiest])
    waits[0] += run1 - run0
    waits[1] += wait1 - wait0


async def sampled(p: Any, presenter: Counter, pid: int,
                  seconds: float) -> tuple[float, list[tuple[str, float]]] | None:
    """Play a turn while py-spy samples the board's process (the one under the server
    busiest as it plays: its player or its worker): the share of its time in training
    steps, and where the rest went."""
    await p.send(json.dumps({"type": "play"}))
    await asyncio.sleep(0.3)
    before = workers_cpu(pid)
    await asyncio.sleep(0.3)  # the busiest now: a board may have moved to its player
    busy = {w: c - before.get(w, 0.0) for w, c in workers_cpu(pid).items()}
    sampler = spy.Sampler(max(busy, key=lambda w: busy[w]), seconds)
    out = await asyncio.to_thread(sampler.done)  # py-spy's own duration; sockets read on
    await p.send(json.dumps({"type": "pause"}))
    await presenter.still.wait()
    return out


async def set_latency(p: Any, samples: int, index: list[int]
                      ) -> tuple[list[float], list[float]]:
    """Turn one dial to fresh values; time until the frame carrying each value arrives, and
    until the frame carrying it with its arrows (the same one when it has them)."""
    first, full = [], []
    for k in range(samples):
        value = 0.001 * (k + 1)
        t0 = time.perf_counter()
        await p.send(json.dumps({"type": "set", "name": "layers.0.weight", "index": index,
                                 "value": value}))
        seen = None
        while True:
            raw = await p.recv()
            if not isinstance(raw, bytes) or int(meta(raw)["version"]) == 0:
                continue
            tensors = _with_value(raw, index, value)
            if tensors is None:
                continue
            if seen is None:
                seen = time.perf_counter()
            if "layers.0.weight.update" in tensors:
                break
        first.append((seen - t0) * 1e3)
        full.append((time.perf_counter() - t0) * 1e3)
        await asyncio.sleep(0.02)
    return first, full


def _with_value(raw: bytes, index: list[int], value: float) -> dict[str, Any] | None:
    import numpy as np
    from safetensors.numpy import load

    tensors = load(raw)
    w = tensors["layers.0.weight"]  # a presenter's: F64 (an older checkout's: F32)
    return tensors if w[index[0], index[1]] == np.asarray(value, dtype=w.dtype) else None


def start_server(port: int, cwd: str | None = None) -> subprocess.Popen[bytes]:
    """The server, from this checkout or (`cwd`) from the checkout in that folder."""
    env = {**os.environ, "DIALBOARD_MAX_SESSIONS": "100", "DIALBOARD_DATA_DIR": ""}
    if cwd is not None:  # its own package first, not the installed one
        env["PYTHONPATH"] = cwd
    proc = subprocess.Popen([sys.executable, "-m", "dialboard", "--port", str(port), "--log-level",
                             "warning"], env=env, cwd=cwd)
    for _ in range(100):
        try:
            httpx.get(f"http://127.0.0.1:{port}/healthz")
            return proc
        except httpx.HTTPError:
            time.sleep(0.1)
    raise RuntimeError("server did not start")


def report(label: str, r: dict[str, Any]) -> None:
    fps, bps = r["presenter"]
    print(f"{label}: presenter {fps:5.1f} frames/s, {bps * 8 / 1e6:6.2f} Mbit/s; "
          f"training {r['steps_per_s']:6.0f} steps/s while streaming, "
          f"{r['steps_per_cpu_s']:6.0f} per second of the server's CPU, "
          f"{r['steps_per_trainer_cpu_s']:6.0f} per CPU second of its own process")
    if r["viewers"]:
        vf = [f for f, _ in r["viewers"]]
        vb = [b * 8 / 1e6 for _, b in r["viewers"]]
        med = statistics.median
        print(f"    {len(vf)} viewers: frames/s min {min(vf):.1f} median {med(vf):.1f} "
              f"max {max(vf):.1f}; Mbit/s min {min(vb):.2f} median {med(vb):.2f} max {max(vb):.2f}")
    first, full = r["latency"]
    print(f"    set → frame latency: p50 {_pct(first, 50):.1f} ms, p99 {_pct(first, 99):.1f} ms; "
          f"→ its arrows: p50 {_pct(full, 50):.1f} ms, p99 {_pct(full, 99):.1f} ms")
    print(f"    screen figures while playing: {r['screen_hz']:.1f} refreshes/s")


def _pct(values: list[float], q: int) -> float:
    v = sorted(values)
    return v[min(len(v) - 1, int(q / 100 * len(v)))] if q < 100 else v[-1]


def run_server(label: str, cwd: str | None, seconds: float, viewers: int, only: str | None,
               refs: References, share: bool) -> dict[str, Any]:
    """The runs of one server; its run with viewers on digits-625 takes turns with `refs`."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = start_server(port, cwd)
    base = f"ws://127.0.0.1:{port}"
    out: dict[str, Any] = {}
    try:
        for preset, n in (("digits-625", 0), ("digits-625", viewers), ("xor", viewers)):
            if only is not None and preset != only:
                continue
            goal = preset == "digits-625" and n == viewers
            if goal:
                refs.reset()
            r = asyncio.run(stream(base, preset, n, seconds, proc.pid, refs if goal else None,
                                   share and goal))
            report(f"{label}: {preset} with {n} viewers", r)
            if goal:
                out = {"app": r, "refs": refs.tallies}
    finally:
        proc.terminate()
        proc.wait(10)
    return out


def compare(label: str, viewers: int, run: dict[str, Any]) -> None:
    r, tallies = run["app"], run["refs"]
    print(f"{label}: references in the same turns (steps per wall | CPU second): " + "; ".join(
        f"{k} {t.per_wall:.0f} | {t.per_cpu:.0f}" for k, t in tallies.items()))
    w, c, own = r["steps_per_s"], r["steps_per_cpu_s"], r["steps_per_trainer_cpu_s"]
    vs = "; ".join(f"{w / t.per_wall:.2f}× | {c / t.per_cpu:.2f}× {k}"
                   for k, t in tallies.items())
    print(f"{label}: through the app with a presenter and {viewers} viewers "
          f"{w:.0f} | {c:.0f} steps per wall | CPU second = {vs}")
    alone = tallies["engine alone"]
    turns = ", ".join(f"{a / e:.2f}" for a, e in zip(r["turns"], alone.turns, strict=True))
    print(f"    each turn against the engine alone's next turn: {turns}")
    if BUSY in tallies:
        print(f"    the machine's ceiling beside other work: the engine alone with another core "
              f"busy ran {tallies[BUSY].per_wall / alone.per_wall:.2f}× the engine alone; "
              f"through the app {w / tallies[BUSY].per_wall:.2f}× that")
    print(f"    the session's own process: {own:.0f} steps per CPU second = "
          f"{own / alone.per_cpu:.2f}× the engine alone's (what the app costs beside "
          f"training, whatever else shares the cores); it waited for a core "
          f"{r['trainer_waited']:.1%} of the time it could run (other processes on its core, "
          f"among them this benchmark's {viewers + 1} clients: {r['clients_cpu']:.0%} of a core)")
    if r["share"] is not None:
        part, places = r["share"]
        print(f"    py-spy, the session's process through a turn of its own: {part:.1%} of its "
              "time in training steps; the rest: " + "; ".join(
                  f"{k} {v:.1%}" for k, v in places))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--seconds", type=float, default=8.0)
    ap.add_argument("--viewers", type=int, default=30)
    ap.add_argument("--before", help="a checkout to measure too, e.g. an older commit's")
    ap.add_argument("--only", help="one preset (digits-625 or xor)")
    ap.add_argument("--share", action="store_true", help="with py-spy: the share of the "
                    "session's process in training steps")
    ap.add_argument("--json", type=Path, help="also write the figures here")
    args = ap.parse_args()
    print(f"cores: {os.cpu_count()}; load average (1 min) {os.getloadavg()[0]:.2f}; "
          f"PyTorch {torch_version() or 'not installed'}; {blas_kernels()}")
    refs = References()
    share = args.share and spy.available()
    runs = {"now": run_server("now", None, args.seconds, args.viewers, args.only, refs, share)}
    if args.before:
        runs["before"] = run_server("before", os.path.abspath(args.before), args.seconds,
                                    args.viewers, args.only, refs, share)
    for label, run in runs.items():
        if run:
            compare(label, args.viewers, run)
    print(f"load average (1 min) {os.getloadavg()[0]:.2f} at the end")
    print("targets: with 30 viewers training ≥ 0.9× the engine alone and ≥ 2× PyTorch; screen "
          f"figures ≥ 10 refreshes/s while playing; presenter {PRESENTER_FPS:.0f} frames/s "
          f"({TRAINING_FPS:.0f} while the board trains in its worker, as with "
          "DIALBOARD_PLAYER=0); viewers ≥ 5 "
          "frames/s of digits-625 within 2 Mbit/s and ≥ 30 frames/s of xor; set → frame "
          "p50 ≤ 5 ms, p99 ≤ 15 ms with 30 viewers")
    if args.json and runs["now"]:
        args.json.write_text(json.dumps(figures(runs["now"]), indent=2))


def figures(run: dict[str, Any]) -> dict[str, Any]:
    """The run with viewers on digits-625, and its references' steps per wall second."""
    r, tallies = run["app"], run["refs"]
    first, _ = r["latency"]
    return {"cores": os.cpu_count(), "blas": blas_kernels(), "steps_per_s": r["steps_per_s"],
            "refs": {k: t.per_wall for k, t in tallies.items()},
            "set_frame_p50": _pct(first, 50), "set_frame_p99": _pct(first, 99),
            "screen_hz": r["screen_hz"], "presenter_fps": r["presenter"][0]}


if __name__ == "__main__":
    main()
