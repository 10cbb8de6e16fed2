"""The race's lanes (`race.py`): one learner each, on its own copy of the board, counted in
examples pushed forward and stopped before the step that would pass the budget; its points
(forward passes, training-set cost, its own wall seconds) at fixed marks."""


import math
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from dialboard.engine.config import TrainConfig
from dialboard.engine.datasets import Dataset
from dialboard.engine.errors import ConfigError, DivergedError
from dialboard.engine.network import Architecture, Network, within_limit
from dialboard.engine.trainer import Trainer

Array = np.ndarray
Point = tuple[float, float, float]  # (forward passes, cost over the training set, seconds)
MARKS = 199  # linear marks and as many logarithmic ones: ≤ 2 × 199 + 2 points a lane


@dataclass(frozen=True)
class Start:
    """What every lane starts from: the board's network, data, settings, dials and locks."""

    arch: Architecture
    data: Dataset
    config: TrainConfig
    params: dict[str, Array]
    locks: dict[str, Array]

    @classmethod
    def of(cls, t: Trainer) -> "Start":
        return cls(t.arch, t.data, t.config, dict(t.net.params), dict(t.locks))

    def cost(self, params: dict[str, Array]) -> float:
        """The training-set cost of `params`, on a network of its own (an observer's pass)."""
        net = Network(self.arch, params)
        zs, acts = net.forward(self.data.x_train)
        return net.cost(zs[-1], acts[-1], self.data.y_train)


def marks(budget: int) -> list[int]:
    """Examples spent at which a point is taken: linear and logarithmic in (0, budget]."""
    linear = np.linspace(0, budget, MARKS + 1)[1:]
    logarithmic = np.geomspace(1, budget, MARKS) if budget > 1 else np.ones(1)
    return sorted({math.ceil(m) for m in np.concatenate([linear, logarithmic])})


class Lane:
    """One learner's run: steps within the budget (in examples), and its points."""

    def __init__(self, learner: str, start: Start, budget: int) -> None:
        self.learner, self.start, self.budget = learner, start, budget
        self.n = int(start.data.x_train.shape[0])
        self.seconds = 0.0
        self.done = False
        self.diverged: str | None = None  # why the lane ended before its budget, if it did
        self._marks, self._next = marks(budget), 0
        self.points: list[Point] = []

    # what each kind of lane provides
    @property
    def spent(self) -> int:  # examples pushed forward so far
        raise NotImplementedError

    @property
    def params(self) -> dict[str, Array]:
        raise NotImplementedError

    def cost(self) -> float:
        raise NotImplementedError

    def _step(self) -> bool:
        """One step if it stays within the budget; False (nothing done) if it would not."""
        raise NotImplementedError

    # shared
    @property
    def passes(self) -> float:
        return self.spent / self.n

    def _point(self) -> None:
        p = (self.passes, float(self.cost()), self.seconds)
        if not self.points or self.points[-1][0] != p[0]:
            self.points.append(p)

    def run(self, until: int, clock: Callable[[], float], end: float = math.inf) -> None:
        """Steps until `until` examples are spent, the budget is, the learner diverged or the
        clock passed `end`."""
        while not self.done and self.spent < until:
            if self.spent >= self.budget:  # spent to the last example: no step can follow
                self.finish()
                return
            began = clock()
            try:
                went = self._step()
            except (DivergedError, ConfigError) as exc:  # ran away, or cannot step at all
                self.diverged, went = str(exc), False
            now = clock()
            self.seconds += now - began
            if not went:
                self.finish()
                return
            spent, ms = self.spent, self._marks
            if self._next < len(ms) and spent >= ms[self._next]:
                while self._next < len(ms) and spent >= ms[self._next]:
                    self._next += 1
                self._point()
            if now >= end:
                return

    def finish(self) -> None:
        self.done = True
        self._point()


class TrainerLane(Lane):
    """Gradient descent or trial and error, by the trainer's own learner and counts."""

    def __init__(self, learner: str, rate: float, start: Start, budget: int, seed: int) -> None:
        super().__init__(learner, start, budget)
        config = (replace(start.config, learner=learner, learning_rate=rate)
                  if learner == "gradient_descent" else
                  replace(start.config, learner=learner, step_size=rate))
        self.trainer = t = Trainer(start.arch, start.data, config, seed=seed,
                                   init=dict(start.params))
        for name, mask in start.locks.items():
            t.set_lock_mask(name, mask)
        self.net = t.net
        self._most = 0  # the dearest step so far, in examples (the next costs no more)
        self._point()
        # The runaway guard compares with the starting cost: given, so that the guard's
        # look at it is not a pass of the learner's (nor an uncounted one).
        t.run_start_cost = self.points[0][1]

    @property
    def spent(self) -> int:
        return self.trainer.work.forward_examples

    def finish(self) -> None:
        super().finish()
        self.trainer.screen.invalidate()  # its passes over the data are not needed any more
        self.trainer.test_screen.invalidate()

    @property
    def params(self) -> dict[str, Array]:
        return dict(self.trainer.net.params)

    def cost(self) -> float:
        state = self.trainer.screen.save()  # the learner's own pass, when it made one
        return state.cost if state is not None else self.start.cost(self.params)

    def _step(self) -> bool:
        t, before = self.trainer, self.spent
        near = self._most == 0 or before + 2 * self._most > self.budget
        snap = t.snapshot() if near else None
        t.step()
        if self.spent > self.budget:
            assert snap is not None, "a step cost more than twice the dearest before it"
            t.restore(snap)
            return False
        self._most = max(self._most, self.spent - before)
        return True


class PopulationLane(Lane):
    """Evolution with a population of k: the best of k perturbed copies, if better."""

    def __init__(self, sigma: float, k: int, start: Start, budget: int, seed: int) -> None:
        super().__init__("evolution", start, budget)
        self.sigma, self.k = sigma, k
        self.rng = np.random.default_rng(seed)
        self.net = Network(start.arch, dict(start.params))
        self.free = {n: None if not m.any() else (~m).astype(np.float64)
                     for n, m in start.locks.items()}
        self._spent = 0
        self.parent = dict(start.params)
        self.parent_cost = self._evaluate(self.parent)  # the parent's own pass counts too
        self._left = 0  # copies of this generation still to try
        self._best: dict[str, Array] | None = None
        self._best_cost = self.parent_cost
        self.points.append((0.0, self.parent_cost, 0.0))  # where every lane starts

    @property
    def spent(self) -> int:
        return self._spent

    @property
    def params(self) -> dict[str, Array]:
        return dict(self.parent)

    def cost(self) -> float:
        return self.parent_cost

    def _evaluate(self, params: dict[str, Array]) -> float:
        """One forward pass over the training set, counted."""
        for name, value in params.items():
            self.net.rebind(name, value)
        zs, acts = self.net.forward(self.start.data.x_train)
        self._spent += self.n
        return self.net.cost(zs[-1], acts[-1], self.start.data.y_train)

    def _copy(self) -> dict[str, Array]:
        out = {}
        for name, p in self.parent.items():
            d = self.rng.normal(0.0, self.sigma, size=p.shape)
            free = self.free[name]
            out[name] = p + (d if free is None else d * free)
        return out

    def _step(self) -> bool:
        """One copy of the generation (a 625-input board's pass is too long to wait for k of
        them between yields); after the k-th, the best is kept if it beats the parent."""
        if self._left == 0:  # a new generation, only if all of it fits the budget
            if self._spent + self.k * self.n > self.budget:
                return False
            self._best, self._best_cost, self._left = None, self.parent_cost, self.k
        child = self._copy()
        if all(within_limit(v) for v in child.values()):  # else never evaluated, never kept
            c = self._evaluate(child)
            if c < self._best_cost:  # NaN never compares less: never kept
                self._best, self._best_cost = child, c
        self._left -= 1
        if self._left == 0 and self._best is not None:
            self.parent, self.parent_cost = self._best, self._best_cost
        return True
