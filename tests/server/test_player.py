"""A board playing at full speed trains in the player process (player.py): the very steps it
would take in the server's own process, its frames true to them, a person's change never lost,
a pause at the player's last step, and play going on here when the player dies. Through a
real server and a real player process; the steps replayed here from the board's config."""

from __future__ import annotations

import itertools
import math
import os
import signal
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import numpy as np
import pytest

from dialboard.engine import DivergedError, Trainer
from dialboard.server import idle, runner
from dialboard.server.frames import PRESENTER_FPS
from dialboard.server.player import RETAKE_WORK, Player, retaken
from dialboard.server.session_config import build, resolve
from dialboard.server.timeline import EVERY
from tests.server.live import DEADLINE, Client, Frame, Live, live_server, opened, run, until

CIRCLE = {"preset": "circle", "momentum": 0.9}  # momentum: the learner's state crosses too
TRIAL = {"preset": "circle", "learner": "trial_and_error"}  # its costs come from the screen
HEAVY = {"layers": [625, 40, 10], "batch_size": None}  # runner.heavy: 25,450 × 1,437
CIRCLE_PARAMS = ("layers.0.weight", "layers.0.bias", "layers.1.weight", "layers.1.bias")


@pytest.fixture
def played() -> Iterator[tuple[Live, Player]]:
    # Whatever else the machine runs meanwhile, and however slowly: never given up.
    player = Player(judge=False, answer_seconds=DEADLINE)
    with live_server(player=player) as live:
        yield live, player


def replayed(live: Live, sid: str) -> Trainer:
    """The board's trainer as built from its config, here: replays its steps."""
    config = live.call(lambda: live.session(sid).config)
    return build(resolve(dict(config)), max_parameters=10**6)


def board(live: Live, sid: str) -> dict[str, np.ndarray]:
    return live.call(lambda: dict(live.session(sid).trainer.net.params))


def replay_to(t: Trainer, step: int) -> dict[str, np.ndarray]:
    while t.step_count < step:
        t.step()
    return dict(t.net.params)


def assert_same(a: dict[str, np.ndarray], b: dict[str, np.ndarray]) -> None:
    assert a.keys() == b.keys()
    for name in a:
        assert np.array_equal(a[name], b[name]), name


async def playing_in(live: Live, player: Player, c: Client) -> None:
    await until(lambda: live.acall(lambda: player.running), "the player is up")
    await c.send({"type": "play"})
    await until(lambda: live.acall(lambda: player.remote is not None), "the player plays")


Body = Callable[[Live, Player, Client, str], Awaitable[None]]


def on_board(played: tuple[Live, Player], body: Body, preset: str = "digits-625",
             **config: Any) -> None:
    """`body` with a presenter of a new board of the server with a player."""
    live, player = played

    async def go() -> None:
        c, created, _ = await opened(live, preset, **config)
        await body(live, player, c, created["id"])
        await c.close()

    run(go())


async def paused(c: Client) -> Frame:
    await c.send({"type": "pause"})
    return await c.frame(playing="false", running="false")


async def frames_while_playing(c: Client, n: int) -> list[Frame]:
    return [await c.frame(playing="true") for _ in range(n)]


def assert_frame_is_the_step(f: Frame, t: Trainer) -> None:
    """A frame shows the state at its step and, as its arrows, what that step did."""
    while t.step_count < f.step:
        t.step()
    before = dict(t.net.params)
    t.step()
    for name, value in before.items():
        assert np.array_equal(f[name], value), (f.step, name)  # F64: the network's own
        assert np.array_equal(f[f"{name}.update"],
                              (t.net.params[name] - value).astype(np.float32)), (f.step, name)


@pytest.mark.parametrize("config", [CIRCLE, TRIAL, {"preset": "circle", "learner": "evolution"},
                                    {"preset": "digits-625"}])
def test_the_player_takes_the_very_steps_the_board_would_take(
        played: tuple[Live, Player], config: dict[str, Any]) -> None:
    async def body(live: Live, player: Player, c: Client, sid: str) -> None:
        t = replayed(live, sid)
        await playing_in(live, player, c)
        # Training elsewhere: the presenter is sent every frame it can take.
        assert await live.acall(lambda: live.session(sid).fps(PRESENTER_FPS)) == PRESENTER_FPS
        seen = await frames_while_playing(c, 20)
        last = await paused(c)
        assert len({f.step for f in seen}) > 10  # frames of many steps, far apart
        for f in seen:
            assert f.meta["in_step"] == "false"  # whole steps only, as the worker shows
            if config is not TRIAL and "learner" not in config:
                assert_frame_is_the_step(f, t)
        assert_same(board(live, sid), replay_to(t, last.step))

    on_board(played, body, **config)


@pytest.mark.parametrize("sent", [True, False])
@pytest.mark.parametrize("config", [CIRCLE, {"preset": "digits-625", "batch_size": None}])
def test_a_shown_steps_arrows_are_its_update_sent_by_the_player_or_taken_again_here(
        config: dict[str, Any], sent: bool) -> None:
    """A cheap step's update is read here by taking the step again from the state shown, a
    dear one's crosses from the player: either way the arrows are what the step did."""
    player = Player(judge=False, answer_seconds=DEADLINE, retake_work=0 if sent else 10**12)

    async def body(live: Live, player: Player, c: Client, sid: str) -> None:
        t = replayed(live, sid)
        assert retaken(t, player.retake_work) is not sent
        assert retaken(t, RETAKE_WORK) is (config is CIRCLE)  # the server's own choice
        await playing_in(live, player, c)
        seen = await frames_while_playing(c, 12)
        await paused(c)
        assert len({f.step for f in seen}) > 6
        for f in seen:
            assert_frame_is_the_step(f, t)

    with live_server(player=player) as live:
        on_board((live, player), body, **config)


def test_a_pause_stops_at_the_players_last_step_and_time_travel_reaches_back_exactly(
        played: tuple[Live, Player]) -> None:
    """The timeline's keyframes were taken in the player: each step travelled to is the
    very state that step had."""
    async def body(live: Live, player: Player, c: Client, sid: str) -> None:
        await playing_in(live, player, c)
        await frames_while_playing(c, 30)
        last = await paused(c)
        first, reached = map(int, last.meta["timeline"].split(","))
        assert (first, reached) == (0, last.step) and last.step > 200
        # Its shown and stopped states are keyframes too: a travel never replays further.
        keys, every = live.call(lambda: (list(live.session(sid).timeline.keys),
                                         live.session(sid).timeline.every(
                                             live.session(sid).trainer)))
        assert keys[0] == 0
        assert max(b - a for a, b in itertools.pairwise([*keys, last.step])) <= every
        assert min(b - a for a, b in itertools.pairwise(keys)) >= EVERY
        for step in (last.step - 1, last.step // 2 + 1, 77):
            await c.send({"type": "travel", "step": step})
            f = await c.frame(step=str(step))
            assert_same(board(live, sid), replay_to(replayed(live, sid), step))
            assert np.array_equal(f["layers.0.weight"], board(live, sid)["layers.0.weight"])

    on_board(played, body, "digits-625")


def test_a_turn_while_the_player_plays_is_never_lost(played: tuple[Live, Player]) -> None:
    """A change is made to the board as last shown; the player goes on from it."""
    async def body(live: Live, player: Player, c: Client, sid: str) -> None:
        await playing_in(live, player, c)
        await frames_while_playing(c, 5)
        # Locked first, so that no step can move it between the two changes.
        await c.send({"type": "lock", "name": "layers.1.weight", "index": [4, 7],
                      "locked": True})
        await c.send({"type": "set", "name": "layers.1.weight", "index": [4, 7],
                      "value": 2.5})
        f = await c.frame(playing="true")
        while f["layers.1.weight"][4, 7] != 2.5:  # frames before the turn
            f = await c.frame(playing="true")
        assert f["layers.1.weight.locked"][4, 7] == 1
        changed_at = f.step
        f = await c.frame(playing="true")
        while f.step < changed_at + 200:  # trained on from the change, in the player
            assert f["layers.1.weight"][4, 7] == 2.5
            f = await c.frame(playing="true")
        await paused(c)
        assert board(live, sid)["layers.1.weight"][4, 7] == 2.5

    on_board(played, body, "digits-625")


def test_a_step_that_diverges_in_the_player_is_shown_as_it_diverged(
        played: tuple[Live, Player]) -> None:
    async def body(live: Live, player: Player, c: Client, sid: str) -> None:
        t = replayed(live, sid)
        await until(lambda: live.acall(lambda: player.running), "the player is up")
        await c.send({"type": "play"})
        error = await c.json()
        while error.get("type") != "error":
            error = await c.json()
        assert error["reason"] == "diverged"
        f = await c.frame(playing="false", running="false")
        with pytest.raises(DivergedError):
            for _ in range(100_000):
                t.step()
        assert f.step == t.step_count and f.meta["diverged"]
        assert_same(board(live, sid), dict(t.net.params))

    on_board(played, body, "digits-625", learning_rate=400.0)


def test_when_the_player_dies_the_board_plays_on_here_from_its_last_shown_step(
        played: tuple[Live, Player]) -> None:
    async def body(live: Live, player: Player, c: Client, sid: str) -> None:
        await playing_in(live, player, c)
        await frames_while_playing(c, 5)
        pid = await live.acall(lambda: player._proc.pid if player._proc else 0)
        os.kill(pid, signal.SIGKILL)
        await until(lambda: live.acall(lambda: not player.running), "the player is gone")
        f = await c.frame(playing="true")
        later = await c.frame(playing="true")
        while later.step < f.step + 300:  # trained on, here
            later = await c.frame(playing="true")
        last = await paused(c)
        assert_same(board(live, sid), replay_to(replayed(live, sid), last.step))

    on_board(played, body, "digits-625")


def test_a_heavy_board_plays_in_the_player_and_a_pause_never_waits_for_its_step(
        played: tuple[Live, Player]) -> None:
    """A heavy board's steps (too long for one slice) run in the player too, holding nothing
    up here; a pause takes the state shown, never waiting for the step the player is in:
    with the player frozen, the pause still shows, on a state of the very steps."""
    async def body(live: Live, player: Player, c: Client, sid: str) -> None:
        t = replayed(live, sid)
        assert live.call(lambda: runner.heavy(live.session(sid)))
        await playing_in(live, player, c)
        seen = await frames_while_playing(c, 4)
        pid = await live.acall(lambda: player._proc.pid if player._proc else 0)
        os.kill(pid, signal.SIGSTOP)
        try:
            last = await paused(c)
        finally:
            os.kill(pid, signal.SIGCONT)
        assert len({f.step for f in seen}) > 1
        for f in seen:
            assert_frame_is_the_step(f, t)
        assert last.step >= seen[-1].step
        assert_same(board(live, sid), replay_to(replayed(live, sid), last.step))

    on_board(played, body, "digits-625", **HEAVY)


# -- when a player pays: a spare core to take, a fair share of it to keep ---------------------
def test_a_rate_is_of_the_latest_window_and_unknown_before_one() -> None:
    readings = iter([(10.0, 100.0), (40.0, 200.0), (40.0, 200.0), None])
    rate = idle.Rate(lambda: next(readings), seconds=0.0)
    assert rate() is None  # one reading: no window yet
    assert rate() == pytest.approx(0.3)
    assert rate() == pytest.approx(0.3)  # no time passed on the second counter: kept
    assert rate() is None  # unreadable


def test_a_rate_restarted_is_unknown_until_its_new_window_has_passed() -> None:
    readings = iter([(10.0, 100.0), (90.0, 200.0), (91.0, 300.0)])
    rate = idle.Rate(lambda: next(readings), seconds=60.0)
    rate._from = (-math.inf, (0.0, 0.0))  # a window opened long ago: its share is known
    assert rate() == pytest.approx(0.1)
    rate.restart()  # reads (90, 200): the new window starts there
    assert rate() is None  # not 60 s yet: unknown, whatever the machine did before
    rate._from = (-math.inf, rate._from[1])  # the window has passed
    assert rate() == pytest.approx(0.01)  # (91 − 90) / (300 − 200)


def test_a_board_starting_to_play_is_judged_with_it_training_in_its_worker(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A machine idle until now seems to have cores to spare: boards starting together would
    all take their players. From a play's start the share is unknown until a window of it
    has passed, so the board trains in its worker meanwhile."""
    monkeypatch.setattr(idle, "CORES", 2)
    player = Player()
    player._idle = idle.Rate(lambda: (1e6, 1e6), seconds=60.0)  # all idle so far
    player._idle._from = (-math.inf, (0.0, 0.0))
    assert player.pays() is True
    player.judge_anew()
    assert player.pays() is False


def test_a_play_trains_in_its_worker_until_the_machine_is_judged_anew() -> None:
    """The runner judges anew at each play's start: here that window never ends, so the
    board keeps training in its worker, though the machine was idle before and the player
    is up (judged from the old window, it would have taken the board at once)."""
    player = Player(answer_seconds=DEADLINE)
    player._idle = idle.Rate(lambda: (1e6, 1e6), seconds=1e9)
    player._idle._from = (-math.inf, (0.0, 0.0))
    with live_server(player=player) as live:
        async def go() -> None:
            c, _, _ = await opened(live, "digits-625")
            await until(lambda: live.acall(lambda: player.running), "the player is up")
            await c.send({"type": "play"})
            steps = [(await c.frame(playing="true")).step for _ in range(5)]
            assert steps[-1] > steps[0]
            assert await live.acall(lambda: player.remote) is None
            await paused(c)
            await c.close()

        run(go())


def test_this_machine_and_process_can_be_read() -> None:
    spare, everything = idle.machine() or (-1.0, -1.0)
    assert 0 <= spare <= everything
    cpu, wall = idle.process(os.getpid()) or (-1.0, -1.0)
    assert cpu > 0 and wall > 0


@pytest.mark.parametrize(("idle_share", "cores", "pays"), [
    (None, 2, False), (0.1, 2, False), (0.3, 2, True), (0.1, 8, True)])
def test_a_player_takes_a_board_only_with_a_core_to_spare(
        monkeypatch: pytest.MonkeyPatch, idle_share: float | None, cores: int,
        pays: bool) -> None:
    monkeypatch.setattr(idle, "CORES", cores)
    player = Player()
    player._idle = lambda: idle_share  # type: ignore[assignment]
    assert player.pays() is pays
    assert Player(judge=False).pays() is True


@pytest.mark.parametrize(("idle_share", "starved"), [(None, False), (0.2, False), (0.03, True)])
def test_a_player_on_a_full_machine_gives_its_boards_back_for_a_while(
        idle_share: float | None, starved: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(idle, "CORES", 2)
    player = Player()
    assert player.starved(lambda: idle_share) is starved  # type: ignore[arg-type]
    assert (player.rest_until > 0) is starved
    assert Player(judge=False).starved(lambda: 0.0) is False  # type: ignore[arg-type]


def test_the_log_says_the_idle_cores_a_player_took_its_board_on(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(idle, "CORES", 2)
    player = Player()
    assert player.spare_said() == "unknown"  # before a first window
    player._idle.value = 0.2  # a fifth of both cores
    assert player.spare_said() == "0.40"


def test_a_board_in_its_player_on_a_machine_turned_full_plays_on_in_its_worker(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Another board starts training beside one in its player: the machine's idle time stops
    growing. The player gives its board back, rests, and the board plays on in its worker,
    its steps going on from the player's last shown state."""
    full = False
    ticks = [0.0, 0.0]  # idle, all (both cores)

    def machine() -> tuple[float, float]:
        ticks[0] += 0.0 if full else 2.0
        ticks[1] += 2.0
        return ticks[0], ticks[1]

    monkeypatch.setattr(idle, "CORES", 2)
    monkeypatch.setattr(idle, "machine", machine)
    player = Player(answer_seconds=DEADLINE)
    player._idle = idle.Rate(machine, seconds=0.0)  # taken as soon as judged: all idle
    with live_server(player=player) as live:
        async def go() -> None:
            nonlocal full
            c, _, _ = await opened(live, "digits-625")
            await playing_in(live, player, c)
            at = (await c.frame(playing="true")).step
            full = True
            await until(lambda: live.acall(lambda: player.remote is None), "given back")
            assert await live.acall(lambda: player.rest_until) > 0
            f = await c.frame(playing="true")
            gave = f.step
            assert gave >= at
            while f.step < gave + 50:
                f = await c.frame(playing="true")
            assert await live.acall(lambda: player.remote) is None  # in its worker still
            await paused(c)
            await c.close()

        run(go())


def test_a_turned_dial_then_play_carries_the_screens_cost_to_the_player(
        played: tuple[Live, Player]) -> None:
    """Trial and error compares against the screen's cost, which a hand turn updates in
    place: the player starts from that very cost, so its steps are the worker's own."""
    async def body(live: Live, player: Player, c: Client, sid: str) -> None:
        t = replayed(live, sid)
        for k, value in enumerate((0.3, -1.7, 2.2)):
            await c.send({"type": "set", "name": "layers.0.weight", "index": [k, 1],
                          "value": value})
            t.set_value("layers.0.weight", [k, 1], value)
            t.cost()  # as the board's frame asked it, in place after each turn
        await c.frame(undo_levels="3", has_grads="true")
        await playing_in(live, player, c)
        await frames_while_playing(c, 10)
        last = await paused(c)
        assert_same(board(live, sid), replay_to(t, last.step))

    on_board(played, body, **TRIAL)


def test_a_step_the_player_refuses_stops_the_board_in_words_at_once(
        played: tuple[Live, Player]) -> None:
    """Every dial locked: trial and error has none to turn. The player says so as it
    happens, whenever it happens, and the board stops as a step in the worker would."""
    async def body(live: Live, player: Player, c: Client, sid: str) -> None:
        await playing_in(live, player, c)
        await frames_while_playing(c, 3)
        for name in CIRCLE_PARAMS:
            await c.send({"type": "lock", "name": name, "locked": True})
        error = await c.json()
        while error.get("type") != "error":
            error = await c.json()
        assert error["reason"] == "rejected" and error["request_type"] == "play"
        assert "every dial is locked" in error["message"]
        f = await c.frame(playing="false", running="false")
        assert f.meta["in_step"] == "false"
        # Said by the player as it happened, not found by a question left unanswered (that
        # would have let the player rest, the board in the worker meanwhile).
        assert await live.acall(lambda: (player.remote, player.running, player.rest_until)) \
            == (None, True, -math.inf)

    on_board(played, body, **TRIAL)
