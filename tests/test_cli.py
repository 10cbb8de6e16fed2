"""The command line: argument parsing and a real server started with ``python -m dialboard``."""

from __future__ import annotations

import asyncio
import io
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import segno
from server_process import assert_serves_from, free_port, get, start_server, stop_server

import dialboard
from dialboard.__main__ import (
    browser_url,
    build_parser,
    classroom_notice,
    listen,
    main,
)
from dialboard.server.hosts import lan_address
from dialboard.server.segments import LOOPBACK_MSS
from dialboard.server.settings import Settings
from tests.server.live import run

REPO_ROOT = Path(__file__).resolve().parent.parent


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DIALBOARD_")}
    env["DIALBOARD_DATA_DIR"] = ""  # memory only: test servers never share a data folder
    env.update(extra)
    return env


def test_parser_defaults() -> None:
    args = build_parser().parse_args([])
    assert args.host == "127.0.0.1"
    assert args.port == 8000
    assert args.open is False
    assert args.log_level == "info"


def test_parser_defaults_follow_settings() -> None:
    args = build_parser(Settings(host="0.0.0.0", port=9000)).parse_args([])
    assert (args.host, args.port) == ("0.0.0.0", 9000)


def test_parser_options() -> None:
    args = build_parser().parse_args(
        ["--host", "::1", "--port", "8123", "--open", "--log-level", "debug"]
    )
    assert (args.host, args.port, args.open, args.log_level) == ("::1", 8123, True, "debug")


def test_help_in_process(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    for option in ("--host", "--port", "--open", "--log-level"):
        assert option in out


def test_help_as_module() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "dialboard", "--help"],
        cwd=REPO_ROOT,
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage: dialboard")


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert dialboard.__version__ in capsys.readouterr().out


def test_bad_port_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--port", "70000"])
    assert exit_info.value.code == 2
    assert "--port must be at least 1 and at most 65535" in capsys.readouterr().err


def test_bad_environment_is_a_usage_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DIALBOARD_MAX_SESSIONS", "lots")
    with pytest.raises(SystemExit) as exit_info:
        main([])
    assert exit_info.value.code == 2
    assert "DIALBOARD_MAX_SESSIONS must be an integer, got 'lots'" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("host", "url"),
    [
        ("127.0.0.1", "http://127.0.0.1:8000/"),
        ("0.0.0.0", "http://127.0.0.1:8000/"),
        ("::1", "http://[::1]:8000/"),
        ("localhost", "http://localhost:8000/"),
    ],
)
def test_browser_url(host: str, url: str) -> None:
    assert browser_url(host, 8000) == url


def test_server_runs_and_stops(tmp_path: Path) -> None:
    assert_serves_from(REPO_ROOT, clean_env(), tmp_path, REPO_ROOT)


@pytest.mark.parametrize("flag", ["--help", "--version"])
def test_bad_environment_leaves_help_and_version_working(flag: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "dialboard", flag],
        cwd=REPO_ROOT,
        env=clean_env(DIALBOARD_PORT="abc", DIALBOARD_MAX_SESSIONS="lots"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert ("usage: dialboard" if flag == "--help" else dialboard.__version__) in result.stdout


def test_port_in_use_is_said_before_startup() -> None:
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "dialboard", "--port", str(port)],
            cwd=REPO_ROOT,
            env=clean_env(),
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode == 1
    assert f"port {port} on 127.0.0.1 is already in use" in result.stderr
    assert "--port" in result.stderr and "DIALBOARD_PORT" in result.stderr
    # Said before anything starts: no uvicorn error, no startup, no restored sessions.
    assert "Errno" not in result.stderr
    assert "startup" not in result.stderr.lower()
    assert "sessions stored" not in result.stderr


def test_connections_the_server_accepts_send_without_waiting_for_acks() -> None:
    """Nagle's algorithm is off on every connection (asyncio turns it off only on a socket
    whose proto says TCP, and `socket.create_server` leaves it 0), and on loopback its
    segments are at most LOOPBACK_MSS: with either as the kernel had them, a frame's tail
    waited for the client's delayed ACK or a loss probe. The server's loop accepts on this
    socket as uvicorn does (`create_server(sock=…)`); the kernel says."""

    async def options_of_an_accepted_connection() -> tuple[int, int]:
        loop = asyncio.get_running_loop()
        got: asyncio.Future[tuple[int, int]] = loop.create_future()

        class Accepted(asyncio.Protocol):
            def connection_made(self, transport: asyncio.BaseTransport) -> None:
                sock = transport.get_extra_info("socket")
                got.set_result((sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY),
                                sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_MAXSEG)))

        server = await loop.create_server(Accepted, sock=listen("127.0.0.1", 0))
        async with server:
            port = server.sockets[0].getsockname()[1]
            _, writer = await asyncio.open_connection("127.0.0.1", port)
            options = await asyncio.wait_for(got, 10)
            writer.close()
            return options

    nodelay, segment = run(options_of_an_accepted_connection())  # a thread of its own
    assert nodelay != 0
    assert 0 < segment <= LOOPBACK_MSS


def test_classroom_and_host_do_not_mix(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--classroom", "--host", "127.0.0.2"])
    assert exit_info.value.code == 2
    assert "--classroom listens on every interface" in capsys.readouterr().err


def test_classroom_notice_names_the_join_address_with_its_qr_code() -> None:
    notice = classroom_notice(8123, "192.168.4.20")
    art = io.StringIO()
    segno.make("http://192.168.4.20:8123/join", error="m").terminal(out=art, compact=True)
    assert "students open http://192.168.4.20:8123/join" in notice
    assert art.getvalue() in notice
    assert "Teacher: open http://192.168.4.20:8123/" in notice
    assert "cannot reach it" in classroom_notice(8123, None)


def test_classroom_server_listens_on_every_interface(tmp_path: Path) -> None:
    port = free_port()
    log = tmp_path / "server.log"
    command = [sys.executable, "-m", "dialboard", "--classroom", "--port", str(port)]
    process = start_server(command, cwd=REPO_ROOT, env=clean_env(), port=port, log_path=log)
    try:
        lan = lan_address()
        out = log.read_text()
        if lan is None:
            assert "this machine has no local-network address" in out
        else:
            assert f"students open http://{lan}:{port}/join" in out
            status, _, _ = get(f"http://{lan}:{port}/healthz")  # reachable beyond loopback
            assert status == 200
    finally:
        stop_server(process, log)
