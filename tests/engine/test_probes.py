"""The cost along one dial and every example's nudge, against a forward pass written here
from the formulas (not the engine's), and against finite differences."""

import itertools

import numpy as np
import pytest

from dialboard.engine.errors import ConfigError
from dialboard.engine.losses import LOSSES, costs_along
from dialboard.engine.probes import cost_slice, dial_scale, nudges, sweep_values
from dialboard.engine.trainer import Trainer
from tests.engine.helpers import make_trainer

G = {"sigmoid": lambda z: 1 / (1 + np.exp(-z)), "tanh": np.tanh,
     "relu": lambda z: np.maximum(z, 0), "linear": lambda z: z}


def reference_costs(t: Trainer, params: dict[str, np.ndarray], x: np.ndarray, y: np.ndarray,
                    hidden: str, out: str, loss: str) -> np.ndarray:
    """Per-example cost Cₓ, straight from the README's formulas."""
    a = x
    L = t.arch.n_layers
    for l in range(L):
        z = a @ params[f"layers.{l}.weight"].T + params[f"layers.{l}.bias"]
        if l < L - 1:
            a = G[hidden](z)
        elif out == "softmax":
            e = np.exp(z - z.max(axis=1, keepdims=True))
            a = e / e.sum(axis=1, keepdims=True)
        else:
            a = G[out](z)
    if loss == "quadratic":
        return 0.5 * ((y - a) ** 2).sum(axis=1)
    if loss == "mse":
        return ((y - a) ** 2).mean(axis=1)
    if out == "softmax":
        return -(y * np.log(a)).sum(axis=1)
    return -(y * np.log(a) + (1 - y) * np.log(1 - a)).sum(axis=1)


COMBOS = [("tanh", "softmax", "cross_entropy"), ("sigmoid", "sigmoid", "cross_entropy"),
          ("relu", "linear", "mse"), ("sigmoid", "softmax", "quadratic"),
          ("tanh", "tanh", "quadratic")]
DIALS = [("layers.0.weight", (1, 2)), ("layers.0.bias", (3,)), ("layers.1.weight", (0, 2)),
         ("layers.2.weight", (1, 3)), ("layers.2.bias", (0,))]


def _board(hidden: str, out: str, loss: str) -> Trainer:
    t = make_trainer((3, 4, 5, 2), activation=hidden, output=out, loss=loss, n=30, seed=2)
    t.step(3)
    return t


@pytest.mark.parametrize(("combo", "dial"), list(itertools.product(COMBOS, DIALS)))
def test_the_slice_is_the_cost_with_the_dial_set(combo: tuple[str, str, str],
                                                 dial: tuple[str, tuple[int, ...]]) -> None:
    t = _board(*combo)
    name, idx = dial
    values = sweep_values(-1.5, 1.5, 41)
    costs = cost_slice(t.screen, name, idx, values)
    x, y = t.data.x_train, t.data.y_train
    for v, c in zip(values, costs, strict=True):
        params = {n: p.copy() for n, p in t.net.params.items()}
        params[name][idx] = v
        assert c == pytest.approx(reference_costs(t, params, x, y, *combo).mean(), abs=1e-12)


def test_a_first_layer_dial_that_reaches_no_example_leaves_the_cost_flat() -> None:
    t = make_trainer((3, 4, 2), n=20)
    x = t.data.x_train.copy()
    x[:, 1] = 0.0
    t.data = type(t.data)(**{**t.data.__dict__, "x_train": x})
    t.reset()
    costs = cost_slice(t.screen, "layers.0.weight", (2, 1), sweep_values(-3, 3, 7))
    assert np.all(costs == t.cost())


@pytest.mark.parametrize(("combo", "dial"), list(itertools.product(COMBOS, DIALS)))
def test_each_nudge_is_that_examples_own_slope_and_their_mean_the_gradient(
        combo: tuple[str, str, str], dial: tuple[str, tuple[int, ...]]) -> None:
    t = _board(*combo)
    name, idx = dial
    each = nudges(t.screen, name, idx)
    assert each.shape == (t.data.x_train.shape[0],)
    assert each.mean() == pytest.approx(float(t.gradient()[name][idx]), abs=1e-12)
    x, y, h = t.data.x_train, t.data.y_train, 1e-5
    for row in (0, 7, 29):  # centred finite differences of that example's own cost
        up = {n: p.copy() for n, p in t.net.params.items()}
        down = {n: p.copy() for n, p in t.net.params.items()}
        up[name][idx] += h
        down[name][idx] -= h
        xs, ys = x[row : row + 1], y[row : row + 1]
        fd = (reference_costs(t, up, xs, ys, *combo)[0]
              - reference_costs(t, down, xs, ys, *combo)[0]) / (2 * h)
        assert each[row] == pytest.approx(fd, rel=1e-6, abs=1e-9)


@pytest.mark.parametrize("loss", list(LOSSES))
def test_stacked_costs_equal_the_loss_one_at_a_time(loss: str) -> None:
    out = "softmax" if loss != "mse" else "linear"
    rng = np.random.default_rng(0)
    z = rng.normal(size=(4, 9, 3))
    a = np.exp(z) / np.exp(z).sum(axis=2, keepdims=True) if out == "softmax" else z
    y = np.eye(3)[rng.integers(0, 3, 9)]
    got = costs_along(LOSSES[loss], out, z, a, y)
    for k in range(4):
        assert got[k] == pytest.approx(LOSSES[loss].value(z[k], a[k], y, out), abs=1e-13)


def test_ranges_and_scales() -> None:
    for bad in ((1.0, 1.0, 5), (2.0, 1.0, 5), (0.0, float("inf"), 5), (0.0, 1.0, 1),
                (0.0, 1.0, 1002)):
        with pytest.raises(ConfigError):
            sweep_values(*bad)
    t = make_trainer((3, 4, 2))
    t.replace_params({"layers.1.weight": [[0.3] * 4, [-1.7] * 4], "layers.1.bias": [0, 0]})
    assert dial_scale(t.net, 1) == 2.0
    t.set_value("layers.1.bias", [0], 0.01)
    assert dial_scale(t.net, 1) == 2.0
    t.set_value("layers.1.weight", [1, 0], 0.05)
    t.set_value("layers.1.weight", [1, 1], 0.05)
    t.set_value("layers.1.weight", [1, 2], 0.05)
    t.set_value("layers.1.weight", [1, 3], 0.05)
    assert dial_scale(t.net, 1) == 0.5
