"""`next_update` is exactly the change the next step makes, for every learner and setting,
and asking for it changes nothing; runaway cost is divergence; the engine has no import cycle."""

import ast
import itertools
from pathlib import Path

import numpy as np
import pytest

from dialboard.engine.errors import DivergedError
from dialboard.engine.lookahead import next_update
from dialboard.engine.trainer import Trainer
from tests.engine.helpers import make_trainer

LEARNERS = ["gradient_descent", "trial_and_error", "evolution"]


def params_of(t: Trainer) -> dict[str, np.ndarray]:
    return {n: p.copy() for n, p in t.net.params.items()}


def _lock_some(t: Trainer) -> None:
    t.set_locked("layers.0.weight", [1, 2], True)
    t.set_locked("layers.1.bias", None, True)


@pytest.mark.parametrize(("learner", "batch", "momentum", "decay", "locked"), list(
    itertools.product(LEARNERS, [None, 5], [0.0, 0.9], [0.0, 1e-3], [False, True])))
def test_next_update_is_the_change_the_step_makes(
    learner: str, batch: int | None, momentum: float, decay: float, locked: bool
) -> None:
    t = make_trainer(learner=learner, batch_size=batch, momentum=momentum, weight_decay=decay,
                     learning_rate=0.8, step_size=0.3)
    if locked:
        _lock_some(t)
    for _ in range(6):  # several steps: momentum, batch order and the tries move on
        nxt = next_update(t)
        assert nxt.learner == learner and nxt.refused is None and nxt.delta is not None
        before = params_of(t)
        t.step()
        for name, p in before.items():
            np.testing.assert_allclose(t.net.params[name] - p, nxt.delta[name], rtol=0,
                                       atol=1e-12)
            if locked:
                assert np.array_equal(nxt.delta[name][t.locks[name]], 0 * p[t.locks[name]])
        if learner != "gradient_descent":  # the try: what the nudge phase turned
            assert nxt.tried is not None and t.trace.tried is not None
            for name, d in nxt.tried.items():
                np.testing.assert_array_equal(d, t.trace.tried[name])


@pytest.mark.parametrize("learner", LEARNERS)
def test_asking_for_the_next_update_changes_nothing(learner: str) -> None:
    a, b = (make_trainer(learner=learner, batch_size=5, momentum=0.5, step_size=0.3,
                         n_test=6) for _ in range(2))
    for _ in range(12):
        next_update(a)
        next_update(a)
        a.step()
        b.step()
    for name, p in b.net.params.items():
        np.testing.assert_array_equal(a.net.params[name], p)
    assert a.work == b.work and a.step_count == b.step_count
    assert a.cost() == b.cost() and a.test_cost() == b.test_cost()


def test_gradient_descent_names_its_batch_and_gradient() -> None:
    t = make_trainer(batch_size=5, learning_rate=0.5)
    nxt = next_update(t)
    assert nxt.batch is not None and nxt.n_examples == 5
    t.run_phase()
    assert np.array_equal(t.trace.batch, nxt.batch)
    while t.next_phase != "update":
        t.run_phase()
    assert nxt.grads is not None
    for name, g in nxt.grads.items():
        np.testing.assert_allclose(t.trace.grads[name], g, rtol=0, atol=1e-14)
    full = next_update(make_trainer(batch_size=None))
    assert full.batch is None and full.n_examples == 24


def test_mid_step_the_next_update_finishes_the_step_in_progress() -> None:
    t = make_trainer(batch_size=5, momentum=0.9)
    t.step(2)
    t.run_phase()
    t.run_phase()
    nxt = next_update(t)
    assert nxt.delta is not None
    before = params_of(t)
    t.step()
    for name, p in before.items():
        np.testing.assert_allclose(t.net.params[name] - p, nxt.delta[name], atol=1e-12, rtol=0)


def test_the_trace_reveals_layers_from_the_output_back() -> None:
    t = make_trainer((3, 4, 4, 2), batch_size=5)
    seen = []
    while True:
        t.run_phase()
        if t.pos == 0:
            break
        seen.append((t.phase, t.trace.layers_with_grads))
    assert seen == [("forward:0", []), ("forward:1", []), ("forward:2", []), ("cost", []),
                    ("backward:2", [2]), ("backward:1", [2, 1]), ("backward:0", [2, 1, 0])]


def test_a_refused_update_is_said_in_words() -> None:
    t = make_trainer((3, 4, 2), activation="linear", output="linear", loss="mse",
                     learning_rate=1e9)
    nxt = next_update(t)
    assert nxt.delta is None and nxt.refused and "beyond" in nxt.refused
    assert t.diverged is None  # asking did not diverge the board


def test_runaway_cost_is_divergence_and_undo_takes_it_back() -> None:
    from dialboard.engine.config import TrainConfig
    from dialboard.engine.datasets import load_dataset
    from dialboard.engine.network import Architecture

    data = load_dataset("digits", seed=0)
    arch = Architecture((64, 20, 10), "sigmoid", "softmax", "cross_entropy")
    t = Trainer(arch, data, TrainConfig(learning_rate=1e6, batch_size=32), seed=0)
    start = t.cost()
    snap = t.snapshot()
    with pytest.raises(DivergedError, match="ran away") as exc:
        t.step(200)
    assert "Lower the learning rate" in str(exc.value) and t.diverged
    assert t.step_count <= 3  # stopped at once, not after a hundred steps
    with pytest.raises(DivergedError):
        t.step()
    t.restore(snap)
    assert t.cost() == start and t.diverged is None


def test_an_unlucky_batch_of_a_trained_board_is_not_a_runaway() -> None:
    t = make_trainer(batch_size=1, learning_rate=0.5)
    t.step(400)  # trained: low cost, but single examples can still cost a lot
    t.configure(learning_rate=0.5)  # a new run starts from the low cost
    t.step(200)
    assert t.diverged is None


def test_the_engine_has_no_import_cycle() -> None:
    root = Path(__file__).parents[2] / "app" / "engine"
    graph: dict[str, set[str]] = {}
    for path in root.glob("*.py"):
        mod = f"dialboard.engine.{path.stem}"
        tree = ast.parse(path.read_text())
        graph[mod] = {n.module for n in ast.walk(tree)
                      if isinstance(n, ast.ImportFrom) and n.module
                      and n.module.startswith("dialboard.engine.")}
    done: set[str] = set()

    def visit(m: str, stack: tuple[str, ...]) -> None:
        assert m not in stack, f"import cycle: {' → '.join((*stack, m))}"
        if m in done:
            return
        for dep in graph.get(m, ()):
            visit(dep, (*stack, m))
        done.add(m)

    for m in graph:
        if m != "dialboard.engine.__init__":
            visit(m, ())
