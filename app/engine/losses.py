"""Cost functions C(a, y) over a batch of n examples, and the output layer's δ = ∂C/∂z.

With n examples, targets y and outputs a (both (n, n_out)):

- ``quadratic``:     C = (1/n) Σₓ ½‖y − a‖²                       (Nielsen's textbook form)
- ``mse``:           C = (1/(n·n_out)) Σₓ Σₖ (yₖ − aₖ)²           (PyTorch's MSELoss)
- ``cross_entropy``: softmax outputs: C = (1/n) Σₓ −Σₖ yₖ log aₖ;
                     sigmoid outputs: C = (1/n) Σₓ −Σₖ [yₖ log aₖ + (1 − yₖ) log(1 − aₖ)].
  Both are computed from the logits z (log-sum-exp and softplus), so a saturated
  output gives a large finite cost instead of log(0).

δ_out = ∂C/∂z_out is what backpropagation starts from; it already includes the 1/n.
"""

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from dialboard.engine.errors import ConfigError

Array = np.ndarray


@dataclass(frozen=True)
class Loss:
    name: str
    formula: str
    outputs: tuple[str, ...]  # output activations this loss accepts
    value: Callable[[Array, Array, Array, str], float]  # (z, a, y, output_activation)
    grad_a: Callable[[Array, Array], Array]  # ∂C/∂a given (a, y), for elementwise outputs


def _quadratic(z: Array, a: Array, y: Array, out: str) -> float:
    d = a - y
    return 0.5 * float(np.vdot(d, d)) / a.shape[0]


def _mse(z: Array, a: Array, y: Array, out: str) -> float:
    d = a - y
    return float(np.vdot(d, d)) / d.size


def _softplus(z: Array) -> Array:
    # log(1 + e^z) without overflow.
    return np.maximum(z, 0.0) + np.log1p(np.exp(-np.abs(z)))


def _cross_entropy(z: Array, a: Array, y: Array, out: str) -> float:
    n = a.shape[0]
    if out == "softmax":
        # log aⱼ = zⱼ − log Σ e^z. At k* = argmax z, a_k* = 1/Σ e^(z−max) ≥ 1/n_out, so
        # log Σ e^z = max z − log a_k*: no second exp pass and no log of a tiny number.
        lse = np.maximum.reduce(z, axis=1)  # the ufunc's own: `max` wraps it in Python
        lse -= np.log(np.maximum.reduce(a, axis=1))
        return -float(np.vdot(y, z) - np.dot(np.add.reduce(y, axis=1), lse)) / n
    # −[y log σ(z) + (1−y) log(1−σ(z))] = softplus(z) − y·z
    return float((_softplus(z) - y * z).sum()) / n


LOSSES: dict[str, Loss] = {
    loss.name: loss
    for loss in (
        Loss("quadratic", "C = (1/n) Σₓ ½‖y − a‖²", ("sigmoid", "tanh", "softmax", "linear"),
             _quadratic, lambda a, y: (a - y) / a.shape[0]),
        Loss("mse", "C = (1/(n·n_out)) Σₓ Σₖ (yₖ − aₖ)²", ("sigmoid", "tanh", "softmax", "linear"),
             _mse, lambda a, y: (a - y) * (2.0 / a.size)),
        Loss("cross_entropy", "C = (1/n) Σₓ −Σₖ yₖ log aₖ (+ (1−yₖ) log(1−aₖ) for sigmoid)",
             ("softmax", "sigmoid"), _cross_entropy, lambda a, y: (a - y) / a.shape[0]),
    )
}
LOSS_NAMES: tuple[str, ...] = tuple(LOSSES)


def get_loss(name: str, output_activation: str) -> Loss:
    if name not in LOSSES:
        raise ConfigError("refusal.loss.unknown", name=repr(name), known=", ".join(LOSSES))
    loss = LOSSES[name]
    if output_activation not in loss.outputs:
        raise ConfigError("refusal.loss.output", name=repr(name), outputs=" or ".join(loss.outputs),
                          value=repr(output_activation))
    return loss


def output_delta(loss: Loss, out: str, z: Array, a: Array, y: Array,
                 g_prime: Callable[[Array, Array], Array]) -> Array:
    """δ_out = ∂C/∂z_out, shape (n, n_out), held column by column (F order) as z is."""
    if loss.name == "cross_entropy":
        # softmax + CE and sigmoid + CE both collapse to (a − y)/n.
        d = np.subtract(a, y, order="F")
        d /= a.shape[0]
        return d
    g = loss.grad_a(a, y)
    if out == "softmax":
        # Jacobian-vector product of softmax: a ⊙ (g − Σₖ gₖ aₖ).
        return np.asfortranarray(a * (g - np.einsum("ij,ij->i", g, a)[:, None]))
    return np.asfortranarray(g * g_prime(z, a))


def costs_along(loss: Loss, out: str, z: Array, a: Array, y: Array) -> Array:
    """`loss.value` for each of k stacked batches at once: z, a (k, n, n_out), y (n, n_out)
    → (k,). Same formulas, summed in another order (equal to rounding)."""
    n = a.shape[1]
    if loss.name == "cross_entropy" and out == "softmax":
        lse = z.max(axis=2) - np.log(a.max(axis=2))  # (k, n), as in _cross_entropy
        return -(np.einsum("kij,ij->k", z, y) - lse @ y.sum(axis=1)) / n
    if loss.name == "cross_entropy":
        return (_softplus(z) - y * z).sum(axis=(1, 2)) / n
    d = a - y
    sq = np.einsum("kij,kij->k", d, d)
    return 0.5 * sq / n if loss.name == "quadratic" else sq / (n * a.shape[2])
