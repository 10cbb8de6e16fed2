"""Streaming figures: a presenter playing digits-625 (batch 32) with 0 and 30 viewers.

    python benchmarks/server_bench.py [--seconds 8] [--viewers 30]

Starts a real server process on loopback, prints frames/s and bytes/s for the presenter and
each viewer, training steps/s while streaming, and set → frame latency (p50, p99).
"""

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import time
from typing import Any

import httpx
import websockets


def meta(raw: bytes) -> dict[str, str]:
    n = int.from_bytes(raw[:8], "little")
    out: dict[str, str] = json.loads(raw[8 : 8 + n]).get("__metadata__", {})
    return out


class Counter:
    def __init__(self) -> None:
        self.frames = self.bytes = 0
        self.last: bytes = b""

    async def run(self, ws: Any, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                raw = await asyncio.wait_for(ws.recv(), 0.5)
            except TimeoutError:
                continue
            if isinstance(raw, bytes):
                self.frames += 1
                self.bytes += len(raw)
                self.last = raw


async def connect(base: str, sid: str) -> Any:
    ws = await websockets.connect(f"{base}/ws/sessions/{sid}", max_size=None, compression=None)
    await ws.recv()  # hello
    return ws


async def stream(base: str, preset: str, n_viewers: int, seconds: float) -> dict[str, Any]:
    created = httpx.post(f"{base.replace('ws', 'http', 1)}/api/sessions",
                         json={"preset": preset}).json()
    sid, token = created["id"], created["control_token"]
    p = await connect(base, sid)
    await p.send(json.dumps({"type": "control", "token": token}))
    viewers = [await connect(base, sid) for _ in range(n_viewers)]
    stop = asyncio.Event()
    counters = [Counter() for _ in range(n_viewers + 1)]
    tasks = [asyncio.create_task(c.run(ws, stop)) for c, ws in zip(counters, [p, *viewers],
                                                                   strict=True)]
    await asyncio.sleep(0.5)
    await p.send(json.dumps({"type": "play"}))
    await asyncio.sleep(1.0)  # warm up
    for c in counters:
        c.frames = c.bytes = 0
    step0, t0 = int(meta(counters[0].last)["step"]), time.monotonic()
    await asyncio.sleep(seconds)
    dt = time.monotonic() - t0
    steps = int(meta(counters[0].last)["step"]) - step0
    rates = [(c.frames / dt, c.bytes / dt) for c in counters]
    await p.send(json.dumps({"type": "pause"}))
    stop.set()
    await asyncio.gather(*tasks)
    latency = await set_latency(p, 200, [3, 300] if preset == "digits-625" else [0, 1])
    for ws in [p, *viewers]:
        await ws.close()
    return {"presenter": rates[0], "viewers": rates[1:], "steps_per_s": steps / dt,
            "latency": latency}


async def set_latency(p: Any, samples: int, index: list[int]) -> list[float]:
    """Turn one dial to fresh values; time until the frame carrying each value arrives."""
    out = []
    for k in range(samples):
        value = 0.001 * (k + 1)
        t0 = time.perf_counter()
        await p.send(json.dumps({"type": "set", "name": "layers.0.weight", "index": index,
                                 "value": value}))
        while True:
            raw = await p.recv()
            if isinstance(raw, bytes) and meta(raw).get("undo_levels") is not None:
                v = meta(raw)
                if int(v["version"]) > 0 and _has_value(raw, index, value):
                    break
        out.append((time.perf_counter() - t0) * 1e3)
        await asyncio.sleep(0.02)
    return out


def _has_value(raw: bytes, index: list[int], value: float) -> bool:
    import numpy as np
    from safetensors.numpy import load

    w = load(raw)["layers.0.weight"]
    return bool(w[index[0], index[1]] == np.float32(value))


def start_server(port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "DIALBOARD_MAX_SESSIONS": "100"}
    proc = subprocess.Popen([sys.executable, "-m", "dialboard", "--port", str(port), "--log-level",
                             "warning"], env=env)
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
          f"training {r['steps_per_s']:6.0f} steps/s while streaming")
    if r["viewers"]:
        vf = [f for f, _ in r["viewers"]]
        vb = [b * 8 / 1e6 for _, b in r["viewers"]]
        med = statistics.median
        print(f"    {len(vf)} viewers: frames/s min {min(vf):.1f} median {med(vf):.1f} "
              f"max {max(vf):.1f}; Mbit/s min {min(vb):.2f} median {med(vb):.2f} max {max(vb):.2f}")
    lat = sorted(r["latency"])
    p99 = lat[min(len(lat) - 1, int(0.99 * len(lat)))]
    print(f"    set → frame latency: p50 {statistics.median(lat):.1f} ms, p99 {p99:.1f} ms")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--seconds", type=float, default=8.0)
    ap.add_argument("--viewers", type=int, default=30)
    args = ap.parse_args()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = start_server(port)
    base = f"ws://127.0.0.1:{port}"
    try:
        for preset, viewers in (("digits-625", 0), ("digits-625", args.viewers),
                                ("xor", args.viewers)):
            r = asyncio.run(stream(base, preset, viewers, args.seconds))
            report(f"{preset} with {viewers} viewers", r)
    finally:
        proc.terminate()
        proc.wait(10)
    print("targets: presenter ≥ 60 frames/s; viewers ≥ 5 frames/s of digits-625 within 2 Mbit/s "
          "and ≥ 30 frames/s of xor; set → frame p50 ≤ 10 ms, p99 ≤ 30 ms with 30 viewers")


if __name__ == "__main__":
    main()
