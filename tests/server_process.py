"""Start a Dialboard server as a real process and wait for it (shared by process tests)."""

from __future__ import annotations

import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from pathlib import Path


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def worker_pids(pid: int) -> list[int]:
    """The worker processes of a server started with workers (docs/workers.md): they are up
    once it answers /healthz."""
    with open(f"/proc/{pid}/task/{pid}/children") as f:
        return [int(c) for c in f.read().split()]


def get(url: str, timeout: float = 5.0) -> tuple[int, str, bytes]:
    """GET ``url``: (status, content type, body)."""
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return response.status, response.headers.get("content-type", ""), response.read()


def start_server(
    command: Sequence[str],
    *,
    cwd: Path,
    env: Mapping[str, str],
    port: int,
    log_path: Path,
    timeout: float = 60.0,  # a failure bound: a loaded machine starts Python slowly
) -> subprocess.Popen[bytes]:
    """Run ``command`` and return once ``/healthz`` on ``port`` answers ok."""
    log = log_path.open("wb")
    process = subprocess.Popen(
        list(command), cwd=cwd, env=dict(env), stdout=log, stderr=subprocess.STDOUT
    )
    log.close()
    url = f"http://127.0.0.1:{port}/healthz"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(
                f"server exited with {process.returncode} before answering:\n"
                + log_path.read_text(errors="replace")
            )
        try:
            status, _, body = get(url, timeout=1.0)
        except (urllib.error.URLError, OSError):
            time.sleep(0.1)
            continue
        if status == 200 and body == b'{"status":"ok"}':
            return process
        time.sleep(0.1)
    process.kill()
    process.wait()
    raise AssertionError(
        f"server did not answer {url} within {timeout} s:\n" + log_path.read_text(errors="replace")
    )


def stop_server(process: subprocess.Popen[bytes], log_path: Path, timeout: float = 30.0) -> None:
    """SIGTERM the server and check it shuts down cleanly (``timeout`` seconds is only a
    failure bound: its graceful shutdown alone may take a few seconds on a loaded machine).

    Uvicorn shuts down gracefully, then re-raises the signal, so a clean stop exits
    with 0 or -SIGTERM; the log (at info level) shows the shutdown finished.
    """
    if process.poll() is None:
        process.terminate()
    try:
        code = process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        raise AssertionError(f"server did not exit within {timeout} s of SIGTERM") from None
    log = log_path.read_text(errors="replace")
    assert code in (0, -signal.SIGTERM), f"server exited with {code}:\n{log}"
    assert "Application shutdown complete" in log, log


def assert_serves_page(base: str, repo_root: Path) -> None:
    """The page and a static file come back as the checkout has them."""
    status, content_type, body = get(base + "/")
    assert status == 200
    assert content_type.startswith("text/html")
    assert b"<title>Dialboard</title>" in body
    assert b'href="/static/css/main.css"' in body
    status, content_type, body = get(base + "/static/css/main.css")
    assert status == 200
    assert content_type.startswith("text/css")
    assert body == (repo_root / "static" / "css" / "main.css").read_bytes()


def assert_serves_from(cwd: Path, env: Mapping[str, str], log_dir: Path, repo_root: Path) -> None:
    """Start `python -m dialboard` in `cwd`, check it serves the page, stop it."""
    import sys

    port = free_port()
    log = log_dir / "server.log"
    process = start_server(
        [sys.executable, "-m", "dialboard", "--port", str(port), "--log-level", "info"],
        cwd=cwd, env=env, port=port, log_path=log,
    )
    try:
        assert_serves_page(f"http://127.0.0.1:{port}", repo_root)
    finally:
        stop_server(process, log)
