"""The race: learners from the same starting dials on the same data, counted fairly.

Each lane is an independent copy of the board: gradient descent and trial and error run a
`Trainer` of their own; evolution runs a population of k ("many networks in parallel"):
each generation perturbs k copies of the parent by N(0, σ²) per dial, evaluates every copy
over the training set and keeps the best if it beats the parent. The fair axis is forward
passes over the training set (examples pushed forward ÷ n): gradient descent spends one
forward (and one backward) pass per example of its batch per step, a trying learner one
forward pass over the training set per try, evolution k per generation. Every lane stops
before the step that would take it over the same budget.

Each lane keeps a series of points (forward passes, training-set cost, its own wall seconds)
at fixed marks, linear and logarithmic in the budget, so at most ~2 × MARKS points whatever
the budget; the series only ever grows. Measuring a point's cost is the observer's work: it
is neither counted nor timed. Same seed, same series (apart from wall seconds).
"""

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from dialboard.engine.config import LEARNER_NAMES, TrainConfig
from dialboard.engine.datasets import Dataset
from dialboard.engine.errors import ConfigError, DivergedError
from dialboard.engine.network import Architecture, Network, within_limit
from dialboard.engine.trainer import Trainer

Array = np.ndarray
Point = tuple[float, float, float]  # (forward passes, cost over the training set, seconds)
MARKS = 199  # linear marks and as many logarithmic ones: ≤ 2 × 199 + 2 points a lane
CHUNK = 400  # a lane runs ~budget/CHUNK before the one furthest behind takes its turn


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
            tensors, l = self.net.slots[name]
            tensors[l] = value
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


@dataclass(frozen=True)
class Standing:
    learner: str
    cost: float
    passes: float
    seconds: float
    diverged: bool


class Race:
    """The lanes, run a slice at a time, the one furthest behind in forward passes first.

    `rates`: learner → its learning rate (gradient descent) or step size (the others), in
    LEARNER_NAMES order whatever the order given; `budget`: forward passes each may spend.
    """

    def __init__(self, start: Start, rates: dict[str, float], budget: int,
                 population: int = 10, seed: int = 0) -> None:
        assert rates and set(rates) <= set(LEARNER_NAMES) and budget >= 1 and population >= 1
        n = int(start.data.x_train.shape[0])
        self.budget, self.population, self.seed = budget, population, seed
        self.examples = budget * n
        self.chunk = max(1, self.examples // CHUNK)
        self.lanes: list[Lane] = []
        for i, name in enumerate(k for k in LEARNER_NAMES if k in rates):
            lane_seed = int(np.random.SeedSequence([seed, i]).generate_state(1)[0])
            self.lanes.append(
                PopulationLane(rates[name], population, start, self.examples, lane_seed)
                if name == "evolution" else
                TrainerLane(name, rates[name], start, self.examples, lane_seed))

    @property
    def done(self) -> bool:
        return all(lane.done for lane in self.lanes)

    def advance(self, seconds: float, clock: Callable[[], float] = time.perf_counter) -> None:
        """Run for about `seconds`, a chunk at a time, the lane furthest behind first."""
        end = clock() + seconds
        while not self.done:
            lane = min((x for x in self.lanes if not x.done), key=lambda x: x.spent)
            lane.run(lane.spent + self.chunk, clock, end)
            if clock() >= end:
                return

    def stop(self) -> None:
        for lane in self.lanes:
            if not lane.done:
                lane.finish()

    def standings(self) -> list[Standing]:
        """Every lane where it is now, the lowest cost first (a diverged lane last)."""
        rows = [Standing(x.learner, x.points[-1][1], x.points[-1][0], x.seconds,
                         x.diverged is not None) for x in self.lanes]
        return sorted(rows, key=lambda s: (s.diverged or not math.isfinite(s.cost), s.cost))

    def margin(self) -> tuple[float, float] | None:
        """(cost, passes): the runner-up's cost now, and the forward passes the leader had
        spent when it first got to that cost or below. None with one lane."""
        rows = self.standings()
        if len(rows) < 2:
            return None
        leader = next(x for x in self.lanes if x.learner == rows[0].learner)
        target = rows[1].cost
        reached = next((p for p, c, _ in leader.points if c <= target), None)
        return None if reached is None else (target, reached)

    def winner(self) -> Lane:
        name = self.standings()[0].learner
        return next(x for x in self.lanes if x.learner == name)
