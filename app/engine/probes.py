"""Questions about one dial, answered exactly from the screen's cached forward pass.

- `cost_slice`: the training-set cost as one dial sweeps a range with every other dial held
  (the curve whose tangent has slope ∂C/∂w). Only what depends on the dial is recomputed:
  its neuron's column of z, then the later layers, for all points at once.
- `nudges`: each training example's own ∂Cₓ/∂w, with C = (1/n) Σₓ Cₓ, so their mean is the
  screen's gradient at that dial.
"""

import math

import numpy as np

from dialboard.engine.errors import ConfigError
from dialboard.engine.losses import costs_along
from dialboard.engine.network import PARAMETER_LIMIT, Network, parse_name
from dialboard.engine.screen import Screen

Array = np.ndarray
MAX_POINTS = 1001
CHUNK_FLOATS = 4_000_000  # values swept at once × examples × widest layer: ~32 MB


def dial_scale(net: Network, layer: int) -> float:
    """The board's scale of a layer's dials: the 1-2-5 ceiling of 1.05 × its largest |θ|,
    at least 0.1 (as the board draws it)."""
    top = max(float(np.abs(net.weights[layer]).max(initial=0.0)),
              float(np.abs(net.biases[layer]).max(initial=0.0)))
    want = max(0.1, top * 1.05)
    exp = math.floor(math.log10(want))
    for m in (1, 2, 5, 10):
        if m * 10.0**exp >= want * (1 - 1e-12):
            return m * 10.0**exp
    return 10.0 ** (exp + 1)  # pragma: no cover (10 always fits)


def sweep_values(lo: float, hi: float, points: int) -> Array:
    if not 2 <= points <= MAX_POINTS:
        raise ConfigError("refusal.probe.points", limit=MAX_POINTS, points=points)
    if not (math.isfinite(lo) and math.isfinite(hi)) or not lo < hi:
        raise ConfigError("refusal.probe.range", lo=repr(lo), hi=repr(hi))
    if max(-lo, hi) > PARAMETER_LIMIT:  # a dial cannot go there (and the maths would overflow)
        raise ConfigError("refusal.probe.beyond", lo=repr(lo), hi=repr(hi),
                          limit=f"{PARAMETER_LIMIT:g}")
    return np.linspace(lo, hi, points)


def cost_slice(screen: Screen, name: str, idx: tuple[int, ...], values: Array) -> Array:
    """costs[k]: the training-set cost with dial `name[idx]` set to values[k], the rest held.

    Only examples the dial reaches are recomputed (a first-layer weight does not reach an
    example whose input j is 0), and only from the dial's layer on. With r of n examples
    reached, C(k) = (r·C_reached(k) + (n − r)·C_rest) / n."""
    net, st, n = screen.net, screen.state, screen.n
    l, kind = parse_name(name, net.L)
    share = np.ones(n) if kind == "bias" else st.acts[l][:, idx[1]]  # ∂z_i/∂θ per example
    rows = np.flatnonzero(share)
    rest = np.setdiff1d(np.arange(n), rows, assume_unique=True)
    if rest.size == n:  # the dial reaches no example: the screen's own cost, to the bit
        return np.full(values.size, st.cost)
    c_rest = net.cost(st.zs[-1][rest], st.acts[-1][rest], screen.y[rest]) if rest.size else 0.0
    widest = max(net.arch.layers[l + 1:])
    chunk = max(1, CHUNK_FLOATS // max(1, rows.size * widest))
    reached = np.concatenate([
        _reached_costs(screen, l, idx[0], values[k : k + chunk] - float(net.params[name][idx]),
                       rows, share[rows])
        for k in range(0, values.size, chunk)]) if rows.size else np.zeros(values.size)
    return (rows.size * reached + rest.size * c_rest) / n


def _reached_costs(screen: Screen, l: int, i: int, delta: Array, rows: Array,
                   share: Array) -> Array:
    """Mean cost over `rows` for each change `delta` (k,) of neuron i's z in layer l."""
    net, st, k, r = screen.net, screen.state, delta.size, rows.size
    z: Array
    a: Array
    z_i = st.zs[l][rows, i][None, :] + delta[:, None] * share[None, :]  # (k, r)
    if net.acts[l].name == "softmax":  # the output layer, not elementwise: whole rows
        z = np.repeat(st.zs[l][rows][None], k, axis=0)
        z[:, :, i] = z_i
        a = net.acts[l].forward(z.reshape(k * r, -1)).reshape(z.shape)
    else:
        a_i = net.acts[l].forward(z_i)
        if l + 1 < net.L:  # the next layer's z moves by Δa_i · W_{l+1}[:, i]: no matmul
            d_a = a_i - st.acts[l + 1][rows, i][None, :]
            z = st.zs[l + 1][rows][None] + d_a[:, :, None] * net.weights[l + 1][:, i]
            a = net.acts[l + 1].forward(z.reshape(k * r, -1)).reshape(z.shape)
            l += 1
        else:
            z = np.repeat(st.zs[l][rows][None], k, axis=0)
            z[:, :, i] = z_i
            a = np.repeat(st.acts[l + 1][rows][None], k, axis=0)
            a[:, :, i] = a_i
    for m in range(l + 1, net.L):  # later layers: every value's examples in one batch
        z2, a2 = net.forward_layer(m, a.reshape(k * r, -1))
        z, a = z2.reshape(k, r, -1), a2.reshape(k, r, -1)
    return costs_along(net.loss, net.arch.output_activation, z, a, screen.y[rows])


def example_deltas(screen: Screen) -> list[Array]:
    """δ_l of every training example alone, (n, n_out_l) per layer: n × the screen's δ (its
    cached backward pass, shared with the gradient)."""
    return [d * screen.n for d in screen.deltas()]


def nudges(screen: Screen, name: str, idx: tuple[int, ...]) -> Array:
    """(n,): ∂Cₓ/∂θ of each training example x for the dial `name[idx]`."""
    net = screen.net
    l, kind = parse_name(name, net.L)
    delta = example_deltas(screen)[l][:, idx[0]]
    if kind == "bias":
        return delta
    return delta * screen.state.acts[l][:, idx[1]]
