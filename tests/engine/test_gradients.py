"""Backpropagation against centred finite differences, in float64."""

import itertools
import zlib

import numpy as np
import pytest

from dialboard.engine.activations import HIDDEN_ACTIVATIONS, OUTPUT_ACTIVATIONS
from dialboard.engine.losses import LOSSES
from dialboard.engine.network import Architecture, Network, init_params

# Fourth-order centred differences: truncation O(h⁴) lets h be large enough that float64
# roundoff (ε·C/h) stays far below the 1e-7 bar even for gradients of order 1e-3.
H = 1e-4
COMBOS = [
    (h, o, loss)
    for h, o, loss in itertools.product(HIDDEN_ACTIVATIONS, OUTPUT_ACTIVATIONS, LOSSES)
    if o in LOSSES[loss].outputs
]
DEPTHS = [(3, 2), (3, 4, 2), (2, 5, 3, 3)]  # softmax needs ≥ 2 outputs: all have them


def make_targets(rng: np.random.Generator, out: str, loss: str, n: int, k: int) -> np.ndarray:
    if out == "softmax":
        return np.eye(k)[rng.integers(0, k, size=n)]
    if loss == "cross_entropy":
        return rng.uniform(0.0, 1.0, size=(n, k))  # soft targets exercise both log terms
    return rng.normal(0.0, 1.0, size=(n, k))


def numeric_grads(net: Network, x: np.ndarray, y: np.ndarray) -> dict[str, np.ndarray]:
    out: dict[str, np.ndarray] = {}
    for name, p in net.params.items():
        g = np.zeros_like(p)
        for idx in np.ndindex(p.shape):
            orig = p[idx]
            c = []
            for step in (2 * H, H, -H, -2 * H):
                p[idx] = orig + step
                c.append(net.gradient(x, y)[0])
            p[idx] = orig
            g[idx] = (-c[0] + 8 * c[1] - 8 * c[2] + c[3]) / (12 * H)
        out[name] = g
    return out


def relative_error(a: np.ndarray, b: np.ndarray) -> float:
    # The floor keeps a zero gradient (dead ReLUs) meaningful: 1e-7 of it is an absolute 1e-11.
    denom = max(float(np.linalg.norm(a) + np.linalg.norm(b)), 1e-4)
    return float(np.linalg.norm(a - b)) / denom


@pytest.mark.parametrize("hidden,out,loss", COMBOS)
@pytest.mark.parametrize("sizes", DEPTHS)
@pytest.mark.parametrize("n", [1, 5])
def test_backprop_matches_finite_differences(
    hidden: str, out: str, loss: str, sizes: tuple[int, ...], n: int
) -> None:
    # crc32, not hash(): str hashes change with every interpreter (PYTHONHASHSEED), which
    # made the cases differ from run to run.
    rng = np.random.default_rng(zlib.crc32(repr((hidden, out, loss, sizes, n)).encode()))
    arch = Architecture(sizes, hidden, out, loss)
    params = init_params(arch, rng)
    for name in params:  # non-zero biases so every term is exercised
        params[name] = params[name] + rng.normal(0, 0.3, size=params[name].shape)
    net = Network(arch, params)
    x = rng.normal(0, 1, size=(n, sizes[0]))
    while hidden == "relu" and any(np.abs(z).min() < 10 * H for z in net.forward(x)[0][:-1]):
        x = rng.normal(0, 1, size=(n, sizes[0]))  # keep every ReLU away from its kink
    y = make_targets(rng, out, loss, n, sizes[-1])
    _, grads = net.gradient(x, y)
    numeric = numeric_grads(net, x, y)
    for name in params:
        assert grads[name].shape == params[name].shape
        assert relative_error(grads[name], numeric[name]) <= 1e-7, name


@pytest.mark.parametrize("locked", [(), ("layers.0.weight", (1, 2)), ("layers.1.bias", None)])
@pytest.mark.parametrize("batch", [None, 4])
def test_an_update_moves_free_dials_by_minus_eta_times_the_numeric_gradient(
    locked: tuple[object, ...], batch: int | None
) -> None:
    from tests.engine.helpers import make_trainer

    t = make_trainer((3, 4, 2), activation="tanh", batch_size=batch, learning_rate=0.7)
    if locked:
        t.set_locked(str(locked[0]), None if locked[1] is None else list(locked[1]), True)
    before = {n: p.copy() for n, p in t.net.params.items()}
    t.run_phase()  # forward:0 draws the batch
    tr = t.trace
    x = tr.acts[0]
    y = t.data.y_train if tr.batch is None else t.data.y_train[tr.batch]
    numeric = numeric_grads(Network(t.arch, {n: p.copy() for n, p in before.items()}), x, y)
    t.step()
    for name, p in before.items():
        expected = p - 0.7 * numeric[name] * ~t.locks[name]
        np.testing.assert_allclose(t.net.params[name], expected, rtol=1e-9, atol=1e-11)
        assert np.array_equal(t.net.params[name][t.locks[name]], p[t.locks[name]])


def test_momentum_and_weight_decay_follow_their_formulas() -> None:
    from tests.engine.helpers import make_trainer

    t = make_trainer((3, 4, 2), learning_rate=0.3, momentum=0.9, weight_decay=0.01)
    x, y = t.data.x_train, t.data.y_train
    theta = {n: p.copy() for n, p in t.net.params.items()}
    v = {n: np.zeros_like(p) for n, p in theta.items()}
    for _ in range(3):
        _, g = Network(t.arch, {n: p.copy() for n, p in theta.items()}).gradient(x, y)
        for n in theta:
            decay = 0.01 * theta[n] if n.endswith("weight") else 0.0
            v[n] = 0.9 * v[n] - 0.3 * (g[n] + decay)  # v ← μv − η(∂C/∂θ + λW)
            theta[n] = theta[n] + v[n]
        t.step()
    for n, p in theta.items():
        np.testing.assert_allclose(t.net.params[n], p, rtol=1e-12, atol=1e-14)
