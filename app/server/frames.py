"""What a state frame holds (docs/protocol.md, "state frame"), built once per state version.

`FrameSource.build` gathers float64 tensors and metadata from a trainer; `encode` turns them
into safetensors bytes at one precision, with or without gradients. Sessions cache both per
version, so any number of sockets share one encoding.
"""

import time
from dataclasses import dataclass, field

import numpy as np

from app.engine import Trainer
from app.engine.learners import GradientDescent
from app.server.safetensors_io import encode

Array = np.ndarray
HISTORY_POINTS = 200
NARROW = ("example.", "layers.")
PRECISIONS: dict[str, type[np.floating]] = {"f32": np.float32, "f16": np.float16}


@dataclass
class FrameData:
    """Float64 tensors and string metadata of one state, before encoding."""

    params: dict[str, Array]
    grads: dict[str, Array]
    extra: dict[str, Array]  # cost, example.*, layers.{l}.*, history.*, *.locked
    metadata: dict[str, str]
    version: int
    built_at: float = field(default_factory=time.monotonic)
    encoded: dict[tuple[str, bool], bytes] = field(default_factory=dict)

    def encode(self, precision: str, with_grads: bool) -> bytes:
        key = (precision, with_grads)
        if key not in self.encoded:
            dtype = PRECISIONS[precision]
            tensors = {n: _cast(p, dtype) for n, p in self.params.items()}
            if with_grads:
                tensors.update({f"{n}.grad": _cast(g, dtype) for n, g in self.grads.items()})
            # Half-precision frames narrow the example's tensors too; cost and chart stay wide.
            half = precision == "f16"
            tensors.update({n: _cast(a, np.float16)
                            if half and a.dtype.kind == "f" and n.startswith(NARROW) else a
                            for n, a in self.extra.items()})
            meta = {**self.metadata, "precision": precision, "has_grads": _b(with_grads)}
            self.encoded[key] = encode(tensors, meta)
        return self.encoded[key]


def _cast(a: Array, dtype: type[np.floating]) -> Array:
    """Narrow a float64 array; values past the dtype's range pin at its largest, not inf."""
    big = float(np.finfo(dtype).max)
    return np.clip(a, -big, big).astype(dtype)


def _b(flag: bool) -> str:
    return "true" if flag else "false"


def _num(value: float | None) -> str:
    return "" if value is None else repr(float(value))


def thin(history: list[tuple[int, float]], k: int = HISTORY_POINTS) -> list[tuple[int, float]]:
    """At most k points, evenly spaced, always keeping the newest."""
    if len(history) <= k:
        return history
    idx = np.linspace(0, len(history) - 1, k).round().astype(int)
    return [history[i] for i in idx]


def example_tensors(t: Trainer, index: int) -> tuple[dict[str, Array], int]:
    """Tensors for the example on display: the batch's first during a step, else `index`."""
    gd = t.learner if isinstance(t.learner, GradientDescent) else None
    if gd is not None and t.pos > 0 and gd.acts[0] is not None:
        row = 0 if gd.batch is None else int(gd.batch[0])
        n = gd.acts[0].shape[0]
        zs, acts, deltas = gd.zs, gd.acts, [None if d is None else d * n for d in gd.deltas]
        y = t.data.y_train[row]
        first = 0
    else:  # between steps: this example alone, forward and backward at the current parameters
        row = index
        x, y2 = t.data.x_train[row : row + 1], t.data.y_train[row : row + 1]
        zl, al = t.net.forward(x)
        zs, acts = list[Array | None](zl), list[Array | None](al)
        deltas = [None] * t.arch.n_layers
        for l in reversed(range(t.arch.n_layers)):
            deltas[l] = t.net.delta(l, zl, al, y2, deltas[l + 1] if l + 1 < len(deltas) else None)
        y, first = y2[0], 0
    out = {"example.input": t.data.x_train[row].astype(np.float32),
           "example.target": np.asarray(y, dtype=np.float32)}
    for l in range(t.arch.n_layers):
        z, a, d = zs[l], acts[l + 1], deltas[l]
        if z is not None and a is not None:
            out[f"layers.{l}.z"] = z[first].astype(np.float32)
            out[f"layers.{l}.activation"] = a[first].astype(np.float32)
        if d is not None:
            out[f"layers.{l}.delta"] = d[first].astype(np.float32)
    return out, row


def build(t: Trainer, *, version: int, playing: bool, example: int, undo_levels: int,
          history: list[tuple[int, float]]) -> FrameData:
    cost = t.cost()
    grads = t.gradient() if np.isfinite(cost) else {n: np.zeros_like(p) for n, p in
                                                     t.net.params.items()}
    extra, row = example_tensors(t, example)
    extra["cost"] = np.array([cost], dtype=np.float64)
    points = thin(history)
    extra["history.step"] = np.array([s for s, _ in points], dtype=np.float64)
    extra["history.cost"] = np.array([c for _, c in points], dtype=np.float32)
    for name, mask in t.locks.items():
        if mask.any():
            extra[f"{name}.locked"] = mask.astype(np.uint8)
    gd = t.learner if isinstance(t.learner, GradientDescent) else None
    in_step = gd is not None and t.pos > 0 and gd.acts[0] is not None
    meta = {
        "step": str(t.step_count), "phase": t.phase, "next_phase": t.next_phase,
        "learner": t.config.learner, "version": str(version), "playing": _b(playing),
        "diverged": t.diverged or "", "test_cost": _num(t.test_cost()),
        "accuracy": _num(t.accuracy()), "test_accuracy": _num(t.accuracy(test=True)),
        "batch_cost": _num(gd.batch_cost if gd is not None and t.pos > 0 else None),
        "batch_size": str(gd.acts[0].shape[0]) if in_step and gd and gd.acts[0] is not None
        else "",
        "example": str(row), "learning_rate": repr(t.config.learning_rate),
        "batch_size_setting": "" if t.config.batch_size is None else str(t.config.batch_size),
        "momentum": repr(t.config.momentum), "weight_decay": repr(t.config.weight_decay),
        "step_size": repr(t.config.step_size),
        "forward_examples": str(t.work.forward_examples),
        "backward_examples": str(t.work.backward_examples), "undo_levels": str(undo_levels),
    }
    return FrameData(dict(t.net.params), grads, extra, meta, version)
