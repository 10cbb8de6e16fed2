"""The screen's number: the cost of the current parameters over the whole training set.

The forward pass over the training set is cached. Arrays in the cache are never written in
place, so a saved cache (`save`) stays valid and `restore` is exact: a rejected trial change
returns the screen to bit-identical numbers. After one neuron's incoming weights or bias
change (`touch`), only that neuron's column of z and a is recomputed in its layer, then the
later layers, which are narrow; the wide input layer is not multiplied again.
"""

from dataclasses import dataclass

import numpy as np

from dialboard.engine.network import Network

Array = np.ndarray


@dataclass(frozen=True)
class ScreenState:
    zs: tuple[Array, ...]
    acts: tuple[Array, ...]
    cost: float


class Screen:
    # Rank-one updates of the first layer accumulate rounding; refresh fully after this many.
    MAX_INCREMENTAL = 256

    def __init__(self, net: Network, x: Array, y: Array) -> None:
        self.net, self.x, self.y = net, x, y
        self._xt: Array | None = None  # (n_in, n) copy of x: one input's values are contiguous
        self._state: ScreenState | None = None
        self._grads: dict[str, Array] | None = None
        self._incremental = 0

    @property
    def n(self) -> int:
        return int(self.x.shape[0])

    def invalidate(self) -> None:
        self._state = None
        self._grads = None

    def _full(self) -> ScreenState:
        self._incremental = 0
        zs, acts = self.net.forward(self.x)
        return ScreenState(tuple(zs), tuple(acts), self.net.cost(zs[-1], acts[-1], self.y))

    @property
    def state(self) -> ScreenState:
        if self._state is None:
            self._state = self._full()
        return self._state

    def cost(self) -> float:
        return self.state.cost

    def accuracy(self) -> float | None:
        """Share of examples whose predicted class is right (one 0/1 column: a > 0.5)."""
        if self.n == 0:
            return None
        a, y = self.state.acts[-1], self.y
        if a.shape[1] == 1:
            hits = (a[:, 0] > 0.5) == (y[:, 0] > 0.5)
        else:
            hits = a.argmax(axis=1) == y.argmax(axis=1)
        return float(hits.mean())

    def gradient(self) -> dict[str, Array]:
        """∂C/∂θ over the training set at the current parameters (cached until they change)."""
        if self._grads is None:
            st = self.state
            _, self._grads = self.net.backward(list(st.zs), list(st.acts), self.y)
        return self._grads

    def save(self) -> ScreenState | None:
        return self._state

    def checkpoint(self) -> tuple[ScreenState | None, dict[str, Array] | None, int]:
        """Everything cached, gradient included, for `rollback` (arrays are never written)."""
        return self._state, self._grads, self._incremental

    def rollback(self, cp: tuple[ScreenState | None, dict[str, Array] | None, int]) -> None:
        self._state, self._grads, self._incremental = cp

    def restore(self, state: ScreenState | None) -> None:
        self._state = state
        self._grads = None

    def touch(self, l: int, i: int, j: int | None, delta: float) -> None:
        """W_l[i, j] (or b_l[i] when j is None) just changed by `delta`."""
        self._grads = None
        self._incremental += 1
        if self._state is None or self._incremental > self.MAX_INCREMENTAL:
            self._state = None
            return
        net, st = self.net, self._state
        zs, acts = list(st.zs), list(st.acts)
        z = zs[l].copy()
        if l > 0:  # narrow layer: recompute the neuron's column exactly
            z[:, i] = acts[l] @ net.weights[l][i] + net.biases[l][i]
        elif j is None:
            z[:, i] += delta
        else:  # z_0[:, i] += Δw · x[:, j], reading one input instead of all of x
            if self._xt is None:
                self._xt = np.ascontiguousarray(self.x.T)
            z[:, i] += delta * self._xt[j]
        zs[l] = z
        act = net.acts[l]
        if act.name == "softmax":
            acts[l + 1] = act.forward(z)
        else:
            a = acts[l + 1].copy()
            a[:, i] = act.forward(z[:, i : i + 1])[:, 0]
            acts[l + 1] = a
        for k in range(l + 1, net.L):
            zs[k], acts[k + 1] = net.forward_layer(k, acts[k])
        cost = net.cost(zs[-1], acts[-1], self.y)
        self._state = ScreenState(tuple(zs), tuple(acts), cost)
