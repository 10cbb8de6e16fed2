"""The race on the 625 board: its time beside one bare engine step, measured in the same run.

    python benchmarks/race.py [--budget 100] [--population 10] [--seed 0]

Builds the `digits-625` preset (625 inputs → 20 → 20 → 10, its mini-batch of 32), races
gradient descent (its η), trial and error and evolution (σ = its step size, k copies) for
`--budget` forward passes each, and prints per lane the forward passes spent, its own wall
time, the time per forward pass, its points and its final cost; then the race's total
(observer's cost measurements included) and, for comparison, one bare `Trainer.step()` of
the board's gradient descent and one bare forward pass over the training set (the mean of
one measurement before the race and one after: a shared machine's load varies).
"""

import argparse
import time

from dialboard.engine import Trainer
from dialboard.engine.race import Race, Start
from dialboard.server.session_config import build, resolve


def bare_step(trainer: Trainer, repeats: int = 200) -> float:
    with trainer.trying():  # leaves the board exactly as it was
        trainer.step()  # warm
        began = time.perf_counter()
        for _ in range(repeats):
            trainer.step()
        return (time.perf_counter() - began) / repeats


def bare_pass(start: Start, repeats: int = 10) -> float:
    start.cost(start.params)
    began = time.perf_counter()
    for _ in range(repeats):
        start.cost(start.params)
    return (time.perf_counter() - began) / repeats


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--budget", type=int, default=100)
    ap.add_argument("--population", type=int, default=10)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    t = build(resolve({"preset": "digits-625"}), max_parameters=10**6)
    cfg, n = t.config, t.data.x_train.shape[0]
    print(f"625 board: layers {list(t.arch.layers)}, {t.arch.parameter_count:,} dials, "
          f"{n:,} training examples, batch {cfg.batch_size}, η {cfg.learning_rate:g}, "
          f"σ {cfg.step_size:g}, k {args.population}, budget {args.budget:,} forward passes")
    step, one_pass = bare_step(t), bare_pass(Start.of(t))  # before the race, and after it
    began = time.perf_counter()
    race = Race(Start.of(t), {"gradient_descent": cfg.learning_rate,
                              "trial_and_error": cfg.step_size, "evolution": cfg.step_size},
                args.budget, args.population, args.seed)
    while not race.done:
        race.advance(0.05)
    total = time.perf_counter() - began
    step, one_pass = (step + bare_step(t)) / 2, (one_pass + bare_pass(Start.of(t))) / 2
    print(f"{'lane':<18}{'passes':>9}{'own s':>9}{'ms/pass':>9}{'points':>8}{'cost':>10}")
    for lane in race.lanes:
        per = 1e3 * lane.seconds / max(lane.passes, 1e-9)
        print(f"{lane.learner:<18}{lane.passes:>9,.0f}{lane.seconds:>9.2f}{per:>9.2f}"
              f"{len(lane.points):>8}{lane.points[-1][1]:>10.4f}")
    own = sum(lane.seconds for lane in race.lanes)
    print(f"race total {total:.2f} s (lanes' own {own:.2f} s, observer's measurements and "
          f"bookkeeping {total - own:.2f} s)")
    print(f"bare engine step (gradient descent, batch {cfg.batch_size}): {1e3 * step:.3f} ms "
          f"= {step * n / (cfg.batch_size or n) * 1e3:.2f} ms per forward pass of training data")
    print(f"bare forward pass over the training set: {1e3 * one_pass:.2f} ms")
    margin = race.margin()
    if margin is not None:
        print(f"leader {race.standings()[0].learner}: below {margin[0]:.4f} (the runner-up now) "
              f"after {margin[1]:,.1f} forward passes")


if __name__ == "__main__":
    main()
