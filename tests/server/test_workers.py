"""Boards in several worker processes (docs/workers.md): each request reaches the worker that
holds its board, a worker's death leaves the others' boards alone, a class room follows its
teacher to a board made beside it, stored boards come back whatever the number of workers,
and the limit on boards per client counts them all.

Every wait is on an event (an answer, a frame, a socket's close), never a sleep."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import select
import signal
import socket
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from dialboard.server.relay.front import create_front
from dialboard.server.segments import LOOPBACK_MSS
from dialboard.server.settings import Settings
from tests.server.live import run, wait_until
from tests.server_process import free_port, start_server, stop_server, worker_pids

ROOT = Path(__file__).resolve().parents[2]


@contextmanager
def server(tmp_path: Path, workers: int, data: Path | None = None,
           name: str = "server", **more: str) -> Iterator[tuple[Any, str]]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("DIALBOARD_")}
    env.update(DIALBOARD_DATA_DIR=str(data or ""), DIALBOARD_WORKERS=str(workers), **more)
    log = tmp_path / f"{name}.log"
    proc = start_server([sys.executable, "-m", "dialboard", "--port", str(port)], cwd=ROOT,
                        env=env, port=port, log_path=log)
    try:
        yield proc, f"http://127.0.0.1:{port}"
    finally:
        stop_server(proc, log)


def create(base: str, near: str | None = None, **config: Any) -> dict[str, Any]:
    r = httpx.post(f"{base}/api/sessions", params={"near": near} if near else None,
                   json=config or {"preset": "xor"}, timeout=30)
    assert r.status_code == 201, r.text
    out: dict[str, Any] = r.json()
    return out


@contextmanager
def presenter(base: str, board: dict[str, Any]) -> Iterator[ClientConnection]:
    with connect(f"{base.replace('http', 'ws')}/ws/sessions/{board['id']}",
                 max_size=None) as ws:
        ws.send(json.dumps({"type": "control", "token": board["control_token"]}))
        yield ws


def frame_step(ws: ClientConnection, after: int) -> int:
    """The step of the next frame past step `after`."""
    while True:
        m = ws.recv(timeout=30)
        if isinstance(m, bytes):
            n = int.from_bytes(m[:8], "little")
            step = int(json.loads(m[8:8 + n])["__metadata__"]["step"])
            if step > after:
                return step


def test_a_dead_worker_takes_only_its_own_boards_down(tmp_path: Path) -> None:
    with server(tmp_path, 2) as (proc, base):
        a, b = create(base), create(base)  # no `near`: the worker with fewer boards each
        with presenter(base, a) as wa, presenter(base, b) as wb:
            for ws in (wa, wb):
                ws.send(json.dumps({"type": "step"}))
                assert frame_step(ws, 0) == 1
            first, second = worker_pids(proc.pid)
            os.kill(first, signal.SIGKILL)
            closed, alive = [], []
            for ws in (wa, wb):
                try:  # the close may come before the send, or after it
                    ws.send(json.dumps({"type": "step"}))
                    frame_step(ws, 1)
                    alive.append(ws)
                except ConnectionClosed as exc:
                    assert exc.rcvd is not None and exc.rcvd.code == 1012
                    closed.append(ws)
            assert len(closed) == 1 and len(alive) == 1  # two workers, one board each
            assert second in worker_pids(proc.pid)


def test_a_class_room_follows_its_teacher_to_a_board_in_any_worker(tmp_path: Path) -> None:
    """Beside its board (`near`) or in the other worker, the class follows; a refused move
    (a wrong token) changes nothing; the room's token moves it again from its new worker."""
    with server(tmp_path, 2) as (_proc, base):
        first = create(base)
        other = create(base)  # the other worker: it had no board yet
        auth = {"authorization": f"Bearer {first['control_token']}"}
        room = httpx.post(f"{base}/api/rooms", json={"session": first["id"]}, headers=auth,
                          timeout=30).json()
        move = {"authorization": f"Bearer {room['token']}"}

        def move_to(board: dict[str, Any], token: str | None = None) -> httpx.Response:
            return httpx.put(f"{base}/api/rooms/{room['code']}", headers=move, timeout=30,
                             json={"session": board["id"],
                                   "session_token": token or board["control_token"]})

        def follows(board: dict[str, Any], to: dict[str, Any]) -> None:
            with connect(f"{base.replace('http', 'ws')}/ws/sessions/{board['id']}") as student:
                assert json.loads(student.recv(timeout=30))["type"] == "hello"
                moved = move_to(to)
                assert moved.status_code == 200, moved.text
                assert moved.json()["session"] == to["id"]
                while True:  # the class hears where the board went
                    m = student.recv(timeout=30)
                    if isinstance(m, str) and json.loads(m)["type"] == "moved":
                        assert json.loads(m)["session"] == to["id"]
                        break
            here = httpx.get(f"{base}/api/rooms/{room['code']}", timeout=30).json()
            assert here["session"] == to["id"]
            joined = httpx.get(f"{base}/join/{room['code']}", timeout=30)
            assert joined.status_code == 303 and room["code"] in joined.headers["location"]

        refused = move_to(other, token="not-its-token")
        assert refused.status_code == 403
        assert refused.json()["words"]["key"] == "refusal.room.session_token"
        assert httpx.get(f"{base}/api/rooms/{room['code']}", timeout=30).json()["session"] \
            == first["id"]  # refused: nothing changed
        follows(first, other)  # to the other worker
        back = create(base, near=first["id"])  # the first board's worker again
        follows(other, back)
        assert httpx.get(f"{base}/internal/rooms/{room['code']}/check",
                         timeout=30).status_code == 404  # the web process's own calls only


@pytest.mark.parametrize("then", [3, 1])
def test_stored_boards_come_back_whatever_the_number_of_workers(tmp_path: Path,
                                                                then: int) -> None:
    data = tmp_path / "data"
    with server(tmp_path, 2, data, "first") as (_proc, base):
        boards = [create(base) for _ in range(5)]
        for k, board in enumerate(boards):
            with presenter(base, board) as ws:
                ws.send(json.dumps({"type": "step", "count": k + 1}))
                while frame_step(ws, 0) < k + 1:
                    pass
    with server(tmp_path, then, data, "second") as (_proc, base):
        for k, board in enumerate(boards):
            r = httpx.get(f"{base}/api/sessions/{board['id']}", timeout=30)
            assert r.status_code == 200, r.text
            assert r.json()["step"] == k + 1


def test_the_server_serves_once_every_worker_has_named_its_boards(tmp_path: Path) -> None:
    """Startup was complete as each worker's link opened, before the worker named the boards
    it restored: a board asked for at once went to a worker without it, which answered 404
    (a restart mid-lesson, under load). What the web process knows as startup completes:"""
    data = tmp_path / "data"
    with server(tmp_path, 2, data, "first") as (_proc, base):
        boards = {create(base)["id"] for _ in range(4)}
    settings = Settings(data_dir=str(data), workers=2)

    async def known_when_serving() -> set[str]:
        app = create_front(settings, dict(os.environ), "warning")
        events: asyncio.Queue[dict[str, str]] = asyncio.Queue()
        known: set[str] = set()
        said: asyncio.Queue[str] = asyncio.Queue()

        async def send(message: dict[str, str]) -> None:
            if message["type"] == "lifespan.startup.complete":  # this instant's directory
                known.update(*app.workers[0].directory.sessions)
            await said.put(message["type"])

        task = asyncio.create_task(app({"type": "lifespan"}, events.get, send))
        await events.put({"type": "lifespan.startup"})
        assert await said.get() == "lifespan.startup.complete"
        await events.put({"type": "lifespan.shutdown"})
        await task
        return known

    assert run(known_when_serving()) == boards


def test_the_link_to_a_worker_sends_small_segments_at_once() -> None:
    """The web process's connection to each worker: Nagle off and segments of at most
    LOOPBACK_MSS, as on the clients' sockets. With 64 KiB segments a frame crossing the
    link waited ~20 ms for an ACK now and then (set → frame p99 24 ms with 30 viewers)."""
    settings = Settings(data_dir="", workers=2)

    async def link_options() -> list[tuple[int, int]]:
        app = create_front(settings, dict(os.environ), "warning")
        await lifespan(app, "startup")
        try:
            socks = [w.line.outlet.writer.get_extra_info("socket") for w in app.workers]
            return [(s.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY),
                     s.getsockopt(socket.IPPROTO_TCP, socket.TCP_MAXSEG)) for s in socks]
        finally:
            await lifespan(app, "shutdown")

    options = run(link_options())
    assert len(options) == 2
    assert all(nodelay and 0 < segment <= LOOPBACK_MSS for nodelay, segment in options), options


def test_a_full_server_reclaims_an_unused_board_in_any_worker(tmp_path: Path) -> None:
    """Two workers, one board each (DIALBOARD_MAX_SESSIONS=2): the new board's first choice
    holds only a used board, so the other worker's unused one is reclaimed for it, not a
    503 while the server holds a board that nobody ever used."""
    with server(tmp_path, 2, DIALBOARD_MAX_SESSIONS="2") as (_proc, base):
        used, unused = create(base), create(base)  # worker 0, then the roomier worker 1
        with presenter(base, used) as ws:
            ws.send(json.dumps({"type": "step"}))
            while frame_step(ws, 0) < 1:
                pass
        made = create(base)  # both full: worker 0 first (the first of equals), then 1
        assert httpx.get(f"{base}/api/sessions/{unused['id']}", timeout=30).status_code == 404
        for board in (used, made):
            r = httpx.get(f"{base}/api/sessions/{board['id']}", timeout=30)
            assert r.status_code == 200, r.text
        # Now every board is in use or watched: the server is full, and says so.
        with presenter(base, made):
            r = httpx.post(f"{base}/api/sessions", json={"preset": "xor"}, timeout=30)
            assert r.status_code == 503, r.text
            assert r.json()["words"]["key"] == "refusal.too_many_sessions"


def test_the_limit_on_new_boards_counts_every_worker(tmp_path: Path) -> None:
    """A client on the network may make `sessions_per_minute` boards, wherever they go."""
    settings = Settings(data_dir="", workers=2, sessions_per_minute=3)

    async def make() -> list[int]:
        app = create_front(settings, dict(os.environ), "warning")
        await lifespan(app, "startup")
        try:
            transport = httpx.ASGITransport(app=app, client=("10.0.0.7", 5000))
            async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1",
                                         timeout=60) as client:
                codes = []
                for _ in range(5):
                    r = await client.post("/api/sessions", json={"preset": "xor"})
                    codes.append(r.status_code)
                    if r.status_code == 429:
                        assert r.json()["words"]["key"] == "refusal.session.rate"
                        assert int(r.headers["retry-after"]) > 0
                return codes
        finally:
            await lifespan(app, "shutdown")

    assert run(make()) == [201, 201, 201, 429, 429]


async def lifespan(app: Any, phase: str) -> None:
    """Drive one lifespan phase of an ASGI app, as a server does."""
    if phase == "startup":
        app.queue, app.said = asyncio.Queue(), asyncio.Queue()
        app.task = asyncio.create_task(app({"type": "lifespan"}, app.queue.get, app.said.put))
    await app.queue.put({"type": f"lifespan.{phase}"})
    answer = await app.said.get()
    assert answer["type"] == f"lifespan.{phase}.complete", answer
    if phase == "shutdown":
        await app.task


def helpers(worker: int, module: bytes = b"dialboard.server.figures_proc") -> list[int]:
    """The worker's helpers of `module` (figures_proc, player_proc): its children once they
    run that module (a child just forked, or amid its exec, does not yet)."""
    out = []
    for pid in worker_pids(worker):
        with contextlib.suppress(OSError), open(f"/proc/{pid}/cmdline", "rb") as f:
            if module in f.read():
                out.append(pid)
    return out


@pytest.mark.parametrize("module", [b"dialboard.server.figures_proc",
                                    b"dialboard.server.player_proc"])
def test_a_workers_helpers_run_while_it_plays_and_die_with_the_worker(
        tmp_path: Path, module: bytes) -> None:
    """A playing board's screen figures come from its worker's figures helper while a core
    is spare (figures_proc.py), its steps from its player (player_proc.py), each started with the
    worker; killing the worker ends them too (their standard input ends; on Linux the
    kernel's parent-death signal too), so no orphan keeps a core."""
    with server(tmp_path, 1) as (proc, base):
        board = create(base, preset="digits")
        with presenter(base, board) as ws:
            ws.send(json.dumps({"type": "play"}))
            (worker,) = worker_pids(proc.pid)
            wait_until(lambda: helpers(worker, module), "the helper starts")
            (helper,) = helpers(worker, module)
            helper_fd = os.pidfd_open(helper)  # readable once it has ended (never reused)
            try:
                os.kill(worker, signal.SIGKILL)
                ready, _, _ = select.select([helper_fd], [], [], 30)  # a failure bound
                assert ready == [helper_fd], "the helper outlived its worker"
            finally:
                os.close(helper_fd)
