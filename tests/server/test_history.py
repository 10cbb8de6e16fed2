"""Undo levels (history.py): what a level holds and counts, and what makes one drag."""

from types import SimpleNamespace

import pytest

from dialboard.engine import Trainer
from dialboard.server import history as history_module
from dialboard.server.history import History
from dialboard.server.session_config import build, resolve
from tests.server.live import Client, Frame, Live, opened, run


def trainer(**config: object) -> Trainer:
    return build(resolve(config), max_parameters=250_000)


def test_history_counts_what_it_holds_and_drops_the_screen_cache() -> None:
    t = trainer(preset="circle", dataset_options={"n_samples": 2000})
    t.cost()
    t.run_phase()  # mid-step: the learner holds batch arrays
    snap = t.snapshot()
    history = History()
    history.push("phase", None, snap)
    kept = history.levels[-1]
    assert kept.snapshot.screen is None
    params = sum(a.nbytes for a in snap.params.values())
    assert kept.nbytes > params  # the batch's z and a are counted too
    assert history.nbytes == kept.nbytes


def test_turns_of_one_dial_within_the_drag_window_are_one_level(
    live: Live, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = [1000.0]  # the history's clock, moved by the test alone
    monkeypatch.setattr(history_module, "time", SimpleNamespace(monotonic=lambda: clock[0]))

    async def turn(c: Client, value: float, index: tuple[int, int] = (0, 0)) -> Frame:
        await c.send({"type": "set", "name": "layers.0.weight", "index": list(index),
                      "value": value})
        while True:
            f = await c.frame()
            if f["layers.0.weight"][index] == value:
                return f

    async def go() -> None:
        c, _, _ = await opened(live, "xor")
        assert (await turn(c, 1.0)).meta["undo_levels"] == "1"
        clock[0] += history_module.DRAG_SECONDS * 0.9
        assert (await turn(c, 2.0)).meta["undo_levels"] == "1"  # the drag goes on
        clock[0] += history_module.DRAG_SECONDS * 0.9  # counted from the last turn
        assert (await turn(c, 3.0)).meta["undo_levels"] == "1"
        assert (await turn(c, 4.0, (1, 0))).meta["undo_levels"] == "2"  # another dial
        assert (await turn(c, 5.0, (1, 0))).meta["undo_levels"] == "2"
        clock[0] += history_module.DRAG_SECONDS * 1.1  # a pause: the next turn is a new level
        assert (await turn(c, 6.0, (1, 0))).meta["undo_levels"] == "3"
        await c.send({"type": "undo"})
        f = await c.frame(undo_levels="2")
        assert f["layers.0.weight"][1, 0] == 5.0

    run(go())


def test_levels_are_bounded_by_count_and_bytes() -> None:
    snap = trainer(preset="xor").snapshot()
    history = History(max_levels=3)
    for _ in range(5):
        history.push("step", None, snap)
    assert len(history) == 3
    one = history.levels[0].nbytes
    history = History(max_bytes=2 * one)
    for _ in range(5):
        history.push("step", None, snap)
    assert len(history) == 2 and history.nbytes == 2 * one
    assert history.pop() is not None and history.pop() is not None and history.pop() is None
    assert history.nbytes == 0
