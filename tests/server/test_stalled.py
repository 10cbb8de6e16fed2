"""A client that stops reading is dropped, and never slows the others."""

import asyncio
import base64
import os
import socket
import time

import httpx

from tests.server.live import Client, live_server, run


def frozen_client(port: int, sid: str) -> socket.socket:
    """Complete a websocket handshake, then never read again (a closed laptop lid)."""
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # before connect, or it is ignored
    s.connect(("127.0.0.1", port))
    key = base64.b64encode(os.urandom(16)).decode()
    s.sendall((f"GET /ws/sessions/{sid} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
               "Upgrade: websocket\r\nConnection: Upgrade\r\n"
               f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
    assert b"101" in s.recv(256)
    return s


def test_a_frozen_viewer_is_dropped_and_others_keep_streaming() -> None:
    with live_server(send_timeout_seconds=2, viewer_bandwidth_bps=400_000_000) as live:
        created = live.create(preset="digits-625")
        port = int(live.base.rsplit(":", 1)[1])
        frozen = frozen_client(port, created["id"])

        async def go() -> None:
            p = await Client.connect(live, created["id"])
            await p.json()
            await p.frame()
            await p.control(created["control_token"])
            viewer = await Client.connect(live, created["id"])
            await viewer.json()
            await p.send({"type": "play"})

            async def drain() -> None:  # the presenter reads everything, as a browser does
                while True:
                    await p.next(timeout=30)

            draining = asyncio.create_task(drain())
            t0, got = time.monotonic(), 0
            while time.monotonic() - t0 < 6:
                await viewer.frame()
                got += 1
            assert got >= 30, f"the live viewer got only {got} frames in 6 s"
            session = live.session(created["id"])
            while len(session.peers) > 2 and time.monotonic() - t0 < 15:
                await viewer.frame()
            assert len(session.peers) == 2, "the frozen client was not dropped within 15 s"
            draining.cancel()
            await p.send({"type": "pause"})
            await p.close()
            await viewer.close()

        run(go())
        frozen.close()


def test_shutdown_with_clients_attached_is_quick() -> None:
    with live_server() as live:
        created = live.create(preset="xor")

        async def attach() -> Client:
            c = await Client.connect(live, created["id"])
            await c.json()
            return c

        async def go() -> float:
            clients = [await attach() for _ in range(3)]
            assert httpx.get(f"{live.base}/healthz").status_code == 200
            t0 = time.monotonic()
            live.server.should_exit = True
            while live.thread.is_alive() and time.monotonic() < t0 + 10:
                await asyncio.sleep(0.05)  # the clients stay attached, not reading
            del clients
            return time.monotonic() - t0

        assert run(go()) < 5, "shutdown took too long with clients attached"
