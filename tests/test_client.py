"""dialboard.client against a real `python -m dialboard` process (memory storage).

What the client reads is checked against the engine itself: the same seeded board trained
in this process. Every wait is on an event (the client's own confirmations, a frame).
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
import threading
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from server_process import free_port, start_server, stop_server

from dialboard.client import AsyncBoard, Board, BoardError, Diverged, Frame, Refused
from dialboard.engine import Trainer
from dialboard.server.protocol import CLIENT_MESSAGES
from dialboard.server.session_config import build, resolve
from tests.server.live import run

REPO_ROOT = Path(__file__).resolve().parent.parent
W0 = "layers.0.weight"


@pytest.fixture(scope="module")
def url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("DIALBOARD_")}
    env["DIALBOARD_DATA_DIR"] = ""  # memory only: test servers never share a data folder
    log = tmp_path_factory.mktemp("client") / "server.log"
    server = start_server(
        [sys.executable, "-m", "dialboard", "--port", str(port), "--log-level", "info"],
        cwd=REPO_ROOT, env=env, port=port, log_path=log,
    )
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        stop_server(server, log)


def reference(steps: int = 0, **config: object) -> Trainer:
    """The same board, built and trained in this process."""
    trainer = build(resolve({"preset": "xor", **config}), max_parameters=250_000)
    if steps:
        trainer.step(steps)
    return trainer


def assert_arrays(got: dict[str, np.ndarray], want: dict[str, np.ndarray], *, rtol: float,
                  atol: float) -> None:
    assert set(got) == set(want)
    for name, value in want.items():
        np.testing.assert_allclose(got[name], value, rtol=rtol, atol=atol, err_msg=name)


def test_every_client_message_is_a_method() -> None:
    # control: join with the token; seat: a student's phone takes one, not a notebook
    for kind in set(CLIENT_MESSAGES) - {"control", "seat"}:
        assert callable(getattr(Board, kind)), kind
        assert callable(getattr(AsyncBoard, kind)), kind


def test_steps_read_as_the_engine_computes(url: str) -> None:
    with Board.create(url, preset="xor") as board:
        assert board.token and board.shapes[W0] == (2, 2)
        frame = board.step(100)
        assert frame.step == board.step_count == 100 and not frame.running
        want = reference(100)
        assert board.cost == pytest.approx(want.cost(), rel=1e-6)
        assert frame.meta["precision"] == "f32"  # a presenter's frames
        assert_arrays(frame.params, want.net.params, rtol=1e-6, atol=1e-7)
        assert_arrays(board.params(), want.net.params, rtol=1e-12, atol=1e-15)
        assert_arrays(board.grads(), want.gradient(), rtol=1e-9, atol=1e-15)
        assert_arrays(frame.grads, want.gradient(), rtol=1e-5, atol=1e-7)

        update, before = board.next_update(), board.params()
        board.step()  # the arrow is exactly what the step adds
        after = board.params()
        assert_arrays({n: after[n] - before[n] for n in after}, update, rtol=0, atol=1e-12)
        assert board.info()["step"] == 101


def test_phase_by_phase(url: str) -> None:
    with Board.create(url, preset="xor") as board:
        phases = board.hello["phases"]
        for k, name in enumerate(phases):
            frame = board.phase()
            assert frame.phase == name
            assert frame.grads == {} or k == len(phases) - 1  # no slope during a step
        assert frame.step == 1 and frame.grads
        assert_arrays(board.params(), reference(1).net.params, rtol=1e-12, atol=1e-15)


def test_set_lock_configure_undo_reset(url: str) -> None:
    with Board.create(url, preset="xor") as board:
        start = board.params()
        frame = board.set(W0, (0, 1), 0.75)
        assert frame[W0][0, 1] == 0.75
        assert board.params()[W0][0, 1] == 0.75
        frame = board.lock(W0, (np.int64(1), 0))
        assert frame.locked[W0].tolist() == [[False, False], [True, False]]
        assert board.next_update()[W0][1, 0] == 0.0
        frame = board.step(5)
        assert frame[W0][1, 0] == start[W0][1, 0]  # no learner turns a locked dial
        assert board.configure(learning_rate=0.25, batch_size=None).meta["learning_rate"] == "0.25"
        assert float(board.undo().meta["learning_rate"]) == reference().config.learning_rate
        board.undo()  # the steps
        board.undo()  # the lock
        assert board.frame.locked == {}
        assert board.example(2).meta["example"] == "2"
        frame = board.reset()
        assert frame.step == 0
        assert_arrays(board.params(), start, rtol=0, atol=0)


def test_refusals_raise_and_change_nothing(url: str) -> None:
    with Board.create(url, preset="xor") as board:
        version = board.frame.version
        with pytest.raises(Refused, match=r"index\[0\] of layers.0.weight must be 0 … 1") as e:
            board.set(W0, (9, 0), 1.0)
        assert e.value.request_type == "set" and e.value.reason == "rejected"
        with pytest.raises(Refused, match="configure has no field 'speed'"):
            board.configure(speed=3)  # found by the protocol's table before sending
        with pytest.raises(Refused, match="nothing to undo"):
            board.undo()
        assert board.sync().version == version
        board.configure(learning_rate=1e12)
        with pytest.raises(Diverged) as diverged:
            board.step()
        assert diverged.value.reason == "diverged" and board.frame.diverged
        assert not board.undo().diverged


def test_long_step_play_pause_and_frames(url: str) -> None:
    with Board.create(url, preset="xor") as board:
        frame = board.step(3000)
        assert frame.step == 3000 and not frame.running
        assert board.info()["step"] == 3000
        assert board.play(200).playing
        with pytest.raises(Refused, match="training is running; pause first"):
            board.step()
        seen = [f.step for f, _ in zip(board.frames(), range(5), strict=False)]
        assert seen == sorted(seen) and seen[-1] > 3000
        frame = board.pause()
        assert not frame.playing and not frame.running
        assert board.info()["step"] == frame.step == board.step_count


def test_ctrl_c_during_a_long_step_pauses_the_board(url: str) -> None:
    with Board.create(url, preset="xor") as board:

        def press_ctrl_c() -> None:  # once the run is on, as a notebook's stop button would
            board.wait(lambda f: f.running, timeout=30)
            signal.pthread_kill(threading.main_thread().ident or 0, signal.SIGINT)

        helper = threading.Thread(target=press_ctrl_c)
        helper.start()
        try:
            with pytest.raises(KeyboardInterrupt):
                board.step(1_000_000)
        finally:
            helper.join()
        frame = board.wait(lambda f: not f.running, timeout=30)
        assert 0 < frame.step < 1_000_000 and board.info()["step"] == frame.step


def test_import_params_and_delete(url: str) -> None:
    board = Board.create(url, preset="xor")
    weight = np.array([[1.5, -2.0], [0.25, 3.0]])
    frame = board.import_params({W0: weight})
    assert frame[W0].tolist() == weight.tolist()
    np.testing.assert_array_equal(board.params()[W0], weight)
    sid = board.id
    board.delete()
    with pytest.raises(BoardError, match=f"404 no session '{sid}'"):
        Board.join(url, sid)


def test_viewers_watch_and_cannot_change(url: str) -> None:
    with Board.create(url, preset="xor") as presenter, Board.join(url, presenter.id) as viewer:
        # A small board's viewers get the presenter's frame (a big board's: F16).
        assert viewer.token is None and viewer.frame.meta["precision"] == "f32"
        for call in (lambda: viewer.step(), lambda: viewer.import_params({}), viewer.delete):
            with pytest.raises(BoardError, match="joined without its control token"):
                call()
        presenter.step(7)
        frame = viewer.wait(lambda f: f.step == 7)
        assert frame.cost == pytest.approx(reference(7).cost(), rel=1e-6)  # F64 for everyone
    with pytest.raises(BoardError, match="control token"):
        Board.join(url, presenter.id, "not-the-token")
    with pytest.raises(BoardError, match="404"):
        Board.join(url, "no-such-board")


def _call(url: str, method: str, body: dict[str, str], token: str) -> dict[str, Any]:
    request = urllib.request.Request(url, method=method, data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json",
                                              "Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=30) as response:
        out: dict[str, Any] = json.loads(response.read())
    return out


def test_audience_and_a_moved_room(url: str) -> None:
    with Board.create(url, preset="xor") as old, \
            Board.create(url, preset="xor", near=old.id) as new:  # a room moves beside it
        room = _call(f"{url}/api/rooms", "POST", {"session": old.id}, str(old.token))
        with Board.join(url, old.id) as viewer:
            old.wait(lambda f: old.watching == 1)  # `audience` is told to presenters
            _call(f"{url}/api/rooms/{room['code']}", "PUT",
                  {"session": new.id, "session_token": str(new.token)}, room["token"])
            for board in (viewer, old):  # every socket on the old board hears it, then closes
                with pytest.raises(BoardError, match=f"room moved to board '{new.id}'"):
                    board.wait(lambda f: False)
                assert board.moved_to == new.id


async def _async_board(url: str) -> None:
    board = await AsyncBoard.create(url, config={"preset": "xor"}, learning_rate=2.0)
    async with board:
        frame = await board.step(10)
        want = reference(10, learning_rate=2.0)
        assert frame.step == 10 and frame.cost == pytest.approx(want.cost(), rel=1e-6)
        assert_arrays(await board.params(), want.net.params, rtol=1e-12, atol=1e-15)
        assert_arrays(await board.grads(), want.gradient(), rtol=1e-9, atol=1e-15)
        assert set(await board.next_update()) == set(want.net.params)
        assert (await board.phase()).phase == board.hello["phases"][0]
        with pytest.raises(Refused, match="must be 0 … 1"):
            await board.set(W0, [0, 5], 1.0)
        await board.pause()
        await board.play(100)
        async for f in board.frames():
            if f.step >= 15:
                break
        assert not (await board.pause()).playing

        # A cancelled long step stops the run on the server too.
        task = asyncio.create_task(board.step(1_000_000))
        await board.wait(lambda f: f.running)
        task.cancel()
        frame = await board.wait(lambda f: not f.running)
        assert frame.step < 1_000_000 and (await board.info())["step"] == frame.step
        with pytest.raises(asyncio.CancelledError):
            await task


def test_async_board(url: str) -> None:
    # On a thread of its own: after the browser tests, Playwright's loop runs on this one.
    run(_async_board(url))


def test_frames_decode_like_the_reference_library(url: str) -> None:
    from safetensors.numpy import load

    from dialboard.client.rest import Server, fetch

    with Board.create(url, preset="xor") as board:
        board.step(3)
        raw = fetch(Server(url).state(board.id), 30)
        state = Frame(raw, list(board.shapes))
        assert_arrays(state.tensors, load(raw), rtol=0, atol=0)
        assert state.step == 3 and state.version is None


def test_lesson_tells_the_class_and_refuses_unknown_ones(url: str) -> None:
    with Board.create(url, preset="xor") as board:
        before = board.step_count
        frame = board.lesson("worked-example", 1)   # news for the class; the board stays
        assert frame.step == before
        with pytest.raises(Refused, match="no lesson"):
            board.lesson("no-such-lesson")
        board.lesson(None)   # closed


def test_select_points_the_class_at_a_dial_and_refuses_an_unknown_one(url: str) -> None:
    with Board.create(url, preset="xor") as board:
        frame = board.select(W0, (1, 0))   # news for the class; the board stays
        assert frame.step == board.step_count == 0
        with pytest.raises(Refused, match="must be 0 … 1, got 2"):
            board.select(W0, (2, 0))


def test_travel_hands_and_race(url: str) -> None:
    with Board.create(url, preset="circle", seed=3) as board:
        end = board.step(30)
        back = board.travel(12)
        assert back.step == 12 and back.meta["timeline"] == "0,30"
        with pytest.raises(Refused, match="step must be 0 … 30, not 31"):
            board.travel(31)
        assert board.undo().step == 30
        np.testing.assert_array_equal(board.frame.params["layers.0.weight"],
                                      end.params["layers.0.weight"])
        board.hands("everyone")   # no phone holds one yet: nothing to see, nothing refused
        with pytest.raises(Refused, match="layer must be 0 … 1, not 5"):
            board.hands("neuron", layer=5)
        # A budget no board spends before the next message: the race is still running then.
        board.race(gradient_descent=0.5, evolution=0.05, budget=1_000_000, population=4, seed=1)
        with pytest.raises(Refused, match="training is running; pause first"):   # the race
            board.step()
        board.race_stop()
