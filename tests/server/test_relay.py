"""Sessions in a worker process (app/server/relay): the wire's codec, a worker spoken to
directly over its socket, and a real server whose worker is frozen, killed and restarted.

Every wait is on an event (an answer, a frame, a process's exit), never a sleep."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.websockets import WebSocketDisconnect
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from dialboard.server.relay import wire
from dialboard.server.relay.host import Channel, Frames, Link
from dialboard.server.relay.line import Line, pass_on
from tests.server.live import DEADLINE, run, until
from tests.server_process import free_port, start_server, stop_server, worker_pids

ROOT = Path(__file__).resolve().parents[2]
RATE = 100.0  # steps per second while playing in the crash test


# -- the wire ---------------------------------------------------------------------------------
@pytest.mark.parametrize("event", [
    {"type": "http.request", "body": b"\x00{json}\xff", "more_body": False},
    {"type": "http.response.start", "status": 201,
     "headers": [(b"content-type", b"application/json"), (b"x-bytes", b"\xe9t\xe9")]},
    {"type": "http.response.body", "body": b"", "more_body": True},
    {"type": "websocket.receive", "text": "{\"type\": \"play\"} — ünïcode", "bytes": None},
    {"type": "websocket.send", "bytes": bytes(range(256)) * 40, "text": None},
    {"type": "websocket.close", "code": 1008, "reason": "no"},
])
def test_every_event_crosses_the_wire_unchanged(event: dict[str, Any]) -> None:
    async def through() -> dict[str, Any]:
        reader = asyncio.StreamReader()
        reader.feed_data(wire.event_out(7, event))
        reader.feed_eof()
        header, body = await wire.read(reader)
        assert header["c"] == 7
        return wire.event_in(header, body)

    assert run(through()) == event


def test_a_scope_crosses_the_wire_with_its_bytes() -> None:
    scope = {"type": "websocket", "path": "/ws/sessions/x", "raw_path": b"/ws/sessions/x",
             "query_string": b"a=%C3%A9&b=2", "headers": [(b"origin", b"http://h:1")],
             "client": ("10.0.0.7", 5123), "server": ("127.0.0.1", 8000), "scheme": "ws",
             "subprotocols": [], "root_path": "", "state": {"not": "sent"}}
    back = wire.scope_in(json.loads(json.dumps(wire.scope_out(scope))))
    assert {k: back[k] for k in scope if k != "state"} == {k: v for k, v in scope.items()
                                                          if k != "state"}
    assert back["state"] == {}


def test_a_broken_stream_is_a_wire_error() -> None:
    async def read(data: bytes) -> None:
        reader = asyncio.StreamReader()
        reader.feed_data(data)
        reader.feed_eof()
        await wire.read(reader)

    for data in (b"", b"\x00\x00\x00\x05\x00\x00\x00\x00{nope", b"\x00\x00\x00\x02\x00\x00\x00"
                 b"\x00[]", b"\xff\xff\xff\xff\x00\x00\x00\x00"):
        with pytest.raises(wire.WireError):
            run(read(data))


# -- a worker on its own -----------------------------------------------------------------------
@pytest.fixture
def worker() -> Iterator[tuple[subprocess.Popen[bytes], int]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DIALBOARD_")}
    env["DIALBOARD_DATA_DIR"] = ""
    proc = subprocess.Popen([sys.executable, "-m", "dialboard.server.relay.worker",
                             "--log-level", "warning"], cwd=ROOT, env=env,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write(b"the-secret\n")
    proc.stdin.flush()
    line = proc.stdout.readline()
    assert line.startswith(b"port "), line
    yield proc, int(line.split()[1])
    proc.stdin.close()  # the end of standard input stops it
    assert proc.wait(60) == 0
    proc.stdout.close()


async def _ask(port: int, secret: str) -> list[dict[str, Any]]:
    """Open a link with `secret`, send GET /api/presets on channel 1, collect its events."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(wire.pack({"t": "hello", "secret": secret}))
    writer.write(wire.pack({"c": 1, "t": "open", "scope": wire.scope_out({
        "type": "http", "method": "GET", "path": "/api/presets", "raw_path": b"/api/presets",
        "query_string": b"", "headers": [(b"host", b"127.0.0.1")], "scheme": "http",
        "http_version": "1.1", "client": ("127.0.0.1", 1), "server": ("127.0.0.1", 80),
        "root_path": ""})}))
    writer.write(wire.event_out(1, {"type": "http.request", "body": b"", "more_body": False}))
    events: list[dict[str, Any]] = []
    try:
        while True:
            header, body = await asyncio.wait_for(wire.read(reader), 60)
            if header["c"] == 0:  # the worker's directory, not an event of ours
                assert header["t"] == "directory" and header["sessions"] == []
                continue
            if header["t"] == "end":
                break
            events.append(wire.event_in(header, body))
            if header["t"] in wire.ACKED:
                writer.write(wire.pack({"c": 1, "t": "sent", "ok": True}))
    except wire.WireError:
        pass  # refused: the worker closed the link
    writer.close()
    return events


def test_a_worker_serves_the_app_over_its_link(worker: tuple[Any, int]) -> None:
    events = run(_ask(worker[1], "the-secret"))
    assert events[0]["type"] == "http.response.start" and events[0]["status"] == 200
    body = b"".join(e.get("body", b"") for e in events[1:])
    assert "xor" in [p["id"] for p in json.loads(body)]


def test_a_worker_refuses_a_link_without_the_secret(worker: tuple[Any, int]) -> None:
    assert run(_ask(worker[1], "a-guess")) == []
    # and stays up for its web process
    assert run(_ask(worker[1], "the-secret"))[0]["status"] == 200


# -- a real server with its worker ---------------------------------------------------------------
@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("DIALBOARD_")}
    env.update(DIALBOARD_DATA_DIR=str(tmp_path / "data"), DIALBOARD_WORKERS="1")
    log = tmp_path / "server.log"
    proc = start_server([sys.executable, "-m", "dialboard", "--port", str(port)], cwd=ROOT,
                        env=env, port=port, log_path=log)
    yield proc, f"http://127.0.0.1:{port}"
    stop_server(proc, log)


def test_health_and_pages_are_answered_while_the_worker_is_frozen(server: Any) -> None:
    proc, base = server
    pid = worker_pids(proc.pid)[0]
    os.kill(pid, signal.SIGSTOP)  # as if a step took forever: training never blocks these
    try:
        assert httpx.get(f"{base}/healthz", timeout=30).json() == {"status": "ok"}
        assert httpx.get(f"{base}/static/js/main.js", timeout=30).status_code == 200
    finally:
        os.kill(pid, signal.SIGCONT)
    assert httpx.get(f"{base}/api/presets", timeout=30).status_code == 200


def test_a_killed_worker_is_replaced_and_its_boards_come_back(server: Any) -> None:
    """A worker that dies loses what a server that dies would (at most ~2 s of training,
    tests/server/test_restart.py): the web process starts another, which restores them."""
    proc, base = server
    created = httpx.post(f"{base}/api/sessions", json={"preset": "xor"}, timeout=30).json()
    sid, token = created["id"], created["control_token"]
    with connect(f"{base.replace('http', 'ws')}/ws/sessions/{sid}", max_size=None) as ws:
        ws.send(json.dumps({"type": "control", "token": token}))
        ws.send(json.dumps({"type": "play", "steps_per_second": RATE}))
        reached = 0
        while reached < 3.5 * RATE:  # well past a few saves
            m = ws.recv(timeout=30)
            if isinstance(m, bytes):
                n = int.from_bytes(m[:8], "little")
                reached = int(json.loads(m[8:8 + n])["__metadata__"]["step"])
        old = worker_pids(proc.pid)[0]
        os.kill(old, signal.SIGKILL)
        with pytest.raises(ConnectionClosed) as closed:  # the socket hears it, not silence
            while True:
                ws.recv(timeout=30)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1012
    r = httpx.get(f"{base}/api/sessions/{sid}", timeout=60)  # waits for the new worker
    assert r.status_code == 200, r.text
    restored = r.json()["step"]
    assert 0 < restored <= reached and reached - restored <= 2.0 * RATE, (reached, restored)
    assert r.json()["playing"] is False
    assert worker_pids(proc.pid)[0] != old


def test_a_client_is_relayed_no_further_ahead_than_its_board_takes() -> None:
    """The web process sends a client's messages at most wire.CREDIT ahead of the worker's
    `took`: a client that floods a busy board is held back (by TCP), not buffered."""
    async def go() -> list[str]:
        front_end, worker_end = socket.socketpair()
        reader, writer = await asyncio.open_connection(sock=front_end)
        w_reader, w_writer = await asyncio.open_connection(sock=worker_end)
        line = Line(reader, writer, lambda header: None)
        running = asyncio.create_task(line.run())
        flood: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        for k in range(40):
            flood.put_nowait({"type": "websocket.receive", "text": str(k), "bytes": None})

        async def send(event: dict[str, Any]) -> None: ...

        scope = {"type": "websocket", "path": "/ws/sessions/x", "headers": []}
        relayed = asyncio.create_task(line.forward(scope, flood.get, send))
        assert (await wire.read(w_reader))[0]["t"] == "open"
        took = 3
        seen = [(await wire.read(w_reader))[1].decode() for _ in range(wire.CREDIT)]
        for _ in range(took):
            w_writer.write(wire.pack({"c": 1, "t": "took"}))
        seen += [(await wire.read(w_reader))[1].decode() for _ in range(took)]
        w_writer.write(wire.pack({"c": 1, "t": "end"}))
        await relayed
        writer.close()
        while True:  # whatever else came before the link closed
            try:
                header, body = await wire.read(w_reader)
            except wire.WireError:
                break
            if header["t"] == "websocket.receive":
                seen.append(body.decode())
        w_writer.close()
        await running
        return seen

    assert run(go()) == [str(k) for k in range(wire.CREDIT + 3)]


# -- frames: sent without waiting, the newest kept, a client that takes none dropped -------------
async def _opened(send: Any) -> tuple[Line, asyncio.Task[None], asyncio.Task[None], Any, Any]:
    """A Line relaying one websocket (channel 1) to `send`, and the worker's end of its link."""
    front_end, worker_end = socket.socketpair()
    line = Line(*await asyncio.open_connection(sock=front_end), lambda header: None)
    w_reader, w_writer = await asyncio.open_connection(sock=worker_end)
    running = asyncio.create_task(line.run())
    client: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    relayed = asyncio.create_task(line.forward({"type": "websocket", "path": "/ws/sessions/x",
                                                "headers": []}, client.get, send))
    assert (await wire.read(w_reader))[0]["t"] == "open"
    return line, running, relayed, w_reader, w_writer


def _frame(blob: bytes, timeout: float = 3600) -> bytes:
    return wire.pack({"c": 1, "t": wire.FRAME, "to": timeout}, blob)


def test_a_frame_waiting_for_a_slow_client_gives_way_to_a_newer_one() -> None:
    async def go() -> list[object]:
        got: list[object] = []
        taking, gate = asyncio.Event(), asyncio.Event()

        async def send(event: dict[str, Any]) -> None:
            got.append(event.get("bytes") or event.get("text"))
            taking.set()
            await gate.wait()  # the client takes its first frame slowly

        line, running, relayed, w_reader, w_writer = await _opened(send)
        w_writer.write(_frame(b"f0"))
        await taking.wait()
        # While f0 is on its way: two newer frames, then a message, in that order.
        w_writer.write(_frame(b"f1") + _frame(b"f2") + wire.event_out(
            1, {"type": "websocket.send", "text": "after", "bytes": None}))
        await until(lambda: line.channels[1].queue.qsize() == 2, "all four read")
        gate.set()
        header, _ = await asyncio.wait_for(wire.read(w_reader), DEADLINE)  # the message's ack
        assert header == {"c": 1, "t": "sent", "ok": True}
        w_writer.write(wire.pack({"c": 1, "t": "end"}))
        await relayed
        w_writer.close()
        await running
        return got

    assert run(go()) == [b"f0", b"f2", "after"]  # f1 was overtaken before it could go


def test_a_client_that_takes_no_frame_within_its_timeout_is_dropped() -> None:
    async def go() -> tuple[dict[str, Any], list[dict[str, Any]]]:
        closes: list[dict[str, Any]] = []

        async def send(event: dict[str, Any]) -> None:
            if event["type"] == "websocket.close":
                closes.append(event)
                return
            await asyncio.Event().wait()  # a frozen client: its send never completes

        _line, running, relayed, w_reader, w_writer = await _opened(send)
        w_writer.write(_frame(b"f0", timeout=0.05))
        header, _ = await asyncio.wait_for(wire.read(w_reader), DEADLINE)  # told: it is gone
        await relayed
        w_writer.close()
        await running
        return header, closes

    header, closes = run(go())
    assert header == {"c": 1, "t": "cancel"}
    assert closes == [{"type": "websocket.close", "code": 1000}]


def test_a_frame_many_viewers_are_sent_crosses_the_link_once() -> None:
    blob = bytes(range(256)) * 40

    async def link_out() -> list[bytes]:
        """What the worker writes for one shared frame to three sockets, then a presenter's."""
        worker_end, front_end = socket.socketpair()
        link = Link(None, *await asyncio.open_connection(sock=worker_end), lambda: ((), {}))
        f_reader, f_writer = await asyncio.open_connection(sock=front_end)
        for n in (1, 2, 3):
            await Frames(Channel(link, n)).send(blob, 5.0, shared=True)
        await Frames(Channel(link, 4)).send(b"the presenter's", 5.0)
        out = [wire.pack(*await wire.read(f_reader)) for _ in range(4)]
        link.outlet.close()
        f_writer.close()
        return out

    async def clients_get(messages: list[bytes]) -> dict[int, list[object]]:
        got: dict[int, list[object]] = {1: [], 2: [], 3: [], 4: []}
        front_end, worker_end = socket.socketpair()
        line = Line(*await asyncio.open_connection(sock=front_end), lambda header: None)
        w_reader, w_writer = await asyncio.open_connection(sock=worker_end)
        running = asyncio.create_task(line.run())
        relayed = []
        for n in (1, 2, 3, 4):
            async def send(event: dict[str, Any], n: int = n) -> None:
                got[n].append(event.get("bytes"))
            relayed.append(asyncio.create_task(line.forward(
                {"type": "websocket", "path": "/ws", "headers": []}, asyncio.Queue().get, send)))
            assert (await wire.read(w_reader))[0] == {"c": n, "t": "open", "scope": {
                "type": "websocket", "path": "/ws", "headers": []}}
        w_writer.write(b"".join(messages))
        await until(lambda: all(got.values()), "each socket's frame sent")
        w_writer.write(b"".join(wire.pack({"c": n, "t": "end"}) for n in got))
        await asyncio.gather(*relayed)
        w_writer.close()
        await running
        return got

    messages = run(link_out())
    heads = [json.loads(m[8 : 8 + int.from_bytes(m[:4], "big")]) for m in messages]
    assert [len(m) - 8 - len(json.dumps(h, separators=(",", ":"))) for m, h in
            zip(messages, heads, strict=True)] == [len(blob), 0, 0, 15]  # bodies
    assert heads[1]["same"] == heads[2]["same"] == heads[0]["keep"]
    assert "keep" not in heads[3] and "same" not in heads[3]  # a presenter's is its own
    assert run(clients_get(messages)) == {1: [blob], 2: [blob], 3: [blob], 4: [b"the presenter's"]}


def test_kept_frames_are_the_last_few_on_both_ends() -> None:
    worker, front = wire.Kept(), wire.Kept()
    blobs = [bytes([k]) * 10 for k in range(wire.KEPT + 2)]
    for blob in blobs:
        front.put(worker.add(blob), blob)
    assert list(worker.blobs.values()) == list(front.blobs.values()) == blobs[-wire.KEPT:]
    assert worker.find(blobs[-1]) == len(blobs) and worker.find(blobs[0]) is None
    assert worker.find(bytes(bytearray(blobs[-1]))) is None  # equal, another object: not it


def test_shared_frames_outlive_their_socket_and_give_way_oldest_first() -> None:
    """Both ends agree on the kept frames however sockets come and go: a frame kept for a
    socket that already ended serves the next viewer, and one evicted is sent again whole."""
    blobs = [bytes([k]) * 1000 for k in range(wire.KEPT + 1)]

    async def go() -> tuple[list[bytes], list[dict[str, Any]], dict[int, bytes], dict[int, bytes]]:
        worker_end, front_end = socket.socketpair()
        link = Link(None, *await asyncio.open_connection(sock=worker_end), lambda: ((), {}))
        heads: list[dict[str, Any]] = []
        write = link.write

        async def spy(message: bytes) -> None:
            heads.append(json.loads(message[8 : 8 + int.from_bytes(message[:4], "big")]))
            await write(message)

        link.write = spy  # type: ignore[method-assign]
        line = Line(*await asyncio.open_connection(sock=front_end), lambda header: None)
        running = asyncio.create_task(line.run())
        got: dict[int, list[bytes]] = {1: [], 2: []}
        relayed = []
        for n in got:
            async def send(event: dict[str, Any], n: int = n) -> None:
                got[n].append(event["bytes"])
            relayed.append(asyncio.create_task(line.forward(
                {"type": "websocket", "path": "/ws", "headers": []}, asyncio.Queue().get, send)))

        async def frame(n: int, blob: bytes) -> None:
            """Sent, and (to a socket still open) taken before the next is sent."""
            await Frames(Channel(link, n)).send(blob, 5.0, shared=True)
            if n in line.channels:
                await until(lambda: got[n][-1:] == [blob], f"socket {n} got its frame")

        await frame(1, blobs[0])
        await link.write(wire.pack({"c": 1, "t": "end"}))
        await relayed[0]
        await frame(1, blobs[1])  # socket 1 has ended
        for k in [1, *range(2, wire.KEPT + 1), 0, 1, wire.KEPT]:
            await frame(2, blobs[k])
        await link.write(wire.pack({"c": 2, "t": "end"}))
        await relayed[1]
        link.outlet.close()
        await running
        return got[2], heads, link.kept.blobs, line.kept.blobs

    got, heads, worker_kept, front_kept = run(go())
    frames = [h for h in heads if h["t"] == wire.FRAME]
    assert got == [blobs[k] for k in [1, *range(2, wire.KEPT + 1), 0, 1, wire.KEPT]]
    assert frames[1] == {"c": 1, "t": wire.FRAME, "to": 5.0, "keep": 2}  # for an ended socket
    assert frames[2]["same"] == 2  # ... kept all the same
    # blobs[0] and blobs[1] had given way to newer ones: each crosses again, whole.
    assert [("keep" in h, "same" in h) for h in frames[-3:]] == [
        (True, False), (True, False), (False, True)]
    assert worker_kept == front_kept and len(front_kept) == wire.KEPT


def test_a_frame_to_a_client_that_left_ends_its_socket_as_a_disconnect() -> None:
    async def go() -> None:
        worker_end, front_end = socket.socketpair()
        link = Link(None, *await asyncio.open_connection(sock=worker_end), lambda: ((), {}))
        channel = Channel(link, 1)
        channel.end()
        with pytest.raises(WebSocketDisconnect):
            await Frames(channel).send(b"frame", 5.0)
        link.outlet.close()
        front_end.close()

    run(go())


@pytest.mark.parametrize("error", [OSError("gone"), RuntimeError("sent after the close")])
def test_a_send_the_server_refuses_is_a_client_gone(error: Exception) -> None:
    async def send(event: dict[str, Any]) -> None:
        raise error

    assert run(pass_on(send, {"type": "websocket.send", "bytes": b"x", "text": None})) is False


def test_a_worker_gives_way_to_the_web_process(worker: tuple[Any, int]) -> None:
    """Its training (and its player's and figures helper's, which inherit it) runs at a
    lower priority than the web process that relays every socket."""
    from dialboard.server.relay.worker import WORKER_NICE

    mine = os.getpriority(os.PRIO_PROCESS, 0)
    assert os.getpriority(os.PRIO_PROCESS, worker[0].pid) == max(WORKER_NICE, mine)
