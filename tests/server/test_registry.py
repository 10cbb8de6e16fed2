"""Session expiry (registry.py): a session nobody watches or touches for the TTL is dropped."""

import httpx

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


def test_a_board_left_playing_with_no_one_watching_expires() -> None:
    with live_server() as live:
        created = live.create(preset="xor")
        sid = created["id"]
        session = live.session(sid)

        async def go() -> None:
            c = await Client.connect(live, sid)
            await c.json()
            await c.control(created["control_token"])
            await c.send({"type": "play"})
            await c.frame(playing="true")
            await c.close()

        run(go())
        # The server lets a closed socket go in its own time, and that counts as activity:
        # wait for it, or it would undo the backdating below.
        wait_until(lambda: live.call(lambda: not session.peers),
                   "the server lets the closed socket go")
        assert live.call(lambda: session.busy), "the board should still be playing, unwatched"
        assert backdate_and_expire(live, sid) == [sid]
        wait_until(lambda: live.call(lambda: not session.busy), "the expired board stops playing")
        assert not session.playing
