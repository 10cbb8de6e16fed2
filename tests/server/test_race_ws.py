"""The race over a real websocket: started by the presenter, seen by every viewer (late ones
too), the same series the engine gives from the same seed, one undo level back to the
starting dials exactly, and every bad setting refused with nothing changed."""

from __future__ import annotations

import json
from typing import Any

import httpx
import numpy as np
import pytest
from safetensors.numpy import load

from dialboard.engine.race import Race, Start
from dialboard.server.session_config import build, resolve
from tests.server.live import DEADLINE, Client, Live, opened, run

SETTINGS = {"budget": 300, "gradient_descent": 4.0, "trial_and_error": 0.1, "evolution": 0.1,
            "population": 5, "seed": 4}


def dials(live: Live, sid: str) -> dict[str, np.ndarray]:
    """The board's parameters, F64, through REST (not through the race's own code)."""
    r = httpx.get(f"{live.base}/api/sessions/{sid}/state.safetensors", timeout=DEADLINE)
    assert r.status_code == 200
    return {k: v for k, v in load(r.content).items() if k != "cost"}


def follow(series: dict[str, list[list[float]]], message: dict[str, Any]) -> None:
    """A client's view of the race: each lane's points from `from` on are the message's."""
    for lane in message["race"]["lanes"]:
        series[lane["learner"]] = series.get(lane["learner"], [])[: lane["from"]] + lane["points"]


async def race_until(c: Client, series: dict[str, list[list[float]]],
                     done: bool = True) -> dict[str, Any]:
    """Race messages into `series` until one is (or is not yet) done; returns it."""
    while True:
        m = await c.json()
        assert m["type"] in ("race", "audience"), m
        if m["type"] == "race":
            follow(series, m)
            if m["race"]["done"] == done:
                return m


def engine_series(preset: str) -> dict[str, list[tuple[float, float]]]:
    t = build(resolve({"preset": preset}), max_parameters=10**6)
    rates = {k: SETTINGS[k] for k in ("gradient_descent", "trial_and_error", "evolution")}
    race = Race(Start.of(t), rates, SETTINGS["budget"], SETTINGS["population"],
                SETTINGS["seed"])
    while not race.done:
        race.advance(0.05)
    return {x.learner: [(p, c) for p, c, _ in x.points] for x in race.lanes}


def undo_levels(live: Live, sid: str) -> int:
    return int(live.call(lambda: len(live.session(sid).history)))


def test_a_race_is_seen_by_every_viewer_and_undone_in_one_level(live: Live) -> None:
    async def go() -> None:
        c, created, _ = await opened(live)
        sid = created["id"]
        viewer = await Client.connect(live, sid)
        assert (await viewer.json())["type"] == "hello"
        start, levels = dials(live, sid), undo_levels(live, sid)
        await c.send({"type": "race", **SETTINGS})
        mine: dict[str, list[list[float]]] = {}
        theirs: dict[str, list[list[float]]] = {}
        end = await race_until(c, mine)
        assert (await race_until(viewer, theirs))["race"] == end["race"]
        assert theirs == mine
        expected = engine_series("xor")  # the same seed, straight from the engine
        assert {k: [(p, c) for p, c, _ in v] for k, v in mine.items()} == {
            k: [(float(f"{p:.6g}"), float(f"{c:.6g}")) for p, c in v]
            for k, v in expected.items()}
        race = end["race"]
        leader = race["standings"][0]["learner"]
        assert race["adopted"] == leader and not race["running"]
        assert all(lane["passes"] <= SETTINGS["budget"] for lane in race["lanes"])
        board = dials(live, sid)
        assert float(np.abs(board["layers.0.weight"] - start["layers.0.weight"]).max()) > 0
        assert undo_levels(live, sid) == levels + 1
        late = await Client.connect(live, sid)  # joins after the race: sees all of it
        assert (await late.json())["type"] == "hello"
        later: dict[str, list[list[float]]] = {}
        assert (await race_until(late, later))["race"]["lanes"][0]["from"] == 0
        assert later == mine
        await c.send({"type": "undo"})
        await c.frame(undo_levels=str(levels))
        back = dials(live, sid)
        assert all(np.array_equal(back[k], start[k]) for k in start)

    run(go())


def test_stopping_mid_race_ends_it_and_a_joiner_sees_it_running(live: Live) -> None:
    async def go() -> None:
        c, created, _ = await opened(live, "digits-625")
        sid = created["id"]
        start = dials(live, sid)
        await c.send({"type": "race", **SETTINGS, "budget": 1_000_000})
        series: dict[str, list[list[float]]] = {}
        first = await race_until(c, series, done=False)
        assert first["race"]["running"]
        for refused in ({"type": "play"}, {"type": "undo"}, {"type": "race", **SETTINGS}):
            await c.send(refused)
            reply = await c.json()
            while reply["type"] == "race":
                reply = await c.json()
            assert reply["type"] == "error" and reply["request_type"] == refused["type"]
        joiner = await Client.connect(live, sid)
        assert (await joiner.json())["type"] == "hello"
        now = await joiner.json()
        assert now["type"] == "race" and now["race"]["running"]
        assert all(lane["from"] == 0 for lane in now["race"]["lanes"])
        await c.send({"type": "race_stop"})
        end = await race_until(c, series)
        assert end["race"]["adopted"] == end["race"]["standings"][0]["learner"]
        assert all(lane["passes"] < 1_000_000 for lane in end["race"]["lanes"])
        await c.send({"type": "undo"})
        await c.frame(undo_levels="0")
        back = dials(live, sid)
        assert all(np.array_equal(back[k], start[k]) for k in start)
        await c.send({"type": "race_stop"})  # a finished race: forgotten, everyone told
        assert (await c.json()) == {"type": "race", "race": None}

    run(go())


BAD = [
    ({"budget": 100}, "at least one learner"),
    ({"gradient_descent": 1.0, "budget": 0}, "race.budget must be 1"),
    ({"gradient_descent": 1.0, "budget": 1_000_001}, "race.budget must be 1"),
    ({"gradient_descent": 1.0, "budget": 2.5}, "race.budget must be a whole number"),
    ({"evolution": 0.1, "population": 0}, "race.population must be 1"),
    ({"evolution": 0.1, "population": 101}, "race.population must be 1"),
    ({"trial_and_error": 0.0}, "race.trial_and_error must be above 0"),
    ({"trial_and_error": -1}, "race.trial_and_error must be above 0"),
    ({"gradient_descent": 1e7}, "race.gradient_descent must be above 0"),
    ({"gradient_descent": "fast"}, "race.gradient_descent must be a finite number"),
    ({"gradient_descent": 1.0, "seed": -1}, "race.seed must be 0"),
    ({"gradient_descent": 1.0, "learners": ["evolution"]}, "race has no field 'learners'"),
]


@pytest.mark.parametrize(("fields", "words"), BAD)
def test_bad_settings_are_refused_and_nothing_changes(live: Live, fields: dict[str, Any],
                                                      words: str) -> None:
    async def go() -> None:
        c, created, _ = await opened(live)
        sid = created["id"]
        start, levels = dials(live, sid), undo_levels(live, sid)
        await c.send({"type": "race", **fields})
        reply = await c.json()
        assert reply["type"] == "error" and words in reply["message"], reply
        await c.send({"type": "race_stop"})  # nothing was started: nothing to stop
        assert "no race" in (await c.json())["message"]
        assert undo_levels(live, sid) == levels
        assert live.call(lambda: live.session(sid).busy) is False
        back = dials(live, sid)
        assert all(np.array_equal(back[k], start[k]) for k in start)

    run(go())


def test_only_the_presenter_races(live: Live) -> None:
    async def go() -> None:
        _c, created, _ = await opened(live)
        viewer = await Client.connect(live, created["id"])
        assert (await viewer.json())["type"] == "hello"
        for message in ({"type": "race", **SETTINGS}, {"type": "race_stop"}):
            await viewer.send(message)
            reply = await viewer.json()
            assert reply["type"] == "error" and "watching" in reply["message"]
        assert live.call(lambda: live.session(created["id"]).busy) is False

    run(go())


def test_the_frames_say_whose_dials_a_race_gave_the_board_until_they_are_gone(
        live: Live) -> None:
    """`origin`: the leader's learner, its forward passes and the board's step at the race;
    kept through later steps, gone when travelling back before it or undoing the race, and
    back with the undo of that travel; gone at a reset."""
    async def go() -> None:
        c, _, _ = await opened(live)
        for n in (1, 2):
            await c.send({"type": "step"})
            assert (await c.frame(step=str(n))).meta["origin"] == ""
        await c.send({"type": "race", **SETTINGS})
        end = (await race_until(c, {}))["race"]
        lane = next(x for x in end["lanes"] if x["learner"] == end["adopted"])
        f = await c.frame(undo_levels="3")
        origin = json.loads(f.meta["origin"])
        assert origin == {"learner": end["adopted"], "passes": lane["passes"], "step": 2}
        assert f.meta["step"] == "2"
        await c.send({"type": "step"})
        assert json.loads((await c.frame(step="3")).meta["origin"]) == origin
        await c.send({"type": "travel", "step": 1})
        assert (await c.frame(step="1")).meta["origin"] == ""
        await c.send({"type": "undo"})  # the travel
        assert json.loads((await c.frame(step="3")).meta["origin"]) == origin
        await c.send({"type": "undo"})  # the step
        assert json.loads((await c.frame(undo_levels="3")).meta["origin"]) == origin
        await c.send({"type": "undo"})  # the race: its starting dials, and no origin
        f = await c.frame(undo_levels="2")
        assert f.meta["origin"] == "" and f.meta["step"] == "2"
        await c.send({"type": "race", **SETTINGS})
        await race_until(c, {})
        assert (await c.frame(undo_levels="3")).meta["origin"] != ""
        await c.send({"type": "reset"})
        assert (await c.frame(undo_levels="4")).meta["origin"] == ""

    run(go())
