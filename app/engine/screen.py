"""The screen's number: the cost of the current parameters over the whole training set.

The forward pass over the training set is cached. Arrays in the cache are never written in
place, so a saved cache (`save`) stays valid and `restore` is exact: a rejected trial change
returns the screen to bit-identical numbers. After one neuron's incoming weights or bias
change (`touch`), only that neuron's column of z and a is recomputed in its layer, then the
later layers, which are narrow; the wide input layer is not multiplied again.

A full-batch gradient-descent step at the same parameters needs the very same forward and
backward pass: it reads them from here (`exact`, `backward`) instead of computing them again,
and hands its own forward pass over (`adopt`) when the screen has none.
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
    exact: bool = True  # from one forward pass over x, not updated after a turn (`touch`)


Backward = tuple[dict[str, Array], list[Array]]  # ∂C/∂θ by name, δ_l of every layer
Checkpoint = tuple[ScreenState | None, Backward | None, int]


class Screen:
    # Rank-one updates of the first layer accumulate rounding; refresh fully after this many.
    MAX_INCREMENTAL = 256

    def __init__(self, net: Network, x: Array, y: Array) -> None:
        self.net, self.x, self.y = net, x, y
        self._xt: Array | None = None  # (n_in, n) copy of x: one input's values are contiguous
        self._state: ScreenState | None = None
        self._back: Backward | None = None
        self._incremental = 0

    @property
    def n(self) -> int:
        return int(self.x.shape[0])

    def invalidate(self) -> None:
        self._state = None
        self._back = None

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
        return self._backward()[0]

    def deltas(self) -> list[Array]:
        """δ_l = ∂C/∂z_l of every layer over the training set, (n, n_out_l) each."""
        return self._backward()[1]

    def _backward(self) -> Backward:
        if self._back is None:
            st = self.state
            _, grads, deltas = self.net.backward_deltas(st.zs, st.acts, self.y)
            self._back = grads, deltas
        return self._back

    def exact(self) -> ScreenState | None:
        """The cached pass if it is exactly what `net.forward(x)` gives now, else None."""
        st = self._state
        return st if st is not None and st.exact else None

    def backward(self) -> Backward | None:
        """The cached backward pass of an exact forward pass, if there is one."""
        return self._back if self.exact() is not None else None

    def adopt(self, zs: list[Array], acts: list[Array], cost: float) -> None:
        """Take `net.forward(x)` at the current parameters, computed elsewhere, if none is
        cached. The arrays must never be written afterwards."""
        if self._state is None:
            self._incremental = 0
            self._state = ScreenState(tuple(zs), tuple(acts), cost, exact=False)

    def save(self) -> ScreenState | None:
        return self._state

    def checkpoint(self) -> Checkpoint:
        """Everything cached, gradient included, for `rollback` (arrays are never written)."""
        return self._state, self._back, self._incremental

    def rollback(self, cp: Checkpoint) -> None:
        self._state, self._back, self._incremental = cp

    def restore(self, state: ScreenState | None) -> None:
        self._state = state
        self._back = None

    def touch(self, l: int, i: int, j: int | None, delta: float) -> None:
        """W_l[i, j] (or b_l[i] when j is None) just changed by `delta`."""
        self._back = None
        self._incremental += 1
        if self._state is None or self._incremental > self.MAX_INCREMENTAL:
            self._state = None
            return
        net, st = self.net, self._state
        zs, acts = list(st.zs), list(st.acts)
        z = zs[l].copy(order="K")  # as laid out: a neuron's column stays contiguous
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
            a = acts[l + 1].copy(order="K")
            a[:, i] = act.forward(z[:, i : i + 1])[:, 0]
            acts[l + 1] = a
        for k in range(l + 1, net.L):
            zs[k], acts[k + 1] = net.forward_layer(k, acts[k])
        cost = net.cost(zs[-1], acts[-1], self.y)
        self._state = ScreenState(tuple(zs), tuple(acts), cost, exact=False)
