"""Storage figures: restoring 50 sessions, and what a save costs.

    python benchmarks/storage_bench.py [--sessions 50] [--levels 10] [--preset digits-625]

Builds N boards (digits-625, mini-batches of 32, momentum: 13,150 dials each) with some
undo levels in a registry backed by SQLite in a temporary folder, stops it (everything is
saved), then times a restart: opening and checking the database and restoring every session
with its history. Beside it, as a reference from the same run, the time to create N fresh
boards. Then the cost of one save: the event loop's share (taking the session's image) and
the time until the writer thread has it on disk, beside one training step of the same board.
"""

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from dialboard.blas import one_thread

one_thread()  # as the server does, before NumPy is first imported

from dialboard.server.registry import Registry  # noqa: E402
from dialboard.server.settings import Settings  # noqa: E402
from dialboard.server.storage import SQLiteStore  # noqa: E402
from dialboard.server.storage.saver import Saver  # noqa: E402


def pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(q * len(xs)))]


async def fill(folder: Path, n: int, levels: int, config: dict[str, object]) -> float:
    reg = Registry(Settings(max_sessions=n + 1))
    reg.attach(SQLiteStore(folder))
    started = time.perf_counter()
    sessions = [reg.create(dict(config)) for _ in range(n)]
    created = time.perf_counter() - started
    for s in sessions:
        for _ in range(levels):
            with s.action("step"):
                s.trainer.step(2)
    await reg.close()
    return created


def restore(folder: Path) -> tuple[float, float, int]:
    started = time.perf_counter()
    store = SQLiteStore(folder)
    opened = time.perf_counter()
    reg = Registry(Settings())
    count = reg.attach(store)
    done = time.perf_counter()
    store.close()
    return opened - started, done - started, count


async def save_latency(folder: Path, config: dict[str, object], rounds: int) -> dict[str, float]:
    store = SQLiteStore(folder)
    reg = Registry(Settings())
    reg.attach(store)
    s = reg.create(dict(config))
    saver = Saver(store)
    saver.configs[s.id] = reg.saver.configs[s.id] if reg.saver else {}
    image_ms, disk_ms, step_ms = [], [], []
    for k in range(rounds):
        t0 = time.perf_counter()
        if k % 2:
            with s.action("step"):  # every other save carries a new undo level
                s.trainer.step()
        else:
            s.trainer.step()
        t1 = time.perf_counter()
        img = saver.image(s)
        t2 = time.perf_counter()
        store.save(img)
        await asyncio.to_thread(store.wait_written)
        t3 = time.perf_counter()
        step_ms.append((t1 - t0) * 1e3)
        image_ms.append((t2 - t1) * 1e3)
        disk_ms.append((t3 - t2) * 1e3)
    await reg.close()
    return {"image_p50": statistics.median(image_ms), "image_p99": pct(image_ms, 0.99),
            "disk_p50": statistics.median(disk_ms), "disk_p99": pct(disk_ms, 0.99),
            "step_p50": statistics.median(step_ms)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sessions", type=int, default=50)
    ap.add_argument("--levels", type=int, default=10)
    ap.add_argument("--preset", default="digits-625")
    ap.add_argument("--rounds", type=int, default=200)
    args = ap.parse_args()
    config: dict[str, object] = {"preset": args.preset, "batch_size": 32, "momentum": 0.5}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "data"
        created = asyncio.run(fill(folder, args.sessions, args.levels, config))
        size = sum(f.stat().st_size for f in folder.iterdir()) / 2**20
        opened, total, count = restore(folder)
        print(f"{args.sessions} × {args.preset} (batch 32, momentum), {args.levels} undo levels "
              f"each; database {size:.1f} MiB")
        print(f"  restore {count} sessions: {total:.2f} s "
              f"(open and check the file {opened * 1e3:.0f} ms)")
        print(f"  reference, same run: create {args.sessions} fresh boards: {created:.2f} s")
        lat = asyncio.run(save_latency(Path(tmp) / "lat", config, args.rounds))
        print(f"  one save: on the event loop {lat['image_p50']:.3f} ms p50, "
              f"{lat['image_p99']:.3f} ms p99; until on disk (writer thread) "
              f"{lat['disk_p50']:.2f} ms p50, {lat['disk_p99']:.2f} ms p99")
        print(f"  reference, same run: one training step {lat['step_p50']:.2f} ms p50")


if __name__ == "__main__":
    main()
