"""Session expiry (registry.py): a session nobody watches or touches for the TTL is dropped;
a board playing with no one watching pauses long before."""

import httpx
import pytest

from dialboard.server import registry
from tests.server.live import Client, Live, live_server, run, wait_until


def backdate_and_expire(live: Live, sid: str) -> list[str]:
    """On the server's loop, in one go: make `sid` look untouched for longer than the TTL,
    then sweep (the sweeper cannot run in between)."""

    def sweep() -> list[str]:
        live.session(sid).last_active -= live.app.state.settings.session_ttl_seconds + 1
        gone: list[str] = live.app.state.registry.expire()
        return gone

    return live.call(sweep)


def test_idle_sessions_expire_and_free_their_memory() -> None:
    with live_server() as live:
        sid = live.create()["id"]
        assert backdate_and_expire(live, sid) == [sid]
        assert live.session(sid) is None
        assert httpx.get(f"{live.base}/api/sessions/{sid}").status_code == 404


def test_the_sweeper_expires_idle_sessions_by_itself() -> None:
    with live_server(session_ttl_seconds=1) as live:
        sid = live.create()["id"]  # and then untouched: no socket, no REST call
        wait_until(lambda: live.call(lambda: live.session(sid) is None),
                   "the sweeper drops the idle session")


def test_a_watched_session_never_expires() -> None:
    with live_server() as live:
        created = live.create(preset="xor")
        sid = created["id"]

        async def go() -> None:
            c = await Client.connect(live, sid)
            assert (await c.json())["type"] == "hello"  # attached: the server has the socket
            assert backdate_and_expire(live, sid) == []
            await c.control(created["control_token"])  # the session still answers
            await c.frame()

        run(go())


def play_then_leave(live: Live, preset: str = "xor") -> str:
    """A board playing, its only socket closed (and let go by the server)."""
    created = live.create(preset=preset)
    sid = created["id"]

    async def go() -> None:
        c = await Client.connect(live, sid)
        await c.json()
        await c.control(created["control_token"])
        await c.send({"type": "play"})
        await c.frame(playing="true")
        await c.close()

    run(go())
    session = live.session(sid)
    wait_until(lambda: live.call(lambda: not session.peers), "the server lets the socket go")
    return sid


def test_a_board_left_playing_with_no_one_watching_expires() -> None:
    with live_server() as live:
        sid = play_then_leave(live)
        session = live.session(sid)
        # The socket was let go before the backdating (its leaving counts as activity).
        assert live.call(lambda: session.busy), "the board should still be playing, unwatched"
        assert backdate_and_expire(live, sid) == [sid]
        wait_until(lambda: live.call(lambda: not session.busy), "the expired board stops playing")
        assert not session.playing


def backdate_alone(live: Live, sid: str) -> list[str]:
    """On the server's loop: make `sid` look alone for longer than UNWATCHED_SECONDS, then
    pause the unwatched boards."""

    def rest() -> list[str]:
        live.session(sid).alone_since -= registry.UNWATCHED_SECONDS + 1
        paused: list[str] = live.app.state.registry.rest_unwatched()
        return paused

    return live.call(rest)


def test_a_board_playing_with_no_one_watching_pauses_and_keeps_its_steps() -> None:
    with live_server() as live:
        sid = play_then_leave(live)
        session = live.session(sid)
        assert live.call(lambda: session.busy), "alone, it plays on until the sweep"
        assert live.call(live.app.state.registry.rest_unwatched) == []  # not alone long yet
        assert backdate_alone(live, sid) == [sid]
        wait_until(lambda: live.call(lambda: not session.busy), "the unwatched board pauses")
        steps = live.call(lambda: session.trainer.step_count)
        assert steps > 0 and not session.playing
        assert live.session(sid) is session, "paused, not dropped"

        async def back() -> None:  # whoever comes back finds it paused at that step
            c = await Client.connect(live, sid)
            await c.json()
            # A new viewer may first take a frame built for another up to SHARED_FRAME_SECONDS
            # ago (here the first socket's, before play): the board's own frame follows.
            frame = await c.frame(step=str(steps))
            assert frame.meta["playing"] == "false" and int(frame.meta["step"]) == steps

        run(back())


def test_a_board_someone_watches_plays_on() -> None:
    with live_server() as live:
        sid = play_then_leave(live)
        session = live.session(sid)

        async def go() -> None:
            c = await Client.connect(live, sid)  # back again: a reload
            await c.json()
            assert live.call(lambda: session.alone_since) is None
            assert live.call(live.app.state.registry.rest_unwatched) == []
            assert live.call(lambda: session.busy)
            await c.close()

        run(go())
        wait_until(lambda: live.call(lambda: not session.peers), "the server lets it go")
        assert backdate_alone(live, sid) == [sid]  # gone again, and for long: it pauses
        wait_until(lambda: live.call(lambda: not session.busy), "the unwatched board pauses")


def test_the_sweeper_pauses_unwatched_boards_by_itself(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(registry, "UNWATCHED_SECONDS", 0.2)
    with live_server() as live:
        sid = play_then_leave(live)
        session = live.session(sid)
        wait_until(lambda: live.call(lambda: not session.busy), "the sweeper pauses it")
        assert live.session(sid) is session
