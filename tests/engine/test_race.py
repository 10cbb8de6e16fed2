"""The race (engine): fair counts checked by an independent count, reproducible from a seed,
evolution keeps the best of k, the budget holds, the board itself is untouched."""

from collections import Counter
from collections.abc import Iterator

import numpy as np
import pytest

from dialboard.engine import Architecture, Network, TrainConfig, Trainer, load_dataset
from dialboard.engine.race import MARKS, PopulationLane, Race, Start
from dialboard.engine.screen import Screen
from tests.engine.helpers import make_trainer

ALL = {"gradient_descent": 0.5, "trial_and_error": 0.1, "evolution": 0.1}


def xor_trainer(**config: object) -> Trainer:
    arch = Architecture((2, 2, 1), "sigmoid", "sigmoid", "quadratic")
    return Trainer(arch, load_dataset("xor"), TrainConfig(**{"learning_rate": 4.0, **config}),
                   seed=3)  # type: ignore[arg-type]


def run(race: Race) -> Race:
    while not race.done:
        race.advance(0.01)
    return race


@pytest.fixture
def rows_in() -> Iterator[Counter[int]]:
    """Rows pushed into the first layer, by network: an independent count of forward work.
    The screen's cheaper update after one dial's turn stands for the whole pass it saves, so
    it is turned off here and every pass is a real one."""
    counts: Counter[int] = Counter()
    real = Network.forward_layer
    # Every network counted is kept alive until the test ends: else a network freed after
    # its passes could leave its id to a lane's, and the lane would be counted its passes.
    counted_networks: dict[int, Network] = {}

    def counted(self: Network, l: int, a_prev: np.ndarray, guarded: bool = True
                ) -> tuple[np.ndarray, np.ndarray]:
        if l == 0:
            counted_networks[id(self)] = self
            counts[id(self)] += a_prev.shape[0]
        return real(self, l, a_prev, guarded)

    mp = pytest.MonkeyPatch()
    mp.setattr(Network, "forward_layer", counted)
    mp.setattr(Screen, "MAX_INCREMENTAL", 0)
    yield counts
    mp.undo()


@pytest.mark.parametrize("batch_size", [None, 6])
def test_forward_passes_are_counted_fairly(rows_in: Counter[int],
                                           batch_size: int | None) -> None:
    t = make_trainer((3, 4, 2), n=24, batch_size=batch_size)
    race = run(Race(Start.of(t), ALL, budget=61, population=4, seed=5))
    for lane in race.lanes:
        assert rows_in[id(lane.net)] == lane.spent, lane.learner
        assert lane.spent <= 61 * 24
        assert lane.points[-1][0] == lane.spent / 24
    gd = race.lanes[0].trainer  # type: ignore[attr-defined]
    assert gd.work.backward_examples == gd.work.forward_examples  # one back per forward


def test_each_lane_stops_before_the_step_that_would_pass_the_budget() -> None:
    t = make_trainer((3, 4, 2), n=24)
    race = run(Race(Start.of(t), ALL, budget=50, population=7, seed=1))
    gd, tae, evo = race.lanes
    assert gd.spent == tae.spent == 50 * 24  # one pass a step (trial and error: 2 at first)
    assert evo.spent == (1 + 7 * 7) * 24  # the parent, then 7 generations of 7
    assert all(x.done for x in race.lanes)


def test_same_seed_same_series_other_seed_other_evolution() -> None:
    def series(seed: int) -> list[list[tuple[float, float]]]:
        race = run(Race(Start.of(xor_trainer(batch_size=2)), ALL, 300, 5, seed))
        return [[(p, c) for p, c, _ in lane.points] for lane in race.lanes]

    first = series(7)
    assert series(7) == first
    other = series(8)
    assert other[2] != first[2]  # evolution draws from the seed
    assert other[0] != first[0]  # so does gradient descent's mini-batch order


def test_evolution_keeps_the_best_of_k_when_it_beats_the_parent() -> None:
    t = xor_trainer()
    start = Start.of(t)
    x, y = t.data.x_train, t.data.y_train
    lane = PopulationLane(0.5, 6, start, budget=1000, seed=11)
    twin = np.random.default_rng(11)
    for _ in range(5):
        parent, parent_cost, spent = lane.parent, lane.parent_cost, lane.spent
        children = [{n: p + twin.normal(0.0, 0.5, size=p.shape) for n, p in parent.items()}
                    for _ in range(6)]
        costs = []
        for child in children:  # evaluated apart, by the network's own maths
            net = Network(t.arch, child)
            zs, acts = net.forward(x)
            costs.append(net.cost(zs[-1], acts[-1], y))
        for _ in range(6):  # a generation: a copy a step
            assert lane._step()
        assert lane.spent == spent + 6 * 4  # every copy is a forward pass
        best = int(np.argmin(costs))
        expected = children[best] if costs[best] < parent_cost else parent
        for name in parent:
            np.testing.assert_array_equal(lane.parent[name], expected[name])
        assert lane.parent_cost == min(parent_cost, costs[best])


def test_locked_dials_stay_put_in_every_lane() -> None:
    t = xor_trainer()
    t.set_locked("layers.0.weight", [0, 1], True)
    before = float(t.net.params["layers.0.weight"][0, 1])
    race = run(Race(Start.of(t), ALL, 100, 3, 0))
    for lane in race.lanes:
        assert lane.params["layers.0.weight"][0, 1] == before


def test_the_board_is_untouched_and_the_winner_leads() -> None:
    t = xor_trainer()
    params = {k: v.copy() for k, v in t.net.params.items()}
    race = run(Race(Start.of(t), ALL, 400, 10, 2))
    for name, value in params.items():
        np.testing.assert_array_equal(t.net.params[name], value)
    rows = race.standings()
    assert [r.cost for r in rows] == sorted(r.cost for r in rows)
    assert race.winner().learner == rows[0].learner
    margin = race.margin()
    assert margin is not None and margin[0] == rows[1].cost
    leader = race.winner().points
    first = next(i for i, (_, c, _) in enumerate(leader) if c <= margin[0])
    assert leader[first][0] == margin[1] and all(c > margin[0] for _, c, _ in leader[:first])


def test_points_are_bounded_and_only_grow() -> None:
    t = make_trainer((3, 4, 2), n=8)
    race = Race(Start.of(t), {"gradient_descent": 0.5}, budget=20_000)
    seen: list[tuple[float, float, float]] = []
    while not race.done:
        race.advance(0.005)
        points = race.lanes[0].points
        assert points[: len(seen)] == seen
        seen = list(points)
    assert len(seen) <= 2 * MARKS + 2
    assert seen[0][0] == 0 and seen[-1][0] == 20_000
    assert [p for p, _, _ in seen] == sorted({p for p, _, _ in seen})


def test_a_diverging_learner_ends_its_lane_and_ranks_last() -> None:
    t = make_trainer((3, 4, 2), activation="linear", output="linear", loss="mse")
    race = run(Race(Start.of(t), {"gradient_descent": 50.0, "trial_and_error": 0.1}, 200))
    gd, tae = race.lanes
    assert gd.diverged and gd.done and gd.spent < 200 * 24
    assert tae.spent == 200 * 24
    assert race.standings()[-1].learner == "gradient_descent"


def test_a_learner_that_cannot_step_ends_its_lane_saying_why() -> None:
    t = xor_trainer()
    for name in t.arch.parameter_names:
        t.set_locked(name, None, True)
    race = run(Race(Start.of(t), {"gradient_descent": 1.0, "trial_and_error": 0.1}, 20))
    gd, tae = race.lanes
    assert tae.done and tae.diverged and "locked" in tae.diverged and tae.spent == 0
    assert gd.diverged is None and gd.spent == 20 * 4
