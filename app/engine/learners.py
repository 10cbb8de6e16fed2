"""Learners: how a step changes the dials.

- ``gradient_descent``: forward layer by layer, the cost, δ layer by layer backwards, then
  θ ← θ − η ∂C/∂θ (with momentum and weight decay when set) on a mini-batch or the full batch.
- ``trial_and_error``: the explanation's first idea. Turn one dial up by ``step_size``; if the
  cost over the training set does not fall, turn it down instead; keep only what helps. Dials
  are visited largest magnitude first, then round robin; one step is one try.
- ``evolution``: turn every unlocked dial by N(0, step_size²) at once; keep the change only if
  the cost fell.

The random learners judge a change by the training-set cost, so each try costs one forward
pass over the whole training set (counted in `Work.forward_examples`); gradient descent costs
one forward and one backward pass over its batch.
"""

from typing import TYPE_CHECKING, Protocol

import numpy as np

from app.engine.errors import ConfigError
from app.engine.network import PARAMETER_LIMIT, bias_name, weight_name

if TYPE_CHECKING:
    from app.engine.trainer import Trainer

Array = np.ndarray


class Learner(Protocol):
    phases: tuple[str, ...]

    def run(self, pos: int) -> None: ...
    def run_step(self) -> None: ...
    def abandon(self) -> None: ...
    def state(self) -> dict[str, object]: ...
    def load(self, state: dict[str, object]) -> None: ...


class GradientDescent:
    """Per-step arrays, for the phase panel: `batch`, `zs[l]`, `acts[l]` (acts[0] = x),
    `deltas[l]` (δ_l), `grads` by parameter name, `batch_cost`."""

    def __init__(self, t: "Trainer") -> None:
        self.t = t
        L = t.arch.n_layers
        self.phases: tuple[str, ...] = (*(f"forward:{l}" for l in range(L)), "cost",
                       *(f"backward:{l}" for l in reversed(range(L))), "update")
        self._names = [*(weight_name(l) for l in range(L)), *(bias_name(l) for l in range(L))]
        self._order: Array = np.arange(0)
        self._cursor = 0
        self.abandon()

    def abandon(self) -> None:
        L = self.t.arch.n_layers
        self.batch: Array | None = None
        self._yb: Array | None = None  # targets of the batch, taken once per step
        self.zs: list[Array | None] = [None] * L
        self.acts: list[Array | None] = [None] * (L + 1)
        self.deltas: list[Array | None] = [None] * L
        self.grads: dict[str, Array] = {}
        self.batch_cost: float | None = None

    def state(self) -> dict[str, object]:
        if self.t.pos == 0:  # between steps the per-step arrays are spent: don't hold them
            L = self.t.arch.n_layers
            return {"order": self._order, "cursor": self._cursor, "batch": None,
                    "zs": [None] * L, "acts": [None] * (L + 1), "deltas": [None] * L,
                    "grads": {}, "batch_cost": None}
        return {"order": self._order, "cursor": self._cursor, "batch": self.batch,
                "zs": list(self.zs), "acts": list(self.acts), "deltas": list(self.deltas),
                "grads": dict(self.grads), "batch_cost": self.batch_cost}

    def load(self, s: dict[str, object]) -> None:
        self._order, self._cursor = s["order"], s["cursor"]  # type: ignore[assignment]
        self.batch, self._yb = s["batch"], None  # type: ignore[assignment]
        self.zs, self.acts = list(s["zs"]), list(s["acts"])  # type: ignore[call-overload]
        self.deltas, self.grads = list(s["deltas"]), dict(s["grads"])  # type: ignore[call-overload]
        self.batch_cost = s["batch_cost"]  # type: ignore[assignment]

    def _next_batch(self) -> Array | None:
        """Indices of the next mini-batch (None = full batch); a new permutation per epoch."""
        n, size = self.t.data.x_train.shape[0], self.t.config.batch_size
        if size is None or size >= n:
            return None
        if self._cursor >= self._order.size:
            self._order, self._cursor = self.t.rng.permutation(n), 0
        batch = self._order[self._cursor : self._cursor + size]
        self._cursor += size
        return batch

    def run(self, pos: int) -> None:
        L = self.t.arch.n_layers
        if pos < L:
            self._forward(pos)
        elif pos == L:
            self._cost()
        elif pos < 2 * L + 1:
            self._backward(2 * L - pos)
        else:
            self._update()

    def run_step(self) -> None:
        """All phases of one step: the same calls, in the same order, as `run` one by one."""
        L = self.t.arch.n_layers
        for l in range(L):
            self._forward(l)
        self._cost()
        if self.t.diverged:
            return
        for l in reversed(range(L)):
            self._backward(l)
        self._update()

    def _y(self) -> Array:
        y = self.t.data.y_train
        if self._yb is None:
            self._yb = y if self.batch is None else y[self.batch]
        return self._yb

    def _forward(self, l: int) -> None:
        if l == 0:
            x = self.t.data.x_train
            self.batch = self._next_batch()
            self._yb = None
            self.acts[0] = x if self.batch is None else x[self.batch]
        a_prev = self.acts[l]
        assert a_prev is not None
        self.zs[l], self.acts[l + 1] = self.t.net.forward_layer(l, a_prev)

    def _cost(self) -> None:
        zs, acts = self.zs, self.acts
        assert zs[-1] is not None and acts[-1] is not None and acts[0] is not None
        self.batch_cost = self.t.net.cost(zs[-1], acts[-1], self._y())
        self.t.work.forward_examples += acts[0].shape[0]
        if not np.isfinite(self.batch_cost):
            self.t.diverge(f"the batch cost is {self.batch_cost}")

    def _backward(self, l: int) -> None:
        nxt = self.deltas[l + 1] if l + 1 < len(self.deltas) else None
        delta = self.t.net.delta(l, self.zs, self.acts, self._y(), nxt)  # type: ignore[arg-type]
        self.deltas[l] = delta
        a_prev = self.acts[l]
        assert a_prev is not None
        self.grads[weight_name(l)], self.grads[bias_name(l)] = self.t.net.layer_grads(delta, a_prev)
        if l == 0:
            self.t.work.backward_examples += a_prev.shape[0]

    def _update(self) -> None:
        """θ ← θ − η(∂C/∂θ + λW), with v ← μv − η(…), θ ← θ + v under momentum; locked stay."""
        t, cfg = self.t, self.t.config
        new: list[Array] = []
        velocity: dict[str, Array] = {}
        for name, p in zip(self._names, (*t.net.weights, *t.net.biases), strict=True):
            g = self.grads[name]
            if cfg.weight_decay and name.endswith("weight"):
                g = g + cfg.weight_decay * p
            step = g * -cfg.learning_rate
            if cfg.momentum:
                step += cfg.momentum * t.velocity.get(name, 0.0)
            free = t.free_mask(name)
            if free is not None:
                step *= free
            if cfg.momentum:
                velocity[name] = step
            q = p + step
            # Two reductions, no temporary; a NaN fails both comparisons.
            if not (q.max() <= PARAMETER_LIMIT and q.min() >= -PARAMETER_LIMIT):
                t.diverge(f"the update would push {name} beyond ±{PARAMETER_LIMIT:g}")
                return  # nothing of a refused update is kept, momentum included
            new.append(q)
        L = t.arch.n_layers
        t.velocity.update(velocity)
        t.set_layers(new[:L], new[L:])


class _TryAndKeep:
    """Shared shape of the random learners: nudge, look at the cost, keep or take back."""

    phases: tuple[str, ...] = ("nudge", "cost", "keep")

    def __init__(self, t: "Trainer") -> None:
        self.t = t
        self.base_cost: float | None = None  # within one step only: hand turns change it
        self.trial_cost: float | None = None
        self._undo: tuple[dict[str, Array], object] | None = None

    def abandon(self) -> None:
        if self._undo is not None:
            self._take_back()

    def state(self) -> dict[str, object]:
        return {"base_cost": self.base_cost, "trial_cost": self.trial_cost, "undo": self._undo}

    def load(self, s: dict[str, object]) -> None:
        self.base_cost, self.trial_cost = s["base_cost"], s["trial_cost"]  # type: ignore[assignment]
        self._undo = s["undo"]  # type: ignore[assignment]

    def run(self, pos: int) -> None:
        if pos == 0:
            fresh = self.t.screen.save() is None
            self.base_cost = self.t.screen.cost()
            if fresh:
                self.t.work.forward_examples += self.t.screen.n
            old = dict(self.t.net.params)
            screen = self.t.screen.save()
            self.nudge()
            self._undo = (old, screen)
        elif pos == 1:
            self.trial_cost = self.t.screen.cost()
            self.t.work.forward_examples += self.t.screen.n
        else:
            kept = self.trial_cost is not None and self.base_cost is not None and \
                self.trial_cost < self.base_cost
            if kept:
                self.base_cost, self._undo = self.trial_cost, None
            else:
                self._take_back()
            self.decided(kept)

    def run_step(self) -> None:
        for pos in range(len(self.phases)):
            self.run(pos)
            if self.t.diverged:
                return

    def _take_back(self) -> None:
        assert self._undo is not None
        params, screen = self._undo
        self.t.set_params(params)
        self.t.screen.restore(screen)  # type: ignore[arg-type]
        self._undo = None

    def nudge(self) -> None: ...

    def decided(self, kept: bool) -> None: ...


class TrialAndError(_TryAndKeep):
    def __init__(self, t: "Trainer") -> None:
        super().__init__(t)
        names = t.arch.parameter_names
        sizes = [int(np.prod(t.arch.shape(n))) for n in names]
        self.dial_param = np.repeat(np.arange(len(names)), sizes)
        self.dial_flat = np.concatenate([np.arange(s) for s in sizes])
        mags = np.concatenate([np.abs(t.net.params[n]).ravel() for n in names])
        # Largest magnitude first; stable, so ties keep name/index order.
        self.order = np.argsort(-mags, kind="stable")
        self.cursor, self.direction = 0, 1.0
        self.dial: tuple[str, tuple[int, ...]] | None = None

    def state(self) -> dict[str, object]:
        return {**super().state(), "cursor": self.cursor, "direction": self.direction,
                "order": self.order, "dial": self.dial}

    def load(self, s: dict[str, object]) -> None:
        super().load(s)
        self.cursor, self.direction = s["cursor"], s["direction"]  # type: ignore[assignment]
        self.order, self.dial = s["order"], s["dial"]  # type: ignore[assignment]

    def _pick(self) -> tuple[str, tuple[int, ...]]:
        names = self.t.arch.parameter_names
        for _ in range(self.order.size):
            k = int(self.order[self.cursor % self.order.size])
            name = names[int(self.dial_param[k])]
            idx = np.unravel_index(int(self.dial_flat[k]), self.t.arch.shape(name))
            if not self.t.locks[name][idx]:
                return name, tuple(int(i) for i in idx)
            self.cursor, self.direction = self.cursor + 1, 1.0
        raise ConfigError("every dial is locked; unlock one so trial and error can turn it")

    def nudge(self) -> None:
        self.dial = name, idx = self._pick()
        value = self.t.value(name, idx) + self.direction * self.t.config.step_size
        self.t.set_value(name, list(idx), value, abandon=False)

    def decided(self, kept: bool) -> None:
        if kept or self.direction < 0:
            self.cursor, self.direction = self.cursor + 1, 1.0
        else:
            self.direction = -1.0


class Evolution(_TryAndKeep):
    def nudge(self) -> None:
        t, sigma = self.t, self.t.config.step_size
        new = {}
        for name, p in t.net.params.items():
            noise = t.rng.normal(0.0, sigma, size=p.shape)
            free = t.free_mask(name)
            new[name] = p + (noise if free is None else noise * free)
            if not np.abs(new[name]).max() <= PARAMETER_LIMIT:
                t.diverge(f"a random turn would push {name} beyond ±{PARAMETER_LIMIT:g}")
                return
        t.set_params(new)

    def decided(self, kept: bool) -> None: ...


LEARNERS: dict[str, type[GradientDescent] | type[TrialAndError] | type[Evolution]] = {
    "gradient_descent": GradientDescent, "trial_and_error": TrialAndError, "evolution": Evolution,
}


def make_learner(name: str, t: "Trainer") -> Learner:
    return LEARNERS[name](t)
