"""Activation functions g and their derivatives g'(z), keyed by name.

Every function takes z of shape (n, width) and returns an array of the same shape.
`derivative(z, a)` receives both z and a = g(z) because most derivatives are cheapest
written in terms of a (sigmoid: a(1 - a); tanh: 1 - a²).
Softmax is an output activation only: its Jacobian is not diagonal, so the output layer's
δ is computed by `losses.output_delta` instead of g'(z) ⊙ ∂C/∂a.
"""

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from dialboard.engine.errors import ConfigError

Array = np.ndarray


@dataclass(frozen=True)
class Activation:
    name: str
    forward: Callable[[Array], Array]
    derivative: Callable[[Array, Array], Array]  # g'(z) given (z, a)
    formula: str
    # `forward` for a caller that already ignores overflow (np.errstate): the same numbers
    unguarded: Callable[[Array], Array] | None = None


def _sigmoid(z: Array) -> Array:
    with np.errstate(over="ignore"):
        return _sigmoid_unguarded(z)


def _sigmoid_unguarded(z: Array) -> Array:
    # 1 / (1 + e^-z) in place; NumPy's exp is vectorised (tanh is not: 5× slower here).
    # e^-z overflows to inf for z < -709, giving exactly 0, which is the right limit: the
    # caller ignores overflow (a whole step does, once: each errstate costs ~3 µs).
    out = np.negative(z)
    np.exp(out, out=out)
    out += 1.0
    np.reciprocal(out, out=out)
    return out


def _sigmoid_prime(z: Array, a: Array) -> Array:
    g = 1.0 - a
    g *= a  # a(1 − a) with one temporary
    return g


def _softmax(z: Array) -> Array:
    # The ufuncs' reductions themselves: `max` and `sum` are Python wrappers around them.
    e = z - np.maximum.reduce(z, axis=1, keepdims=True)
    np.exp(e, out=e)
    e /= np.add.reduce(e, axis=1, keepdims=True)
    return e


def _relu(z: Array) -> Array:
    return np.maximum(z, 0.0)


def _identity(z: Array) -> Array:
    return z.copy(order="K")


def _not_elementwise(z: Array, a: Array) -> Array:
    raise ConfigError("refusal.softmax_derivative")


ACTIVATIONS: dict[str, Activation] = {
    a.name: a
    for a in (
        Activation("sigmoid", _sigmoid, _sigmoid_prime, "σ(z) = 1/(1+e^(−z))",
                   _sigmoid_unguarded),
        Activation("tanh", np.tanh, lambda z, a: 1.0 - a * a, "tanh(z)"),
        Activation("relu", _relu, lambda z, a: (z > 0.0).astype(np.float64), "max(0, z)"),
        Activation("linear", _identity, lambda z, a: np.ones_like(z), "z"),
        Activation("softmax", _softmax, _not_elementwise, "e^(zₖ) / Σⱼ e^(zⱼ)"),
    )
}
HIDDEN_ACTIVATIONS: tuple[str, ...] = ("sigmoid", "tanh", "relu", "linear")
OUTPUT_ACTIVATIONS: tuple[str, ...] = ("sigmoid", "tanh", "softmax", "linear")


def get_activation(name: str, *, output: bool) -> Activation:
    allowed = OUTPUT_ACTIVATIONS if output else HIDDEN_ACTIVATIONS
    if name not in allowed:
        which = "output_activation" if output else "activation"
        raise ConfigError("refusal.unknown_choice", which=which, name=repr(name),
                          known=", ".join(allowed))
    return ACTIVATIONS[name]
