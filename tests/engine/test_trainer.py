"""Phases, whole steps, seeds, locks, snapshots and divergence."""

import copy
import itertools

import numpy as np
import pytest

from dialboard.engine.errors import ConfigError, DivergedError
from dialboard.engine.network import Network
from dialboard.engine.trainer import Trainer
from tests.engine.helpers import make_trainer

LEARNERS = ["gradient_descent", "trial_and_error", "evolution"]


def params_of(t: Trainer) -> dict[str, np.ndarray]:
    return {k: v.copy() for k, v in t.net.params.items()}


def assert_same_params(a: dict[str, np.ndarray], b: dict[str, np.ndarray]) -> None:
    assert a.keys() == b.keys()
    for k in a:
        assert np.array_equal(a[k], b[k]), k


def test_phase_names_for_gradient_descent() -> None:
    t = make_trainer((3, 4, 5, 2))
    assert t.phases == ("forward:0", "forward:1", "forward:2", "cost",
                        "backward:2", "backward:1", "backward:0", "update")
    assert t.phase == "idle" and t.next_phase == "forward:0"


@pytest.mark.parametrize("learner", LEARNERS)
@pytest.mark.parametrize("batch", [None, 5])
@pytest.mark.parametrize(("momentum", "decay", "locked"),
                         [(0.5, 1e-3, False), (0.0, 0.0, False), (0.5, 0.0, False),
                          (0.5, 0.0, True)])
def test_phase_by_phase_is_bit_identical_to_whole_steps(
        learner: str, batch: int | None, momentum: float, decay: float, locked: bool) -> None:
    """A whole mini-batch step of gradient descent runs in two parts, not phase by phase: the
    same parameters, trace, work and velocity to the bit, with and without momentum, weight
    decay (tensor by tensor) and a locked dial (not one vector)."""
    kw = {"learner": learner, "batch_size": batch, "momentum": momentum, "weight_decay": decay}
    a, b = make_trainer(**kw), make_trainer(**kw)  # type: ignore[arg-type]
    for t in (a, b):
        t.set_locked("layers.0.weight", [1, 2], locked)
    dial = a.net.params["layers.0.weight"][1, 2]
    for k in range(1, 8):
        a.step()
        for _ in range(len(b.phases)):
            b.run_phase()
        assert a.step_count == b.step_count == k
        assert_same_params(params_of(a), params_of(b))
        assert a.work == b.work
        ta, tb = a.trace, b.trace
        assert (ta.batch_cost, ta.base_cost, ta.trial_cost) == (
            tb.batch_cost, tb.base_cost, tb.trial_cost)
        assert np.array_equal(ta.batch, tb.batch) if ta.batch is not None else tb.batch is None
        for xs, ys in ((ta.zs, tb.zs), (ta.acts, tb.acts), (ta.deltas, tb.deltas)):
            assert all(np.array_equal(x, y) for x, y in zip(xs, ys, strict=True))
        for xd, yd in ((ta.grads, tb.grads), (ta.tried or {}, tb.tried or {})):
            assert xd.keys() == yd.keys() and all(np.array_equal(xd[n], yd[n]) for n in xd)
        if learner == "gradient_descent":
            va, vb = a.learner.velocity, b.learner.velocity  # type: ignore[attr-defined]
            assert va.keys() == vb.keys() and all(np.array_equal(va[n], vb[n]) for n in va)
    assert a.cost() == b.cost()
    if locked or learner == "gradient_descent":
        assert (a.net.params["layers.0.weight"][1, 2] == dial) == locked


@pytest.mark.parametrize("learner", LEARNERS)
def test_a_step_advanced_phase_by_phase_is_the_whole_step(learner: str) -> None:
    """`advance` (a long step cut into slices, runner.py) ends exactly as `step()` does; a
    snapshot from a step's start, restored inside it (a run paused there), puts it back: the
    next step is the very one `step()` takes."""
    kw = {"learner": learner, "batch_size": 5, "momentum": 0.5}
    a, b = make_trainer(**kw), make_trainer(**kw)  # type: ignore[arg-type]
    a.step(4)
    for _ in range(3):
        while not b.advance():
            assert b.pos != 0
    start = b.snapshot()
    b.advance()
    b.advance()  # inside the fourth step
    b.restore(start)
    assert (b.pos, b.step_count, b.phase) == (0, 3, "idle")
    while not b.advance():
        pass
    assert (b.step_count, b.phase, b.last_phase) == (a.step_count, a.phase, a.last_phase)
    assert_same_params(params_of(a), params_of(b))
    assert a.cost() == b.cost()


def test_step_finishes_a_step_in_progress() -> None:
    t = make_trainer()
    t.run_phase()
    t.run_phase()
    t.step()
    assert t.step_count == 1 and t.phase == "idle"
    for _ in t.phases:
        t.run_phase()
    assert t.step_count == 2 and t.phase == "update" and t.next_phase == "forward:0"


def test_gradients_use_parameters_from_before_the_update() -> None:
    t = make_trainer(learning_rate=0.3)
    before = Network(t.arch, params_of(t))
    _, expected = before.gradient(t.data.x_train, t.data.y_train)
    while t.next_phase != "update":
        t.run_phase()
    for name, g in expected.items():
        np.testing.assert_allclose(t.trace.grads[name], g, rtol=1e-12, atol=1e-15)
    t.run_phase()
    for name, p in before.params.items():
        np.testing.assert_allclose(t.net.params[name], p - 0.3 * expected[name], rtol=1e-12)


def test_minibatches_cover_an_epoch_in_seeded_order() -> None:
    t = make_trainer(batch_size=5, n=24)
    seen = []
    for _ in range(5):  # 24 examples: batches of 5, 5, 5, 5, 4
        t.run_phase()
        assert t.trace.batch is not None
        seen.append(t.trace.batch.copy())
        t.step()
    assert [len(s) for s in seen] == [5, 5, 5, 5, 4]
    assert sorted(np.concatenate(seen).tolist()) == list(range(24))
    u = make_trainer(batch_size=5, n=24)
    u.run_phase()
    assert np.array_equal(u.trace.batch, seen[0])


@pytest.mark.parametrize("learner", LEARNERS)
def test_seeds_reproduce_and_differ(learner: str) -> None:
    a, b, c = (make_trainer(learner=learner, seed=s, batch_size=4) for s in (3, 3, 4))
    for t in (a, b, c):
        t.step(10)
    assert_same_params(params_of(a), params_of(b))
    assert not np.array_equal(a.net.weights[0], c.net.weights[0])


@pytest.mark.parametrize("learner", LEARNERS)
def test_locked_dials_never_move(learner: str) -> None:
    t = make_trainer(learner=learner, learning_rate=1.0, step_size=0.3, momentum=0.9)
    t.set_locked("layers.0.weight", [1, 2], True)
    t.set_locked("layers.1.bias", None, True)
    before = params_of(t)
    t.step(60)
    after = params_of(t)
    assert after["layers.0.weight"][1, 2] == before["layers.0.weight"][1, 2]
    assert np.array_equal(after["layers.1.bias"], before["layers.1.bias"])
    assert not np.array_equal(after["layers.0.weight"], before["layers.0.weight"])
    t.set_locked("layers.1.bias", [0], False)
    t.step(60)
    assert params_of(t)["layers.1.bias"][1] == before["layers.1.bias"][1]


@pytest.mark.parametrize("learner", ["trial_and_error", "evolution"])
def test_random_learners_never_raise_the_cost(learner: str) -> None:
    t = make_trainer(learner=learner, step_size=0.2)
    costs = [t.cost()]
    for _ in range(80):
        t.step()
        costs.append(t.cost())
    assert all(b <= a for a, b in itertools.pairwise(costs))
    assert costs[-1] < costs[0]


def _changed(before: dict[str, np.ndarray], after: dict[str, np.ndarray]
             ) -> list[tuple[str, tuple[int, ...], float]]:
    return [(n, tuple(int(i) for i in idx), float(after[n][idx] - before[n][idx]))
            for n in before for idx in zip(*np.nonzero(after[n] != before[n]), strict=True)]


def test_trial_and_error_visits_dials_largest_first_up_then_down() -> None:
    """Against a model written here: visiting order by |θ| at the start (stable), each dial
    tried up by the step size, then down if up did not lower the cost, then the next dial."""
    t = make_trainer(learner="trial_and_error", step_size=0.1)
    names = list(t.net.params)
    dials = [(n, tuple(int(i) for i in idx)) for n in names
             for idx in np.ndindex(t.net.params[n].shape)]
    mags = [abs(float(t.net.params[n][idx])) for n, idx in dials]
    order = [dials[k] for k in np.argsort(-np.array(mags), kind="stable")]
    assert mags[dials.index(order[0])] == max(mags)
    cursor, direction, kinds = 0, 1.0, set()
    for _ in range(40):
        before, base = params_of(t), t.cost()
        t.run_phase()  # nudge: exactly the model's dial, by ± step size
        tried = _changed(before, params_of(t))
        assert len(tried) == 1 and tried[0][:2] == order[cursor % len(order)]
        assert tried[0][2] == pytest.approx(direction * 0.1, abs=1e-12)
        t.run_phase()
        t.run_phase()
        kept = t.cost() < base
        if kept:
            assert _changed(before, params_of(t)) == tried
        else:
            assert _changed(before, params_of(t)) == []  # put back exactly
        kinds.add((direction, kept))
        if kept or direction < 0:
            cursor, direction = cursor + 1, 1.0
        else:
            direction = -1.0
    assert {(1.0, False), (-1.0, True)} <= kinds  # both branches were exercised


def test_work_is_counted() -> None:
    gd = make_trainer(batch_size=4, n=24)
    gd.step(3)
    assert (gd.work.forward_examples, gd.work.backward_examples) == (12, 12)
    te = make_trainer(learner="trial_and_error", n=24)
    te.step(3)  # the first look at the screen, then one evaluation per try
    assert (te.work.forward_examples, te.work.backward_examples) == (24 * 4, 0)
    assert te.forward_passes == 4.0 and gd.forward_passes == 0.5


def test_snapshot_restore_replays_exactly() -> None:
    t = make_trainer(batch_size=5, momentum=0.8)
    t.step(3)
    t.run_phase()
    snap = t.snapshot()
    t.step(4)
    after = params_of(t)
    t.restore(snap)
    assert t.phase == "forward:0" and t.step_count == 3
    t.step(4)
    assert_same_params(params_of(t), after)


def test_a_snapshots_rng_state_is_its_own_through_draws_and_restores() -> None:
    # Taken and restored without a copy: NumPy's generator gives a new dict at each read
    # and keeps none it is given. Trial and error draws at every step.
    t = make_trainer(learner="trial_and_error", n=24)
    t.step(2)
    snap = t.snapshot()
    kept = copy.deepcopy(snap.rng_state)
    t.step(5)
    after = params_of(t)
    for _ in range(2):
        t.restore(snap)
        t.step(5)
        assert_same_params(params_of(t), after)
    assert snap.rng_state == kept


def test_screen_cost_is_incremental_and_exact() -> None:
    t = make_trainer((3, 6, 4, 2), activation="tanh", n_test=10)
    t.cost()
    t.test_cost()
    t.set_value("layers.0.weight", [2, 1], 0.7)
    t.set_value("layers.2.bias", [1], -0.4)
    fresh = Network(t.arch, params_of(t))
    zs, acts = fresh.forward(t.data.x_train)
    expected = fresh.cost(zs[-1], acts[-1], t.data.y_train)
    assert t.cost() == pytest.approx(expected, rel=1e-13)
    zt, at = fresh.forward(t.data.x_test)
    assert t.test_cost() == pytest.approx(fresh.cost(zt[-1], at[-1], t.data.y_test), rel=1e-13)
    _, g = fresh.gradient(t.data.x_train, t.data.y_train)
    for name in g:
        np.testing.assert_allclose(t.gradient()[name], g[name], rtol=1e-10, atol=1e-14)


def test_divergence_is_reported_and_stops_training() -> None:
    t = make_trainer((3, 4, 2), activation="linear", output="linear", loss="mse",
                     learning_rate=1e6)
    start = t.snapshot()
    with pytest.raises(DivergedError, match="diverged at step"):
        t.step(50)
    assert t.diverged and "learning rate" in t.diverged
    assert all(np.isfinite(p).all() for p in t.net.params.values())
    with pytest.raises(DivergedError):
        t.step()
    t.configure(learning_rate=1e-3)  # the parameters are still huge: it diverges again, loudly
    with pytest.raises(DivergedError):
        t.step(50)
    t.restore(start)
    t.configure(learning_rate=1e-3)
    t.step(5)
    assert t.diverged is None and np.isfinite(t.cost())


@pytest.mark.parametrize(
    "kwargs,message",
    [
        ({"learning_rate": 0}, "learning_rate must be greater than 0"),
        ({"learning_rate": -1.0}, "learning_rate must be greater than 0"),
        ({"learning_rate": float("nan")}, "learning_rate must be a finite number"),
        ({"batch_size": 0}, "batch_size must be a whole number"),
        ({"learner": "magic"}, "learner 'magic' is unknown"),
        ({"momentum": 1.0}, "momentum must be at least 0"),
    ],
)
def test_bad_settings_are_explained(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        make_trainer(**kwargs)  # type: ignore[arg-type]
    t = make_trainer()
    with pytest.raises(ConfigError, match=message):
        t.configure(**kwargs)


@pytest.mark.parametrize(
    "sizes,act,out,loss,message",
    [
        ((3, 0, 2), "sigmoid", "softmax", "cross_entropy", r"layers\[1\] is 0"),
        ((3,), "sigmoid", "softmax", "cross_entropy", "at least an input and an output"),
        ((3, 4, 2), "swish", "softmax", "cross_entropy", "activation 'swish' is unknown"),
        ((3, 4, 2), "sigmoid", "relu", "quadratic", "output_activation 'relu' is unknown"),
        ((3, 4, 2), "sigmoid", "tanh", "cross_entropy", "needs output_activation softmax"),
        ((3, 4, 2), "sigmoid", "softmax", "hinge", "loss 'hinge' is unknown"),
        ((5, 4, 2), "sigmoid", "softmax", "cross_entropy", "make layers start with 3"),
    ],
)
def test_bad_networks_are_explained(sizes: tuple[int, ...], act: str, out: str, loss: str,
                                    message: str) -> None:
    from dialboard.engine.network import Architecture
    from tests.engine.helpers import blob_dataset

    with pytest.raises(ConfigError, match=message):
        Trainer(Architecture(sizes, act, out, loss), blob_dataset(3, 2))


def test_bad_dial_turns_are_explained_and_change_nothing() -> None:
    t = make_trainer()
    before = params_of(t)
    for args, message in [
        (("layers.9.weight", [0, 0], 1.0), "unknown parameter 'layers.9.weight'"),
        (("layers.0.weight", [4, 0], 1.0), r"index\[0\] of layers.0.weight must be 0 … 3"),
        (("layers.0.weight", [0], 1.0), "needs 2 whole numbers"),
        (("layers.0.bias", [0], float("inf")), "must be a finite number"),
        (("layers.0.bias", [0], "1"), "must be a finite number"),
    ]:
        with pytest.raises(ConfigError, match=message):
            t.set_value(*args)
    with pytest.raises(ConfigError, match="shape"):
        t.replace_params({"layers.0.weight": [[1.0, 2.0]]})
    with pytest.raises(ConfigError, match="NaN"):
        t.replace_params({"layers.0.bias": [float("nan")] * 4})
    assert_same_params(params_of(t), before)


def test_batch_larger_than_data_is_explained() -> None:
    t = make_trainer(n=24)
    with pytest.raises(ConfigError, match="more than the 24 training examples"):
        t.configure(batch_size=25)


def test_every_dial_locked_is_explained() -> None:
    t = make_trainer(learner="trial_and_error")
    for name in t.net.params:
        t.set_locked(name, None, True)
    with pytest.raises(ConfigError, match="every dial is locked"):
        t.step()


def test_a_refused_update_leaves_momentum_untouched() -> None:
    t = make_trainer((3, 4, 2), activation="linear", output="linear", loss="mse",
                     learning_rate=1e9, momentum=0.5)
    with pytest.raises(DivergedError):
        t.step()
    assert t.snapshot().learner_state.velocity == {}  # type: ignore[attr-defined]
    t.configure(learning_rate=0.01)
    t.step(3)  # the advice in the message works: nothing of the refused update lingers


def test_reset_uses_the_trainers_seed_and_init_again() -> None:
    from dialboard.engine.network import Architecture
    from tests.engine.helpers import blob_dataset

    arch = Architecture((3, 4, 2), "sigmoid", "softmax", "cross_entropy")
    t = Trainer(arch, blob_dataset(), seed=5, init={"layers.1.bias": [0.5, -0.5]})
    start = params_of(t)
    t.reset(99)
    assert not np.array_equal(t.net.weights[0], start["layers.0.weight"])
    assert t.net.biases[1].tolist() == [0.5, -0.5]
    t.reset()
    assert_same_params(params_of(t), start)


def test_an_update_past_float64_is_refused_and_a_locked_dial_stays_put() -> None:
    """η·∂C/∂θ overflows to ±inf (found by the websocket fuzz): no floating-point warning
    escapes the engine (inf · 0 on a locked dial was NaN), the step is refused as diverged
    and no dial moves, the locked one included."""
    from dialboard.server.session_config import build, resolve

    t = build(resolve({"preset": "sine", "learning_rate": 1e300, "activation": "relu",
                       "batch_size": None}), max_parameters=100)
    for n in t.arch.parameter_names:
        for idx in np.ndindex(t.net.params[n].shape):
            t.set_value(n, list(idx), 9e7)
    t.set_locked("layers.0.weight", [0, 0], True)
    assert max(float(np.abs(g).max()) for g in t.gradient().values()) * 1e300 == float("inf")
    before = {n: p.copy() for n, p in t.net.params.items()}
    with pytest.raises(DivergedError):
        t.step()  # warnings are errors in the tests: an overflow warning would fail here
    assert all(np.array_equal(t.net.params[n], before[n]) for n in before)
