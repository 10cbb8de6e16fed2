"""The engine's shortcuts change no number: products split across cores equal NumPy's, and a
full-batch step that reads the screen's cached pass is bit-identical to one that computes it."""

import multiprocessing
import os
import threading
from dataclasses import replace

import numpy as np
import pytest

from dialboard.engine import cores
from dialboard.engine.cores import affine, outer_sum
from dialboard.engine.errors import DivergedError
from dialboard.engine.learners import GradientState
from dialboard.engine.lookahead import next_update
from dialboard.engine.network import within_limit
from dialboard.engine.trainer import Trainer
from tests.engine.helpers import make_trainer


@pytest.fixture
def split_everything(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every product cut, and helped by the pool, whatever this machine has."""
    monkeypatch.setattr(cores, "SPLIT_WORK", 1)
    monkeypatch.setattr(cores, "CORES", max(2, cores.CORES))
    monkeypatch.setattr(cores, "HELPERS", True)


@pytest.mark.usefixtures("split_everything")
@pytest.mark.parametrize("n", [1, 2, 3, 7, 64])
def test_split_products_equal_numpys(n: int) -> None:
    rng = np.random.default_rng(n)
    a, w, b, d = (rng.normal(size=s) for s in ((n, 9), (5, 9), (5,), (n, 5)))
    np.testing.assert_allclose(affine(a, w, b), a @ w.T + b, rtol=1e-14, atol=1e-14)
    np.testing.assert_allclose(outer_sum(d, a), d.T @ a, rtol=1e-14, atol=1e-14)


def _train(batch: int | None, steps: int) -> Trainer:
    t = make_trainer((6, 5, 4, 3), batch_size=batch, n=40, learning_rate=0.7)
    t.step(steps)
    return t


@pytest.mark.parametrize("batch", [None, 8])
def test_a_step_with_split_products_is_the_plain_step(
        batch: int | None, monkeypatch: pytest.MonkeyPatch) -> None:
    plain = _train(batch, 5)
    monkeypatch.setattr(cores, "SPLIT_WORK", 1)
    monkeypatch.setattr(cores, "CORES", max(2, cores.CORES))
    split = _train(batch, 5)
    for name, p in plain.net.params.items():
        np.testing.assert_allclose(split.net.params[name], p, rtol=0, atol=1e-13)


@pytest.mark.usefixtures("split_everything")
def test_the_bits_never_depend_on_which_thread_computed_a_piece(
        monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(7)
    a, w, b, d = (rng.normal(size=s) for s in ((301, 97), (13, 97), (13,), (301, 13)))
    helped = affine(a, w, b), outer_sum(d, a)
    monkeypatch.setattr(cores, "HELPERS", False)
    alone = affine(a, w, b), outer_sum(d, a)
    for x, y in zip(helped, alone, strict=True):
        assert np.array_equal(x, y)


def test_the_pool_joins_in_when_that_has_been_faster(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cores, "_pace", {})
    monkeypatch.setattr(cores, "_counts", {})
    assert cores.helped_now("a")  # each way once, helped first
    cores.record("a", True, 2.0, 1_000_000)
    assert not cores.helped_now("a")
    cores.record("a", False, 1.0, 1_000_000)  # alone was faster: alone, bar one try in EXPLORE
    assert [cores.helped_now("a") for _ in range(cores.EXPLORE)].count(True) == 1
    assert cores.helped_now("b")  # another kind of product keeps its own account
    for _ in range(8):  # the machine quietens: helped products get faster
        cores.record("a", True, 0.5, 1_000_000)
    assert [cores.helped_now("a") for _ in range(cores.EXPLORE)].count(True) == cores.EXPLORE - 1


@pytest.mark.skipif(not hasattr(os, "getpriority"), reason="no nice values on this system")
def test_the_pools_threads_give_way_and_the_caller_does_not() -> None:
    """A helper hurries a product only when a core is idle: another board's step, or the web
    process's sockets, go first (Linux keeps a nice value per thread)."""
    own = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    nice = cores._executor().submit(
        lambda: os.getpriority(os.PRIO_PROCESS, threading.get_native_id())).result(timeout=60)
    assert nice == max(own, cores.HELPER_NICE)
    assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) == own


def _child(queue: "multiprocessing.Queue[float]") -> None:
    rng = np.random.default_rng(0)
    a, w = rng.normal(size=(4, 3)), rng.normal(size=(2, 3))
    queue.put(float(np.abs(affine(a, w, np.zeros(2)) - a @ w.T).max()))


@pytest.mark.usefixtures("split_everything")
@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning")
def test_a_forked_process_splits_products_too() -> None:
    affine(np.ones((4, 3)), np.ones((2, 3)), np.zeros(2))  # this process's threads exist now
    ctx = multiprocessing.get_context("fork")
    queue: multiprocessing.Queue[float] = ctx.Queue()
    child = ctx.Process(target=_child, args=(queue,))
    child.start()
    assert queue.get(timeout=60) < 1e-14  # a child waiting on its parent's threads: no answer
    child.join(timeout=60)
    assert child.exitcode == 0


def test_within_limit_looks_at_every_value() -> None:
    assert within_limit(np.array([1e8, -1e8])) and within_limit(np.zeros(0))
    assert within_limit(np.full(1000, 9e7))  # Σ a² is past LIMIT², yet every value is within
    for bad in (1e8 * (1 + 1e-15), -2e8, np.nan, np.inf):
        assert not within_limit(np.array([0.0, bad]))
        assert not within_limit(bad)
    assert not within_limit(np.array([1e200, 1.0]))  # Σ a² overflows to ∞


def _watched(t: Trainer) -> None:
    """What a streamed frame asks of the trainer between steps."""
    t.cost()
    t.gradient()
    next_update(t)


@pytest.mark.parametrize("momentum", [0.0, 0.9])
def test_a_full_batch_step_reading_the_screen_is_bit_identical(momentum: float) -> None:
    watched, alone = (make_trainer((3, 5, 4, 2), batch_size=None, momentum=momentum)
                      for _ in range(2))
    for _ in range(4):
        _watched(watched)
        watched.step()
        alone.step()
        for name, p in alone.net.params.items():
            assert np.array_equal(watched.net.params[name], p)
        assert watched.trace.batch_cost == alone.trace.batch_cost
        for l in range(3):
            assert np.array_equal(watched.trace.deltas[l], alone.trace.deltas[l])  # type: ignore[arg-type]


def test_the_step_follows_the_screens_gradient_layer_by_layer() -> None:
    t = make_trainer((3, 5, 4, 2), batch_size=None)
    grads = {n: g.copy() for n, g in t.gradient().items()}
    while t.next_phase != "update":
        t.run_phase()
    assert t.trace.grads.keys() == grads.keys()
    for name, g in grads.items():
        assert np.array_equal(t.trace.grads[name], g)
    for l, d in enumerate(t.trace.deltas):
        assert d is not None and d.shape == (24, (5, 4, 2)[l])
        np.testing.assert_allclose(d.sum(axis=0), grads[f"layers.{l}.bias"], rtol=1e-13)


def test_a_screen_updated_after_a_turn_is_not_taken_for_the_step() -> None:
    turned, fresh = (make_trainer((3, 5, 4, 2), batch_size=None) for _ in range(2))
    for t in (turned, fresh):
        t.cost()
        t.set_value("layers.0.weight", [1, 2], 0.731)
        t.set_value("layers.1.bias", [3], -0.25)
    turned.cost()  # the screen, updated neuron by neuron: equal to rounding, not bit for bit
    turned.gradient()
    fresh.screen.invalidate()
    turned.step()
    fresh.step()
    for name, p in fresh.net.params.items():
        assert np.array_equal(turned.net.params[name], p)


@pytest.mark.parametrize("batch", [None, 5])
def test_a_step_restored_from_row_by_row_copies_continues_bit_identically(
        batch: int | None) -> None:
    """Storage hands arrays back row by row (C order); the network holds a layer's values
    column by column, and BLAS sums in another order when the layout differs."""
    a, b = (make_trainer((3, 5, 4, 2), batch_size=batch, momentum=0.5) for _ in range(2))
    a.step(2)
    for _ in range(4):  # forward:0 … cost, backward:2
        a.run_phase()
    snap = a.snapshot()
    state = snap.learner_state
    assert isinstance(state, GradientState) and state.trace is not None
    tr = state.trace
    rows = replace(tr, zs=[np.ascontiguousarray(z) for z in tr.zs],
                   acts=[None if x is None else np.ascontiguousarray(x) for x in tr.acts],
                   deltas=[None if d is None else np.ascontiguousarray(d) for d in tr.deltas])
    b.restore(replace(snap, learner_state=replace(state, trace=rows)))
    a.step(3)
    b.step(3)
    for name, p in a.net.params.items():
        assert np.array_equal(b.net.params[name], p)


def _tensor_by_tensor(t: Trainer, monkeypatch: pytest.MonkeyPatch) -> Trainer:
    """`t` made to apply every update tensor by tensor, as before there was a vector of all."""
    monkeypatch.setattr(t, "_apply_flat", lambda p: False)
    return t


@pytest.mark.parametrize("momentum", [0.0, 0.9])
@pytest.mark.parametrize("batch", [None, 8])
def test_an_update_applied_as_one_vector_is_the_tensor_by_tensor_update(
        batch: int | None, momentum: float, monkeypatch: pytest.MonkeyPatch) -> None:
    fast, slow = (make_trainer((6, 5, 4, 3), batch_size=batch, n=40, momentum=momentum,
                               learning_rate=0.7) for _ in range(2))
    _tensor_by_tensor(slow, monkeypatch)
    for k in range(6):
        before = {n: p.copy() for n, p in fast.net.params.items()}
        if k == 3:  # a dial turned by hand between steps: the next update packs afresh
            for t in (fast, slow):
                t.set_value("layers.1.weight", [2, 3], 0.4)
            before["layers.1.weight"][2, 3] = 0.4
        fast.step()
        slow.step()
        assert fast.net.flat is not None  # the one-vector update was taken
        grads = fast.trace.grads
        for name, p in fast.net.params.items():
            assert np.shares_memory(p, fast.net.flat)
            assert np.array_equal(p, slow.net.params[name])
            if not momentum:  # θ + (−η ∂C/∂θ), by NumPy, outside the engine
                assert np.array_equal(p, before[name] + grads[name] * -0.7)
        assert fast.trace.batch_cost == slow.trace.batch_cost


def test_an_update_as_one_vector_past_the_limit_is_refused_and_moves_no_dial() -> None:
    t = make_trainer((3, 4, 2), activation="linear", output="linear", loss="mse",
                     learning_rate=1.0, batch_size=4)
    t.step()
    assert t.net.flat is not None
    for n in t.arch.parameter_names:  # the cost starts huge: no runaway, only the limit
        for idx in np.ndindex(t.net.params[n].shape):
            t.set_value(n, list(idx), 9e7)
    before = {n: p.copy() for n, p in t.net.params.items()}
    with pytest.raises(DivergedError, match="diverged at step"):
        t.step()
    assert t.diverged and "layers.0.weight" in t.diverged
    assert all(np.array_equal(t.net.params[n], before[n]) for n in before)


@pytest.mark.parametrize("decay", [0.0, 0.01])
def test_gradients_written_into_one_vector_are_the_gradients(decay: float) -> None:
    t = make_trainer((6, 5, 4, 3), batch_size=8, n=40, weight_decay=decay)
    t.step()
    while t.next_phase != "update":
        t.run_phase()
    tr = t.trace
    assert tr.batch is not None and tr.acts[0] is not None
    _, grads = t.net.gradient(tr.acts[0], t.data.y_train[tr.batch])
    for name, g in grads.items():
        assert np.array_equal(tr.grads[name], g)
    t.run_phase()
    assert (t.net.flat is None) == bool(decay)  # weight decay: the tensor-by-tensor update


def test_a_momentum_step_is_one_vector_again_after_a_restore_a_lock_or_a_lookahead(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """v is packed back into one vector (the same numbers) after anything that took the
    tensor-by-tensor path or restored v from a snapshot."""
    fast, slow = (make_trainer((6, 5, 4, 3), batch_size=8, n=40, momentum=0.9) for _ in range(2))
    _tensor_by_tensor(slow, monkeypatch)

    def locked_a_while(t: Trainer) -> None:
        t.set_locked("layers.0.weight", [0, 0], True)
        t.step(2)  # tensor by tensor: a dial is locked
        t.set_locked("layers.0.weight", [0, 0], False)

    interruptions = [next_update, lambda t: t.restore(t.snapshot()), locked_a_while]
    fast.step(2)
    slow.step(2)
    for interrupt in interruptions:
        for t in (fast, slow):
            interrupt(t)
            t.step(2)
        assert fast.net.flat is not None, interrupt
        for name, p in fast.net.params.items():
            assert np.array_equal(p, slow.net.params[name])
            assert np.array_equal(fast.learner.velocity[name], slow.learner.velocity[name])
