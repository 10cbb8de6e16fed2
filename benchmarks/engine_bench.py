"""Engine speed on the explanation's 625-20-20-10 network with digits-25x25, each figure beside
its references measured in the same run.

    python benchmarks/engine_bench.py [--seconds 1.5] [--rounds 3]

References: the bare engine (the same maths written straight in NumPy: no trainer, trace,
locks or limit: the floor on this BLAS), for full-batch work the engine on one core and on
both cores always (it chooses between the two as it runs), and PyTorch where it is
importable (CPU, float64, same batch, the faster of one thread and all cores). Contenders take
turns, `rounds` times, `seconds` each in all; the medians are printed as wall-clock and CPU
milliseconds of this process (steadier on a busy machine; with two threads working it counts
both).
"""

import argparse
import functools
import json
import os
import statistics
import time
from collections.abc import Callable
from math import nan
from pathlib import Path

# The engine splits large products itself.
from dialboard.blas import one_thread

one_thread()  # as the server does, before NumPy is first imported

import numpy as np  # noqa: E402
from bench_refs import Bare, TorchNet, blas_kernels, torch_version  # noqa: E402  (this folder)

from dialboard.engine import (  # noqa: E402
    Architecture,
    TrainConfig,
    Trainer,
    cores,
    load_dataset,
    next_update,
)

SIZES = (625, 20, 20, 10)
Fn = Callable[[], object]
Contender = tuple[str, Fn, Callable[[], None]]  # label, call, set-up before each turn


def make(batch: int | None) -> Trainer:
    data = load_dataset("digits-25x25", seed=0)
    arch = Architecture(SIZES, "sigmoid", "softmax", "cross_entropy")
    return Trainer(arch, data, TrainConfig(learning_rate=0.5, batch_size=batch), seed=0)


def median_ms(fn: Fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(times)


def timed_turn(fn: Fn, seconds: float) -> tuple[int, float, float]:
    """(calls, wall s, CPU s) of calling `fn` for about `seconds`, after one untimed call."""
    fn()
    n, start, cpu = 0, time.perf_counter(), time.process_time()
    while n < 3 or time.perf_counter() - start < seconds:
        fn()
        n += 1
    return n, time.perf_counter() - start, time.process_time() - cpu


def turn(fn: Fn, seconds: float) -> tuple[float, float]:
    """(wall ms, CPU ms) per call over about `seconds`."""
    n, wall, cpu = timed_turn(fn, seconds)
    return wall * 1e3 / n, cpu * 1e3 / n


def race(contenders: list[Contender], seconds: float, rounds: int
         ) -> list[tuple[str, float, float]]:
    """Each contender's median (wall ms, CPU ms) over `rounds` interleaved turns."""
    got: list[list[tuple[float, float]]] = [[] for _ in contenders]
    for _ in range(rounds):
        for k, (_, fn, setup) in enumerate(contenders):
            setup()
            got[k].append(turn(fn, seconds / rounds))
    cores.HELPERS = None
    return [(label, statistics.median(w for w, _ in g), statistics.median(c for _, c in g))
            for (label, _, _), g in zip(contenders, got, strict=True)]


def measured() -> None:
    cores.HELPERS = None  # the pool joins in when that has lately been faster


def one_core() -> None:
    cores.HELPERS = False


def both_cores() -> None:
    cores.HELPERS = True


def report(title: str, rows: list[tuple[str, float, float]], per_step: bool
           ) -> tuple[float, float]:
    """Prints the engine's row, then each reference with how many times faster the engine is
    (wall | CPU). Returns the engine's (wall, CPU) ms."""
    print(title)
    _, w0, c0 = rows[0]
    for label, w, c in rows:
        rate = f"{1e3 / w:8.0f} |{1e3 / c:6.0f} /s" if per_step else " " * 18
        vs = "" if label == rows[0][0] else f"   engine {w / w0:5.2f}× | {c / c0:5.2f}×"
        print(f"  {label:<27}{w:8.3f} |{c:7.3f} ms {rate}{vs}")
    return w0, c0


def torch_pair(batch: int | None, what: str) -> list[Contender]:
    """PyTorch on one thread and on all cores (its default), if it is installed."""
    if torch_version() is None:
        return []
    net = TorchNet(batch)
    fn = net.step if what == "step" else net.cost_and_gradient
    return [(f"PyTorch, {k} thread{'s' * (k > 1)}", fn, functools.partial(net.threads, k))
            for k in sorted({1, cores.CORES})]


def best_torch(rows: list[tuple[str, float, float]]) -> list[tuple[str, float, float]]:
    torch_rows = [r for r in rows if r[0].startswith("PyTorch")]
    rest = [r for r in rows if not r[0].startswith("PyTorch")]
    return rest + ([min(torch_rows, key=lambda r: r[1])] if torch_rows else [])


def engines(fn: Fn, full: bool) -> list[Contender]:
    """The engine as it runs, and for full-batch work on one core and on both always."""
    out: list[Contender] = [("engine", fn, measured)]
    if full and cores.CORES > 1:
        out += [("engine, one core", fn, one_core), ("engine, both cores always", fn, both_cores)]
    return out


def steps(seconds: float, rounds: int) -> dict[str, float]:
    out = {}
    for batch in (1, 32, None):
        label = "full batch" if batch is None else f"batch {batch}"
        t, bare = make(batch), Bare(batch)
        rows = race([*engines(t.step, batch is None), ("bare engine (NumPy)", bare.step, measured),
                     *torch_pair(batch, "step")], seconds, rounds)
        rows = best_torch(rows)
        out[label], out[f"{label}, CPU"] = report(f"{label} step", rows, per_step=True)
        ref = rows[-1] if rows[-1][0].startswith("PyTorch") else (label, nan, nan)
        out[f"{label} vs torch"] = ref[1] / out[label]
        out[f"{label} vs torch, CPU"] = ref[2] / out[f"{label}, CPU"]
    return out


def screen_figures(seconds: float, rounds: int) -> dict[str, float]:
    t, bare = make(None), Bare(None)

    def cost_and_gradient() -> None:
        t.screen.invalidate()
        t.cost()
        t.gradient()

    rows = race([*engines(cost_and_gradient, True),
                 ("bare engine (NumPy)", bare.cost_and_gradient, measured),
                 *torch_pair(None, "grad")], seconds, rounds)
    wall, cpu = report("cost + full gradient (the screen after any change)", best_torch(rows),
                       per_step=False)
    out = {"cost + gradient": wall, "cost + gradient, CPU": cpu}
    p = make(None)

    def play() -> None:  # what the server does per step while it plays and streams
        p.step()
        p.cost()
        p.gradient()
        next_update(p)

    def bare_play() -> None:
        bare.step()
        bare.cost_and_gradient()

    rows = race([("engine", play, measured), ("bare: step + cost, grad", bare_play, measured)],
                seconds, rounds)
    report("full-batch play: step, cost, gradient and next update (a streamed frame's work)",
           rows, per_step=True)
    return out


def set_and_cost_ms() -> tuple[float, float]:
    t = make(32)
    t.cost()
    rng = np.random.default_rng(1)

    def set_and_cost() -> None:
        name = "layers.0.weight" if rng.random() < 0.9 else "layers.1.weight"
        shape = t.arch.shape(name)
        t.set_value(name, [int(rng.integers(shape[0])), int(rng.integers(shape[1]))],
                    float(rng.normal()))
        t.cost()

    def full_cost() -> None:
        t.screen.invalidate()
        t.cost()

    return median_ms(set_and_cost, 500), median_ms(full_cost, 100)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--seconds", type=float, default=1.5, help="per contender and figure")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--json", type=Path, help="also write the figures here")
    args = ap.parse_args()
    n_train = load_dataset("digits-25x25", seed=0).x_train.shape[0]
    tv = torch_version()
    print(f"625-20-20-10 (13,100 weights, 50 biases), digits-25x25, {n_train} training images, "
          f"float64")
    print(f"cores: {os.cpu_count()} (this process may use {cores.CORES}); NumPy "
          f"{np.__version__}, BLAS threads {os.environ['OPENBLAS_NUM_THREADS']}; the engine "
          f"cuts products of ≥ {cores.SPLIT_WORK:,} multiply-adds in {cores.CORES} pieces "
          f"and runs them on as many threads when that has lately been faster; "
          f"PyTorch {tv or 'not installed'}")
    print(blas_kernels())
    load0 = os.getloadavg()[0]
    print("medians of interleaved turns: wall | CPU ms per call; 'engine N×' = how many times "
          "faster the engine is than that reference")
    fig = steps(args.seconds, args.rounds) | screen_figures(args.seconds, args.rounds)
    set_ms, full_ms = set_and_cost_ms()
    print(f"cost after one set (median): {set_ms:.3f} ms   (a full forward pass: {full_ms:.3f} "
          f"ms, engine {full_ms / set_ms:.1f}×)")
    print(f"load average (1 min) {load0:.2f} at the start, {os.getloadavg()[0]:.2f} at the end")
    print(f"targets (wall | CPU): batch 32 ≥ 2.5× PyTorch: {fig['batch 32 vs torch']:.2f}× | "
          f"{fig['batch 32 vs torch, CPU']:.2f}×; full-batch step ≤ 5 ms: "
          f"{fig['full batch']:.2f} | {fig['full batch, CPU']:.2f} ms; cost + full gradient "
          f"≤ 5 ms: {fig['cost + gradient']:.2f} | {fig['cost + gradient, CPU']:.2f} ms; cost "
          f"after one set ≤ 1 ms: {set_ms:.2f} ms")
    if args.json:
        args.json.write_text(json.dumps({"cores": os.cpu_count(), "torch": tv,
                                         "blas": blas_kernels(), **fig,
                                         "cost after one set": set_ms}, indent=2))


if __name__ == "__main__":
    main()
