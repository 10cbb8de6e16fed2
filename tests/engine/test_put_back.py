"""A step put back before its update (a pause inside a cut step) leaves the board exactly as
before it, and a full-batch step's forward pass leaves the screen its cost on the way."""

from __future__ import annotations

import numpy as np

from tests.engine.helpers import make_trainer


def test_a_full_batch_step_put_back_leaves_the_screen_its_cost() -> None:
    t, twin = (make_trainer((3, 5, 4, 2), n=40, n_test=10, batch_size=None) for _ in range(2))
    start = t.snapshot()
    t.run_phase()  # forward:0
    t.forward_for_screen()
    assert t.phases[t.pos - 1] == "cost"
    t.restore(start)
    assert t.screen.checkpoint()[0] is not None  # computed: nothing left to do for the screen
    assert t.pos == 0 and t.step_count == 0 and t.work == twin.work
    assert t.cost() == twin.cost() and t.test_cost() == twin.test_cost()
    t.step()
    twin.step()
    assert all(np.array_equal(t.net.params[n], twin.net.params[n]) for n in t.net.params)


def test_a_restore_to_other_dials_computes_the_screen_afresh() -> None:
    t, twin = (make_trainer((3, 5, 2), n=40, batch_size=None) for _ in range(2))
    start = t.snapshot()
    t.step()
    assert t.cost() != twin.cost()  # the screen now holds the stepped state's
    t.restore(start)
    assert t.cost() == twin.cost()


def test_a_mini_batch_step_is_not_run_further() -> None:
    t = make_trainer((3, 5, 2), n=40, batch_size=8)
    t.run_phase()
    t.forward_for_screen()
    assert t.pos == 1  # its forward pass is of 8 examples, not the screen's
