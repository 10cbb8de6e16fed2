"""Engine speed on the explanation's 625-20-20-10 network with digits-25x25. Prints figures.

    python benchmarks/engine_bench.py [--seconds 2]

Where PyTorch is importable the same network (CPU, float64, same batch) is timed in the same
run and the ratio printed.
"""

import argparse
import os
import statistics
import time
from collections.abc import Callable

# As the server does (app/__main__.py): one BLAS thread; two only contend on tiny matrices.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402

from dialboard.engine import Architecture, TrainConfig, Trainer, load_dataset  # noqa: E402

SIZES = (625, 20, 20, 10)


def make(batch: int | None) -> Trainer:
    data = load_dataset("digits-25x25", seed=0)
    arch = Architecture(SIZES, "sigmoid", "softmax", "cross_entropy")
    return Trainer(arch, data, TrainConfig(learning_rate=0.5, batch_size=batch), seed=0)


def rate(fn: Callable[[], None], seconds: float) -> tuple[float, float]:
    """Calls per wall-clock second and per CPU second of this process, over about `seconds`.
    On a busy machine the second is the steadier figure."""
    fn()
    n, start, cpu = 0, time.perf_counter(), time.process_time()
    while time.perf_counter() - start < seconds:
        for _ in range(10):
            fn()
        n += 10
    return n / (time.perf_counter() - start), n / (time.process_time() - cpu)


def median_ms(fn: Callable[[], None], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(times)


def torch_rate(batch: int | None, seconds: float) -> tuple[float, float] | None:
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(1)  # as our BLAS: one thread beats two on matrices this small
    data = load_dataset("digits-25x25", seed=0)
    x = torch.from_numpy(data.x_train)
    y = torch.from_numpy(data.y_train.argmax(axis=1))
    model = torch.nn.Sequential(
        torch.nn.Linear(625, 20), torch.nn.Sigmoid(), torch.nn.Linear(20, 20), torch.nn.Sigmoid(),
        torch.nn.Linear(20, 10),
    ).double()
    opt = torch.optim.SGD(model.parameters(), lr=0.5)
    loss_fn = torch.nn.CrossEntropyLoss()
    gen = torch.Generator().manual_seed(0)
    state = {"perm": torch.randperm(x.shape[0], generator=gen), "cursor": 0}

    def step() -> None:
        if batch is None:
            xb, yb = x, y
        else:
            if state["cursor"] + batch > x.shape[0]:  # type: ignore[operator]
                state["perm"], state["cursor"] = torch.randperm(x.shape[0], generator=gen), 0
            idx = state["perm"][state["cursor"] : state["cursor"] + batch]  # type: ignore[index,operator]
            state["cursor"] += batch  # type: ignore[operator]
            xb, yb = x[idx], y[idx]
        opt.zero_grad()
        loss_fn(model(xb), yb).backward()
        opt.step()

    return rate(step, seconds)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--seconds", type=float, default=2.0)
    args = ap.parse_args()
    n_train = load_dataset("digits-25x25", seed=0).x_train.shape[0]
    print(f"625-20-20-10 (13,100 weights, 50 biases), digits-25x25, {n_train} training images")
    print("steps/s: wall clock | per CPU second")
    for batch in (1, 32, None):
        ours = rate(make(batch).step, args.seconds)
        label = "full batch" if batch is None else f"batch {batch}"
        line = (f"{label:>10}: {ours[0]:6.0f} | {ours[1]:6.0f}  ({1e3 / ours[0]:.3f} ms/step)")
        theirs = torch_rate(batch, args.seconds)
        if theirs is not None:
            line += (f"   PyTorch {theirs[0]:6.0f} | {theirs[1]:6.0f}   ratio "
                     f"{ours[0] / theirs[0]:.2f}x | {ours[1] / theirs[1]:.2f}x")
        print(line)
    t = make(32)
    t.cost()
    rng = np.random.default_rng(1)

    def set_and_cost() -> None:
        name = "layers.0.weight" if rng.random() < 0.9 else "layers.1.weight"
        shape = t.arch.shape(name)
        t.set_value(name, [int(rng.integers(shape[0])), int(rng.integers(shape[1]))],
                    float(rng.normal()))
        t.cost()

    print(f"cost after one set (median):      {median_ms(set_and_cost, 500):.3f} ms")

    def cost_and_gradient() -> None:
        t.screen.invalidate()
        t.cost()
        t.gradient()

    print(f"cost + full gradient (median):    {median_ms(cost_and_gradient, 200):.3f} ms")
    print("targets: >= 3000 steps/s at batch 32, full batch <= 7 ms, set->cost <= 1 ms, "
          "cost+gradient <= 6 ms, >= 2x PyTorch at batch 32")


if __name__ == "__main__":
    main()
