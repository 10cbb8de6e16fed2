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
from dataclasses import dataclass

import numpy as np

from dialboard.engine.config import LEARNER_NAMES
from dialboard.engine.race_lanes import MARKS, Lane, PopulationLane, Start, TrainerLane

__all__ = ["MARKS", "Lane", "PopulationLane", "Race", "Standing", "Start", "TrainerLane"]
CHUNK = 400  # a lane runs ~budget/CHUNK before the one furthest behind takes its turn


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
