"""A client that stops reading is dropped, and never slows the others."""

import asyncio
import base64
import contextlib
import fcntl
import os
import socket
import struct
import sys
import termios
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import websockets

from tests.server.live import DEADLINE, Client, Frame, Live, live_server, run, until
from tests.server_process import free_port, start_server, stop_server

ROOT = Path(__file__).resolve().parents[2]

FAST_VIEWERS = 400_000_000  # bits per second: viewers paced by frames per second, not bytes
# A new state, so a new frame for every client, 30 times a second: no more work than that.
PLAY = {"type": "play", "steps_per_second": 30}
NO_PINGS = {"ws_ping_interval": None}  # only the send timeout may drop the frozen client


@contextmanager
def frozen_client(port: int, sid: str) -> Iterator[socket.socket]:
    """Complete a websocket handshake, then never read again (a closed laptop lid)."""
    s = socket.socket()
    try:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # before connect, or ignored
        s.connect(("127.0.0.1", port))
        key = base64.b64encode(os.urandom(16)).decode()
        s.sendall((f"GET /ws/sessions/{sid} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
                   "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                   f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
        response = b""
        while b"\r\n\r\n" not in response:  # the handshake's reply, and not a byte more
            response += s.recv(1)
        assert response.startswith(b"HTTP/1.1 101"), response
        yield s
    finally:
        s.close()


def received(s: socket.socket) -> int:
    """Bytes that reached the frozen client's socket and wait there unread."""
    return int(struct.unpack("i", fcntl.ioctl(s, termios.FIONREAD, b"\0" * 4))[0])


def unsent(server_port: int, s: socket.socket) -> int:
    """Bytes the server wrote to its end of `s`'s connection that the kernel could not
    deliver yet (its send queue, from /proc/net/tcp)."""
    client_port = s.getsockname()[1]
    with open("/proc/net/tcp") as table:
        for line in table.readlines()[1:]:
            local, remote, _state, queues = line.split()[1:5]
            if (int(local.split(":")[1], 16), int(remote.split(":")[1], 16)) == (
                    server_port, client_port):
                return int(queues.split(":")[0], 16)
    raise AssertionError("the server has no connection to the frozen client")


async def peers(live: Live, session: Any, n: int) -> bool:
    """Whether the server holds exactly `n` sockets of the session."""
    return await live.acall(lambda: len(session.peers)) == n


async def presenter_and_viewer(live: Live, created: dict[str, str]) -> tuple[Client, Client]:
    p = await Client.connect(live, created["id"], max_size=None)  # frames of megabytes
    await p.json()
    await p.control(created["control_token"])
    viewer = await Client.connect(live, created["id"], max_size=None)
    await viewer.json()
    return p, viewer


async def drain(c: Client) -> None:
    """Read everything, as a browser does. (A bare recv: Python 3.11's wait_for, under
    `Client.next`, can swallow the cancel that `stop` sends when a message arrives with it.)"""
    with contextlib.suppress(websockets.ConnectionClosed):
        while True:
            await c.ws.recv()


async def stop(tasks: list[asyncio.Task[None]]) -> None:
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)  # cancelling recv loses nothing


def test_a_frozen_viewer_never_holds_up_the_others() -> None:
    # The send timeout is far beyond the test's own: the frozen client stays attached.
    with live_server(send_timeout_seconds=3600, viewer_bandwidth_bps=FAST_VIEWERS,
                     uvicorn_options=NO_PINGS) as live:
        created = live.create(preset="digits-625")
        with frozen_client(live.port, created["id"]) as frozen:

            async def go() -> None:
                p, viewer = await presenter_and_viewer(live, created)
                await p.send(PLAY)
                reading = [asyncio.create_task(drain(p))]
                # Count fresh frames to the live viewer during which not one more byte moves
                # towards the frozen client (every buffer on the way is full, so the server's
                # send to it is stuck): 20 in a row show the viewer is served meanwhile.
                def towards_frozen() -> tuple[int, int]:
                    return received(frozen), unsent(live.port, frozen)

                in_a_row, held, last = 0, towards_frozen(), -1
                while in_a_row < 20:
                    f: Frame = await viewer.frame()
                    assert f.version > last
                    last, now = f.version, towards_frozen()
                    in_a_row = in_a_row + 1 if now == held else 0
                    held = now
                assert held[1] > 0
                session = live.session(created["id"])
                assert await peers(live, session, 3)  # frozen, still attached
                await p.send({"type": "pause"})
                await viewer.frame(playing="false")
                await stop(reading)

            run(go())


def test_a_frozen_viewer_is_dropped_after_the_send_timeout() -> None:
    with live_server(send_timeout_seconds=1, viewer_bandwidth_bps=FAST_VIEWERS,
                     uvicorn_options=NO_PINGS) as live:
        created = live.create(preset="digits-625")
        session = live.session(created["id"])
        with frozen_client(live.port, created["id"]) as frozen:

            async def go() -> None:
                p, viewer = await presenter_and_viewer(live, created)
                await until(lambda: peers(live, session, 3), "all three clients are attached")
                await p.send(PLAY)
                reading = [asyncio.create_task(drain(c)) for c in (p, viewer)]
                await until(lambda: peers(live, session, 2), "the frozen client is dropped")
                await stop(reading)
                # The others stay: they still get what follows.
                await p.send({"type": "pause"})
                for c in (p, viewer):
                    await c.frame(playing="false")
                r = httpx.get(f"{live.base}/api/sessions/{created['id']}")
                assert r.json()["viewers"] == 2

            run(go())
            # The server closed the frozen client's connection: read what it had sent, then
            # the end of the stream.
            frozen.settimeout(DEADLINE)
            with contextlib.suppress(ConnectionResetError):
                while frozen.recv(1 << 16):
                    pass


def test_shutdown_closes_attached_clients_and_finishes() -> None:
    with live_server() as live:
        created = live.create(preset="xor")

        async def go() -> None:
            clients = []
            for _ in range(3):
                c = await Client.connect(live, created["id"])
                await c.json()
                clients.append(c)
            assert httpx.get(f"{live.base}/healthz").status_code == 200
            live.server.should_exit = True  # while the clients stay attached
            await until(lambda: not live.thread.is_alive(), "the server finishes")
            for c in clients:  # each was closed by the server
                await asyncio.wait_for(c.ws.wait_closed(), DEADLINE)
                assert c.ws.close_code is not None

        run(go())


def test_a_frozen_viewer_of_a_relayed_board_is_dropped_by_the_web_process(
        tmp_path: Path) -> None:
    # In a worker, frames go to the web process without waiting (relay/host.Frames): there
    # the newest waits for the client, and a client that takes none within the send timeout
    # is dropped (relay/line.py), as the worker drops one it waits on.
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("DIALBOARD_")}
    env.update(DIALBOARD_DATA_DIR="", DIALBOARD_WORKERS="1", DIALBOARD_SEND_TIMEOUT_SECONDS="1",
               DIALBOARD_VIEWER_BANDWIDTH_BPS=str(FAST_VIEWERS))
    log = tmp_path / "server.log"
    proc = start_server([sys.executable, "-m", "dialboard", "--port", str(port)], cwd=ROOT,
                        env=env, port=port, log_path=log)
    base = f"http://127.0.0.1:{port}"
    server = SimpleNamespace(ws_base=f"ws://127.0.0.1:{port}")

    def watching(sid: str) -> int:
        return int(httpx.get(f"{base}/api/sessions/{sid}", timeout=DEADLINE).json()["viewers"])

    try:
        created = httpx.post(f"{base}/api/sessions", json={"preset": "digits-625"},
                             timeout=DEADLINE).json()
        sid = created["id"]
        with frozen_client(port, sid):

            async def go() -> None:
                p = await Client.connect(server, sid, max_size=None)  # type: ignore[arg-type]
                await p.json()
                await p.control(created["control_token"])
                viewer = await Client.connect(server, sid, max_size=None)  # type: ignore[arg-type]
                await viewer.json()
                await until(lambda: watching(sid) == 3, "all three clients are attached")
                await p.send(PLAY)
                reading = [asyncio.create_task(drain(c)) for c in (p, viewer)]
                await until(lambda: watching(sid) == 2, "the frozen client is dropped")
                await stop(reading)
                await p.send({"type": "pause"})
                for c in (p, viewer):  # the others stay, and get what follows
                    await c.frame(playing="false")

            run(go())
            assert "took no frame for 1.0 s: dropped" in log.read_text()  # not a ping's
    finally:
        stop_server(proc, log)
