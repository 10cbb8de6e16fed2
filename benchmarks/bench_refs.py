"""References for engine_bench: the engine's maths straight in NumPy, and PyTorch.

Both train 625-20-20-10 (sigmoid hidden, softmax + cross-entropy, SGD η = 0.5) on
digits-25x25 in float64 from the engine's own starting parameters, drawing mini-batches as
the engine does: a fresh permutation each epoch.
"""

import importlib.util
import os

import numpy as np

from dialboard.engine import Architecture, load_dataset
from dialboard.engine.network import init_params

SIZES = (625, 20, 20, 10)
LR = 0.5
Array = np.ndarray


def torch_version() -> str | None:
    if importlib.util.find_spec("torch") is None:
        return None
    import torch

    return str(torch.__version__)


# Set together by an environment whose older OpenBLAS builds computed wrong results or crashed
# on some CPUs; they slow a current OpenBLAS (on AVX-512: Haswell kernels, blocked for a
# smaller L2), so a benchmark against it runs without both.
OPENBLAS_FORCING = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")


def forcing() -> dict[str, str]:
    """Those of OPENBLAS_FORCING this environment sets, with their values."""
    return {k: os.environ[k] for k in OPENBLAS_FORCING if k in os.environ}


def blas_kernels() -> str:
    """NumPy's BLAS and the CPU kernels it runs, and who chose them. An environment may force
    an older core type (OPENBLAS_FORCING): on a CPU with AVX-512 the Haswell kernels take
    about twice as long over the large products of a step."""
    from threadpoolctl import threadpool_info  # type: ignore[import-untyped]  # with sklearn

    info = next((i for i in threadpool_info()
                 if i["user_api"] == "blas" and "numpy" in i["filepath"]), None)
    if info is None:
        return "NumPy's BLAS: unknown"
    forced = forcing() if info["internal_api"] == "openblas" else {}
    chosen = ("forced by " + ", ".join(f"{k}={v}" for k, v in forced.items()) if forced
              else "its own choice for this CPU")
    return (f"NumPy's BLAS: {info['internal_api']} {info['version']}, "
            f"{info.get('architecture', 'unknown')} kernels ({chosen})")


def _start() -> tuple[Array, Array, list[Array], list[Array]]:
    data = load_dataset("digits-25x25", seed=0)
    arch = Architecture(SIZES, "sigmoid", "softmax", "cross_entropy")
    p = init_params(arch, np.random.default_rng(0))
    ws = [p[f"layers.{l}.weight"].copy() for l in range(3)]
    bs = [p[f"layers.{l}.bias"].copy() for l in range(3)]
    return data.x_train, data.y_train, ws, bs


class Batches:
    """Indices of the next mini-batch (None: the full batch), a new permutation per epoch."""

    def __init__(self, n: int, batch: int | None) -> None:
        self.n, self.batch = n, batch
        self.rng = np.random.default_rng(0)
        self.order, self.cursor = np.arange(0), 0

    def next(self) -> Array | None:
        if self.batch is None:
            return None
        if self.cursor >= self.order.size:
            self.order, self.cursor = self.rng.permutation(self.n), 0
        out = self.order[self.cursor : self.cursor + self.batch]
        self.cursor += self.batch
        return out


class Bare:
    """The engine's maths with nothing around it: the floor for any engine on this BLAS."""

    def __init__(self, batch: int | None) -> None:
        self.x, self.y, self.ws, self.bs = _start()
        self.batches = Batches(self.x.shape[0], batch)

    def _grads(self, x: Array, y: Array) -> tuple[float, list[Array], list[Array]]:
        acts = [x]
        for l, (w, b) in enumerate(zip(self.ws, self.bs, strict=True)):
            z = np.dot(acts[-1], w.T) + b  # np.dot: less per call than `@`, as the engine
            if l < 2:
                acts.append(1.0 / (1.0 + np.exp(-z)))
            else:
                z -= z.max(axis=1, keepdims=True)
                e = np.exp(z)
                s = e.sum(axis=1, keepdims=True)
                cost = float(-(y * (z - np.log(s))).sum()) / x.shape[0]
                acts.append(e / s)
        delta = (acts[-1] - y) / x.shape[0]
        gw, gb = [np.empty(0)] * 3, [np.empty(0)] * 3
        for l in (2, 1, 0):
            gw[l], gb[l] = np.dot(delta.T, acts[l]), delta.sum(axis=0)
            if l:
                delta = np.dot(delta, self.ws[l]) * acts[l] * (1.0 - acts[l])
        return cost, gw, gb

    def step(self) -> None:
        idx = self.batches.next()
        x, y = (self.x, self.y) if idx is None else (self.x[idx], self.y[idx])
        _, gw, gb = self._grads(x, y)
        self.ws = [w - LR * g for w, g in zip(self.ws, gw, strict=True)]
        self.bs = [b - LR * g for b, g in zip(self.bs, gb, strict=True)]

    def cost_and_gradient(self) -> None:
        self._grads(self.x, self.y)


class TorchNet:
    """The same network in PyTorch: nn.Linear, nn.Sigmoid, CrossEntropyLoss, SGD."""

    def __init__(self, batch: int | None) -> None:
        import torch

        self.torch = torch
        x, y, ws, bs = _start()
        self.x, self.y = torch.from_numpy(x), torch.from_numpy(y.argmax(axis=1))
        lin = [torch.nn.Linear(w.shape[1], w.shape[0]).double() for w in ws]
        with torch.no_grad():
            for m, w, b in zip(lin, ws, bs, strict=True):
                m.weight.copy_(torch.from_numpy(w))
                m.bias.copy_(torch.from_numpy(b))
        self.model = torch.nn.Sequential(lin[0], torch.nn.Sigmoid(), lin[1], torch.nn.Sigmoid(),
                                         lin[2])
        self.opt = torch.optim.SGD(self.model.parameters(), lr=LR)
        self.loss = torch.nn.CrossEntropyLoss()
        self.batches = Batches(x.shape[0], batch)

    def threads(self, k: int) -> None:
        self.torch.set_num_threads(k)

    def step(self) -> None:
        idx = self.batches.next()
        x, y = (self.x, self.y) if idx is None else (self.x[idx], self.y[idx])
        self.opt.zero_grad()
        self.loss(self.model(x), y).backward()
        self.opt.step()

    def cost_and_gradient(self) -> None:
        self.opt.zero_grad()
        self.loss(self.model(self.x), self.y).backward()
