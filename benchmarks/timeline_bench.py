"""Time travel's cost on the 625 board: the memory the kept history takes for 2,000 steps of
training, and how long `travel` takes to show an earlier step, beside one bare engine step
and one snapshot's size measured in the same run.

    python benchmarks/timeline_bench.py [--steps 2000]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

from dialboard.server.history import snapshot_bytes
from dialboard.server.session_config import build, resolve
from dialboard.server.timeline import Timeline, bound, spacing


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=2000)
    args = ap.parse_args()
    t = build(resolve({"preset": "digits-625"}), max_parameters=10**9)
    timeline = Timeline(max_bytes=bound(t.arch.parameter_count, t.data.x_train.shape[0]))
    timeline.changed(t)
    bare = []
    for _ in range(args.steps):
        a = time.perf_counter()
        t.step()
        bare.append(time.perf_counter() - a)
        timeline.trained(t)
    probe = build(resolve({"preset": "digits-625"}), max_parameters=10**9)
    waits = []
    for step in range(args.steps, 0, -97):   # every replay length from 0 to spacing − 1
        a = time.perf_counter()
        timeline.state_at(probe, step)
        waits.append(time.perf_counter() - a)
    one = snapshot_bytes(t.snapshot())
    print(f"cores: {os.cpu_count()}; 625 board, batch 32; {args.steps} steps kept")
    print(f"  keyframes                 {len(timeline.keys)} (one every {spacing(t)} steps)")
    print(f"  kept history              {timeline.nbytes / 2**20:.1f} MiB "
          f"(this board's bound {timeline.max_bytes / 2**20:.0f} MiB; one snapshot "
          f"{one / 2**10:.0f} KiB)")
    print(f"  travel to a step, median  {statistics.median(waits) * 1e3:.1f} ms, "
          f"worst {max(waits) * 1e3:.1f} ms")
    print(f"  one bare engine step      {statistics.median(bare) * 1e3:.2f} ms (median)")


if __name__ == "__main__":
    main()
