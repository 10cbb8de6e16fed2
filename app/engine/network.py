"""A fully connected network with named parameters, and its per-layer forward and backward.

Shapes, for a batch of n examples and layer l mapping n_in → n_out:
    a₋₁ = x                                   # (n, n_in of layer 0)
    z_l = a_{l−1} W_lᵀ + b_l                  # (n, n_out); W_l (n_out, n_in), b_l (n_out,)
    a_l = g_l(z_l)
    δ_l = ∂C/∂z_l                             # "blame" of each neuron, (n, n_out)
    δ_l = (δ_{l+1} W_{l+1}) ⊙ g'(z_l)         # for hidden layers
    ∂C/∂W_l = δ_lᵀ a_{l−1},  ∂C/∂b_l = Σₓ δ_l

z_l, a_l and δ_l, (n, width), are held column by column (F order; `cores.affine` says why);
anything that keeps them and gives them back (a stored step) restores that layout.

Parameter names are the product's one vocabulary: ``layers.{l}.weight`` and ``layers.{l}.bias``,
l = 0 being inputs → first hidden layer. Gradients carry the same names and shapes.
"""

import functools
import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from dialboard.engine.activations import Activation, get_activation
from dialboard.engine.cores import affine, outer_sum
from dialboard.engine.errors import ConfigError
from dialboard.engine.losses import Loss, get_loss, output_delta

Array = np.ndarray
# |θ| beyond this is divergence, not learning: it also keeps every dial within F32 range.
PARAMETER_LIMIT = 1e8
MAX_LAYERS = 32  # layers of weights: deeper boards teach nothing more and cost time to build


def within_limit(a: Array | float) -> bool:
    """Every value finite and within ±PARAMETER_LIMIT; NaN fails."""
    a = np.asarray(a, dtype=np.float64)
    # Σ a² ≤ LIMIT² bounds every |aᵢ| in one BLAS call; only what fails it (rare: NaN, ∞,
    # an overflowing sum, or many large values) is looked at value by value.
    return a.size == 0 or bool(np.vdot(a, a) <= PARAMETER_LIMIT**2) or bool(
        a.max() <= PARAMETER_LIMIT and a.min() >= -PARAMETER_LIMIT)


def weight_name(layer: int) -> str:
    return f"layers.{layer}.weight"


def bias_name(layer: int) -> str:
    return f"layers.{layer}.bias"


def parse_name(name: str, n_layers: int) -> tuple[int, str]:
    """'layers.1.weight' → (1, 'weight'); a clear error for anything else. Constant time."""
    parts = name.split(".") if isinstance(name, str) else []
    if len(parts) == 3 and parts[0] == "layers" and parts[2] in ("weight", "bias"):
        digits = parts[1]  # exact spelling only: no "layers.01.weight", no "²", no "+1"
        if digits.isascii() and digits.isdigit() and str(int(digits)) == digits \
                and int(digits) < n_layers:
            return int(digits), parts[2]
    last = f"layers.{n_layers - 1}.weight|bias"
    names = last if n_layers == 1 else f"layers.0.weight|bias … {last}"
    raise ConfigError("refusal.parameter.unknown", name=f"{name!r:.60}", names=names)


@dataclass(frozen=True)
class Architecture:
    layers: tuple[int, ...]  # [n_in, h1, …, n_out]
    activation: str = "sigmoid"
    output_activation: str = "sigmoid"
    loss: str = "quadratic"

    def __post_init__(self) -> None:
        sizes = self.layers
        if len(sizes) < 2:
            raise ConfigError("refusal.layers.too_few")
        if len(sizes) > MAX_LAYERS + 1:
            raise ConfigError("refusal.layers.too_many", count=len(sizes), limit=MAX_LAYERS + 1,
                              layers=MAX_LAYERS)
        for i, s in enumerate(sizes):
            if isinstance(s, bool) or not isinstance(s, int | np.integer) or s < 1:
                raise ConfigError("refusal.layers.size", i=i, value=repr(s))
        get_activation(self.activation, output=False)
        get_loss(self.loss, get_activation(self.output_activation, output=True).name)

    @property
    def n_layers(self) -> int:
        """Number of weight layers L."""
        return len(self.layers) - 1

    @property
    def parameter_names(self) -> list[str]:
        return [n for l in range(self.n_layers) for n in (weight_name(l), bias_name(l))]

    def shape(self, name: str) -> tuple[int, ...]:
        l, kind = parse_name(name, self.n_layers)
        n_in, n_out = self.layers[l], self.layers[l + 1]
        return (n_out, n_in) if kind == "weight" else (n_out,)

    def index_of(self, name: str, index: object) -> tuple[int, ...]:
        """A validated index into parameter `name`; a clear error otherwise."""
        shape = self.shape(name)
        if not isinstance(index, list | tuple) or len(index) != len(shape):
            raise ConfigError("refusal.index.length", name=name, count=len(shape),
                              value=repr(index))
        for k, (i, n) in enumerate(zip(index, shape, strict=True)):
            if isinstance(i, bool) or not isinstance(i, int) or not 0 <= i < n:
                raise ConfigError("refusal.index.range", k=k, name=name, last=n - 1, value=repr(i))
        return tuple(index)

    @property
    def parameter_count(self) -> int:
        s = self.layers
        return sum(s[i] * s[i + 1] + s[i + 1] for i in range(len(s) - 1))


class Network:
    """Parameters plus the maths of one layer at a time. Holds no batch state."""

    def __init__(self, arch: Architecture, params: dict[str, Array]) -> None:
        self.arch = arch
        self.L = arch.n_layers
        self.acts: list[Activation] = [get_activation(arch.activation, output=False)] * (
            self.L - 1
        ) + [get_activation(arch.output_activation, output=True)]
        self.loss: Loss = get_loss(arch.loss, arch.output_activation)
        self.unguarded = [a.unguarded or a.forward for a in self.acts]  # see forward_layer
        self.weights: list[Array] = [params[weight_name(l)] for l in range(self.L)]
        self.biases: list[Array] = [params[bias_name(l)] for l in range(self.L)]
        self.name_pairs = [(weight_name(l), bias_name(l)) for l in range(self.L)]
        # name → (the list holding it, layer): rebinding a tensor without parsing its name
        self.slots: dict[str, tuple[list[Array], int]] = {
            n: (self.weights if kind == 0 else self.biases, l)
            for l, pair in enumerate(self.name_pairs) for kind, n in enumerate(pair)}
        # Each layer's (weight, bias) place in one vector of all parameters, in
        # `parameter_names` order: a whole update is then one vector operation, not 2L.
        self.spans = _spans(arch.layers)
        self.size = arch.parameter_count
        self.flat: Array | None = None  # the vector every parameter is a view of, if there is one

    def rebind(self, name: str, value: Array) -> None:
        """Parameter `name` is now `value` (never written into: rebound)."""
        tensors, l = self.slots[name]
        tensors[l] = value
        self.flat = None

    def packed(self) -> Array:
        """Every parameter in one vector, laid out by `spans`: the live one or a new copy."""
        return self.flat if self.flat is not None else self.pack(self.params)

    def pack(self, tensors: dict[str, Array]) -> Array:
        """A new vector of one tensor per parameter name (all of them), laid out by `spans`."""
        return np.concatenate([tensors[n].ravel() for pair in self.name_pairs for n in pair])

    def adopt(self, flat: Array) -> None:
        """Every parameter rebound to its view of `flat` (laid out by `spans`)."""
        for l, span in enumerate(self.spans):
            self.weights[l], self.biases[l] = _views(flat, span)
        self.flat = flat

    def views(self, flat: Array, l: int) -> tuple[Array, Array]:
        """Layer l's (weight, bias) in a vector laid out by `spans`."""
        return _views(flat, self.spans[l])

    @property
    def params(self) -> dict[str, Array]:
        """Name → the live array (not a copy)."""
        out: dict[str, Array] = {}
        for (wn, bn), w, b in zip(self.name_pairs, self.weights, self.biases, strict=True):
            out[wn], out[bn] = w, b
        return out

    def forward_layer(self, l: int, a_prev: Array, guarded: bool = True) -> tuple[Array, Array]:
        """(z_l, a_l); unguarded: for a caller that already ignores overflow (np.errstate)."""
        z = affine(a_prev, self.weights[l], self.biases[l])
        return z, (self.acts[l].forward if guarded else self.unguarded[l])(z)

    def forward(self, x: Array) -> tuple[list[Array], list[Array]]:
        """zs[l] for each layer, acts[0] = x and acts[l + 1] = a_l."""
        zs: list[Array] = []
        acts = [x]
        for l in range(self.L):
            z, a = self.forward_layer(l, acts[-1])
            zs.append(z)
            acts.append(a)
        return zs, acts

    def cost(self, z_out: Array, a_out: Array, y: Array) -> float:
        return self.loss.value(z_out, a_out, y, self.arch.output_activation)

    def delta(self, l: int, zs: Sequence[Array], acts: Sequence[Array], y: Array,
              delta_next: Array | None) -> Array:
        """δ_l: from the loss for the output layer, else pulled back through W_{l+1}."""
        if l == self.L - 1:
            act = self.acts[l]
            return output_delta(self.loss, act.name, zs[l], acts[l + 1], y, act.derivative)
        assert delta_next is not None
        back = np.dot(self.weights[l + 1].T, delta_next.T).T  # (n, n_l), by columns as z_l
        back *= self.acts[l].derivative(zs[l], acts[l + 1])
        return back

    @staticmethod
    def layer_grads(delta: Array, a_prev: Array, out: tuple[Array, Array] | None = None
                    ) -> tuple[Array, Array]:
        """(∂C/∂W_l (n_out, n_in), ∂C/∂b_l (n_out,)), written into `out` if given."""
        # Σₓ δ as a product with ones: BLAS, some 10× faster than a sum down the columns
        gw, gb = (None, None) if out is None else out
        return outer_sum(delta, a_prev, gw), np.dot(_ones(delta.shape[0]), delta, out=gb)

    def gradient(self, x: Array, y: Array) -> tuple[float, dict[str, Array]]:
        """Cost and every gradient at the current parameters, over (x, y)."""
        zs, acts = self.forward(x)
        return self.backward(zs, acts, y)

    def backward(self, zs: list[Array], acts: list[Array], y: Array
                 ) -> tuple[float, dict[str, Array]]:
        cost, grads, _ = self.backward_deltas(zs, acts, y)
        return cost, grads

    def backward_deltas(self, zs: Sequence[Array], acts: Sequence[Array], y: Array
                        ) -> tuple[float, dict[str, Array], list[Array]]:
        """Cost, gradients and δ_l of every layer."""
        cost = self.cost(zs[-1], acts[-1], y)
        grads: dict[str, Array] = {}
        deltas: list[Array] = [np.empty(0)] * self.L
        delta: Array | None = None
        for l in range(self.L - 1, -1, -1):
            delta = deltas[l] = self.delta(l, zs, acts, y, delta)
            grads[weight_name(l)], grads[bias_name(l)] = self.layer_grads(delta, acts[l])
        return cost, grads, deltas


Span = tuple[int, int, tuple[int, ...]]  # start, stop, shape


def _spans(sizes: tuple[int, ...]) -> list[tuple[Span, Span]]:
    out: list[tuple[Span, Span]] = []
    at = 0
    for n_in, n_out in itertools.pairwise(sizes):
        w_end = at + n_out * n_in
        out.append(((at, w_end, (n_out, n_in)), (w_end, w_end + n_out, (n_out,))))
        at = w_end + n_out
    return out


def _views(flat: Array, span: tuple[Span, Span]) -> tuple[Array, Array]:
    (w0, w1, shape), (b0, b1, _) = span
    return flat[w0:w1].reshape(shape), flat[b0:b1]


@functools.lru_cache(maxsize=8)
def _ones(n: int) -> Array:
    """n ones, read-only: made once per batch size, not at every step (2–3% of one)."""
    ones = np.ones(n)
    ones.flags.writeable = False
    return ones


def init_params(arch: Architecture, rng: np.random.Generator) -> dict[str, Array]:
    """Weights ~ N(0, gain²/n_in) (Xavier/He by activation); biases zero."""
    gain = np.sqrt(2.0) if arch.activation == "relu" else 1.0
    params: dict[str, Array] = {}
    for l in range(arch.n_layers):
        n_in, n_out = arch.layers[l], arch.layers[l + 1]
        params[weight_name(l)] = rng.normal(0.0, gain / np.sqrt(n_in), size=(n_out, n_in))
        params[bias_name(l)] = np.zeros(n_out)
    return params


def check_params(arch: Architecture, values: dict[str, object]) -> dict[str, Array]:
    """Validated float64 copies of user-given values; names and shapes must match."""
    out: dict[str, Array] = {}
    for name, value in values.items():
        shape = arch.shape(name)
        try:
            arr = np.array(value, dtype=np.float64)
        except (TypeError, ValueError, OverflowError) as exc:
            raise ConfigError("refusal.params.numbers", name=name, detail=exc) from None
        if arr.shape != shape:
            raise ConfigError("refusal.params.shape", name=name, shape=list(arr.shape),
                              expected=list(shape))
        if not np.isfinite(arr).all():
            raise ConfigError("refusal.params.finite", name=name)
        if not within_limit(arr):
            raise ConfigError("refusal.params.limit", name=name, limit=f"{PARAMETER_LIMIT:g}")
        out[name] = arr
    return out
