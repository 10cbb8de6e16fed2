"""A playing board builds a frame only when a socket can take one (Session.frame_wanted):
a frame no socket would send is training time lost."""

from __future__ import annotations

import math
import time
from typing import Any

import pytest

from dialboard.server import frames, runner
from dialboard.server.session import Session
from dialboard.server.session_config import build, resolve
from dialboard.server.ws import Peer
from tests.server.live import live_server, opened, run, until


class Socket:
    """A socket as the session sees it, with the time its next frame may go."""

    seat = None

    def __init__(self, controls: bool, next_frame_at: float) -> None:
        self.controls, self.next_frame_at = controls, next_frame_at

    def wake(self) -> None: ...
    def send_json(self, message: dict[str, Any]) -> None: ...
    def send_last(self, message: dict[str, Any]) -> None: ...
    def close(self) -> None: ...


def played(*sockets: Socket, steps: int = 300) -> int:
    """Versions a run of `steps` made: one per frame shown, and one as it stops."""
    config = resolve({"preset": "digits-625"})
    s = Session(config, build(config, max_parameters=10**6))
    s.peers.update(sockets)
    before = s.version
    run(runner.run(s, steps))  # a fresh loop: a browser test may hold this thread's
    assert s.trainer.step_count == steps
    return s.version - before


def test_no_frame_is_built_while_no_socket_can_take_one() -> None:
    assert played(Socket(True, math.inf)) == 1  # only the stop's


def test_frames_are_built_while_a_presenter_can_take_them() -> None:
    assert played(Socket(True, 0.0)) >= 2


def test_viewers_take_the_presenter_s_frames_and_alone_get_their_own() -> None:
    # A viewer due now does not make frames between the presenter's sends...
    assert played(Socket(True, math.inf), Socket(False, 0.0)) == 1
    # ...but with no presenter watching, the viewers' own slots do.
    assert played(Socket(False, 0.0)) >= 2


def test_a_run_keeps_the_keyframes_of_stepping_one_step_at_a_time() -> None:
    # The runner asks the timeline only when a keyframe is due (Timeline.next_key): it must
    # keep the very keyframes, and reach the very step, of a call after every step.
    config = resolve({"preset": "digits-625"})
    s = Session(config, build(config, max_parameters=10**6))
    s.peers.add(Socket(True, 0.0))
    run(runner.run(s, 1400))
    ref = Session(config, build(config, max_parameters=10**6))
    for _ in range(1400):
        ref.trainer.step()
        ref.timeline.trained(ref.trainer)
    assert list(s.timeline.keys) == list(ref.timeline.keys)
    assert len(s.timeline.keys) >= 6  # every 228 steps from step 0
    assert s.timeline.reachable() == ref.timeline.reachable() == (0, 1400)


def test_a_board_training_on_the_server_s_loop_sends_its_frames_at_the_training_rate(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # The presenter's slots are a grid (ws.Peer._send_frame): however late one send, the
    # n-th send after the first goes no sooner than n − 2 intervals after it.
    sent: list[float] = []
    send = Peer._send_frame

    async def timed(peer: Peer, next_at: float) -> float:
        at, here = time.monotonic(), peer.session.trains_here
        out = await send(peer, next_at)
        if peer.controls and here and peer.session.trains_here:
            sent.append(at)
        return out

    monkeypatch.setattr(Peer, "_send_frame", timed)
    with live_server() as live:
        async def go() -> None:
            c, _, _ = await opened(live, "xor")
            await c.send({"type": "play"})
            await until(lambda: len(sent) >= 20, "20 frames while training here")
            await c.close()

        run(go())
    assert sent[19] - sent[0] >= 17 / frames.TRAINING_FPS - 1e-9
