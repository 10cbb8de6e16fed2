"""What the board shows beside the dials: one example's way through the network, and the
network's output over a grid of inputs (decision boundary, fitted curve)."""

from dataclasses import dataclass

import numpy as np

from dialboard.engine.datasets import Dataset
from dialboard.engine.network import Network
from dialboard.engine.trainer import Trainer

Array = np.ndarray
PLANE_POINTS, CURVE_POINTS = 48, 128  # grid size per axis for 2 inputs, for 1 input


@dataclass(frozen=True)
class ExampleView:
    """One training example; per layer l, (n_out_l,) vectors, None where not computed yet."""

    row: int  # its index in the training set
    x: Array  # (n_in,)
    y: Array  # (n_out,)
    zs: list[Array | None]
    acts: list[Array | None]  # a_l, l = 0 … L-1 (the input is x)
    deltas: list[Array | None]  # δ_l = ∂C_x/∂z_l for this example alone
    gprimes: list[Array | None]  # g′(z_l); None for a softmax output (not elementwise)


def example_view(t: Trainer, index: int) -> ExampleView:
    """During a gradient-descent step: the batch's first example, only what the phases have
    computed so far. Otherwise: example `index` forward and backward at the current
    parameters."""
    net, tr, L = t.net, t.trace, t.arch.n_layers
    x0 = tr.acts[0] if t.pos > 0 and tr.acts else None
    if x0 is not None:
        row = 0 if tr.batch is None else int(tr.batch[0])
        n = x0.shape[0]  # the batch's δ carries 1/n of the mean cost: × n is this example's
        zs = [None if z is None else z[0] for z in tr.zs]
        acts = [None if a is None else a[0] for a in tr.acts[1:]]
        deltas = [None if d is None else d[0] * n for d in tr.deltas]
    else:
        row = index
        x, y = t.data.x_train[row : row + 1], t.data.y_train[row : row + 1]
        zl, al = net.forward(x)
        full: list[Array | None] = [None] * L
        for l in reversed(range(L)):
            full[l] = net.delta(l, zl, al, y, full[l + 1] if l + 1 < L else None)
        zs, acts = [z[0] for z in zl], [a[0] for a in al[1:]]
        deltas = [None if d is None else d[0] for d in full]
    return ExampleView(row, t.data.x_train[row], t.data.y_train[row], list(zs), list(acts),
                       deltas, _gprimes(net, zs, acts))


def _gprimes(net: Network, zs: list[Array | None], acts: list[Array | None]) -> list[Array | None]:
    out: list[Array | None] = []
    for l, (z, a) in enumerate(zip(zs, acts, strict=True)):
        g = net.acts[l]
        out.append(None if z is None or a is None or g.name == "softmax" else g.derivative(z, a))
    return out


@dataclass(frozen=True)
class PlotGrid:
    """Grid points over the data: axes (lo, hi, count) for x, then y; points row-major with
    y outer, (count_y · count_x, n_in)."""

    axes: tuple[tuple[float, float, int], ...]
    points: Array


def plot_grid(data: Dataset) -> PlotGrid | None:
    """For 1 or 2 inputs and 1 output: the data's extent padded by max(0.15, 12% of it)."""
    if data.n_out != 1 or data.n_in not in (1, 2):
        return None
    x = np.concatenate([data.x_train, data.x_test])
    count = CURVE_POINTS if data.n_in == 1 else PLANE_POINTS
    axes = []
    for dim in range(data.n_in):
        lo, hi = (float(x[:, dim].min()), float(x[:, dim].max())) if x.size else (-1.0, 1.0)
        pad = max(0.15, (hi - lo) * 0.12)
        axes.append((lo - pad, hi + pad, count))
    lines = [np.linspace(lo, hi, n) for lo, hi, n in axes]
    if data.n_in == 1:
        return PlotGrid(tuple(axes), lines[0][:, None])
    gx, gy = np.meshgrid(lines[0], lines[1])  # (count_y, count_x) each
    return PlotGrid(tuple(axes), np.stack([gx.ravel(), gy.ravel()], axis=1))


def grid_outputs(net: Network, grid: PlotGrid) -> Array:
    """The network's output at every grid point: (count_y, count_x) or (count_x,)."""
    _, acts = net.forward(grid.points)
    shape = tuple(n for _, _, n in reversed(grid.axes))
    return acts[-1][:, 0].reshape(shape)
