"""A real server process restarts: after SIGTERM nothing is lost, after SIGKILL at most ~2 s of
training, and a data folder it cannot use stops it with a clear message, the file untouched.

Every wait is on an event (a frame, /healthz, the process's exit), never a sleep."""

from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
from safetensors.numpy import load
from websockets.sync.client import ClientConnection, connect

from dialboard.server.storage import SCHEMA_VERSION
from dialboard.server.storage.sqlite import DB_NAME
from tests.server_process import free_port, start_server, stop_server

ROOT = Path(__file__).resolve().parents[2]
RATE = 100.0  # steps per second while playing in the crash test
SAVE_PROMISE_SECONDS = 2.0


def env(data_dir: Path) -> dict[str, str]:
    out = {k: v for k, v in os.environ.items() if not k.startswith("DIALBOARD_")}
    out["DIALBOARD_DATA_DIR"] = str(data_dir)
    return out


class Server:
    def __init__(self, data_dir: Path, log: Path) -> None:
        self.port = free_port()
        self.log = log
        self.base = f"http://127.0.0.1:{self.port}"
        self.process = start_server(
            [sys.executable, "-m", "dialboard", "--port", str(self.port), "--log-level", "info"],
            cwd=ROOT, env=env(data_dir), port=self.port, log_path=log)

    def create(self, near: str | None = None, **config: Any) -> dict[str, Any]:
        r = httpx.post(f"{self.base}/api/sessions", json=config, timeout=30,
                       params={"near": near} if near else None)
        assert r.status_code == 201, r.text
        out: dict[str, Any] = r.json()
        return out

    def info(self, sid: str) -> dict[str, Any]:
        r = httpx.get(f"{self.base}/api/sessions/{sid}", timeout=30)
        assert r.status_code == 200, r.text
        out: dict[str, Any] = r.json()
        return out

    def params(self, sid: str) -> dict[str, np.ndarray]:
        r = httpx.get(f"{self.base}/api/sessions/{sid}/state.safetensors", timeout=30)
        assert r.status_code == 200, r.text
        return {k: v for k, v in load(r.content).items() if k != "cost"}

    @contextmanager
    def socket(self, sid: str, token: str | None = None) -> Iterator[Socket]:
        with connect(f"ws://127.0.0.1:{self.port}/ws/sessions/{sid}",
                     max_size=2**24) as ws:
            s = Socket(ws)
            hello = s.json()
            assert hello["type"] == "hello" and hello["session"] == sid
            if token is not None:
                s.send({"type": "control", "token": token})
                assert s.json() == {"type": "control", "granted": True}
            yield s

    def sigterm(self) -> None:
        stop_server(self.process, self.log, timeout=15)

    def sigkill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(15)


class Socket:
    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws

    def send(self, m: dict[str, Any]) -> None:
        self.ws.send(json.dumps(m))

    def json(self, timeout: float = 10.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            m = self.ws.recv(timeout=max(0.01, deadline - time.monotonic()))
            if isinstance(m, str):
                out: dict[str, Any] = json.loads(m)
                assert out.get("type") != "error", out
                return out

    def frame(self, timeout: float = 10.0, **want: str) -> dict[str, str]:
        """The next frame's metadata matching `want`."""
        deadline = time.monotonic() + timeout
        while True:
            m = self.ws.recv(timeout=max(0.01, deadline - time.monotonic()))
            if isinstance(m, str):
                assert json.loads(m).get("type") != "error", m
                continue
            n = int.from_bytes(m[:8], "little")
            meta: dict[str, str] = json.loads(m[8 : 8 + n])["__metadata__"]
            if all(meta.get(k) == v for k, v in want.items()):
                return meta


def test_after_sigterm_nothing_is_lost(tmp_path: Path) -> None:
    data = tmp_path / "data"
    first = Server(data, tmp_path / "first.log")
    made = {"xor": first.create(preset="xor", momentum=0.5, batch_size=2),
            "trial": first.create(preset="circle", learner="trial_and_error")}
    try:
        for created in made.values():
            sid = created["id"]
            with first.socket(sid, created["control_token"]) as s:
                s.frame(undo_levels="0")
                for k in range(1, 4):
                    s.send({"type": "step", "count": 5})
                    s.frame(step=str(5 * k), undo_levels=str(k))
                s.send({"type": "set", "name": "layers.0.bias", "index": [0], "value": 0.75})
                s.frame(undo_levels="4")
                s.send({"type": "example", "index": 2})
                s.frame(example="2")
                s.send({"type": "phase"})
                s.frame(undo_levels="5", in_step="true")
        before = {name: (first.info(c["id"]), first.params(c["id"])) for name, c in made.items()}
    finally:
        first.sigterm()

    second = Server(data, tmp_path / "second.log")
    try:
        log = (tmp_path / "second.log").read_text()  # each worker restores its part
        assert sum(map(int, re.findall(r"restored (\d+) session\(s\)", log))) == 2, log
        for name, created in made.items():
            sid, (info, params) = created["id"], before[name]
            again = second.info(sid)
            for key in ("step", "phase", "next_phase", "cost", "learner", "config", "diverged"):
                assert again[key] == info[key], (name, key)
            assert again["playing"] is False
            restored = second.params(sid)
            assert all(restored[n].tobytes() == params[n].tobytes() for n in params)
            with second.socket(sid, created["control_token"]) as s:  # the token still works
                meta = s.frame()
                assert (meta["undo_levels"], meta["step"], meta["in_step"]) == ("5", "15", "true")
                s.send({"type": "undo"})  # the phase
                s.send({"type": "undo"})  # the turn
                meta = s.frame(undo_levels="3")
                assert (meta["step"], meta["in_step"], meta["example"]) == ("15", "false", "2")
                s.send({"type": "undo"})
                meta = s.frame(undo_levels="2")
                assert meta["step"] == "10"
            with second.socket(sid) as viewer:  # a viewer may not take control with a guess
                token = created["control_token"]
                wrong = token[:-1] + ("y" if token.endswith("x") else "x")  # never the token
                viewer.send({"type": "control", "token": wrong})
                assert viewer.json() == {"type": "control", "granted": False}
        gone = made["trial"]
        r = httpx.delete(f"{second.base}/api/sessions/{gone['id']}",
                         headers={"Authorization": f"Bearer {gone['control_token']}"})
        assert r.status_code == 204
    finally:
        second.sigterm()

    third = Server(data, tmp_path / "third.log")
    try:
        assert httpx.get(f"{third.base}/api/sessions/{made['trial']['id']}").status_code == 404
        assert third.info(made["xor"]["id"])["step"] == 10  # the undos were saved too
    finally:
        third.sigterm()
    raw = (data / DB_NAME).read_bytes()
    assert not any(c["control_token"].encode() in raw for c in made.values())


def test_after_sigkill_while_playing_at_most_two_seconds_are_lost(tmp_path: Path) -> None:
    data = tmp_path / "data"
    first = Server(data, tmp_path / "first.log")
    created = first.create(preset="xor", batch_size=2, momentum=0.3)
    sid = created["id"]
    reached = 0
    try:
        with first.socket(sid, created["control_token"]) as s:
            s.frame()
            s.send({"type": "play", "steps_per_second": RATE})
            s.frame(playing="true")
            while reached < 3.5 * RATE:  # well past a few saves
                reached = int(s.frame()["step"])
            first.sigkill()  # while it plays: no chance to save anything more
    finally:
        if first.process.poll() is None:
            first.sigkill()

    second = Server(data, tmp_path / "second.log")
    try:
        info = second.info(sid)
        restored, lost = info["step"], reached - info["step"]
        assert info["playing"] is False
        assert restored > 0 and lost <= SAVE_PROMISE_SECONDS * RATE, (reached, restored)
        # A state the session really passed through: the same config trained `restored`
        # steps from its seed gives the same parameters, bit for bit.
        twin = second.create(preset="xor", batch_size=2, momentum=0.3)
        with second.socket(twin["id"], twin["control_token"]) as s:
            s.frame()
            s.send({"type": "step", "count": restored})
            s.frame(step=str(restored), playing="false")
        want, got = second.params(twin["id"]), second.params(sid)
        assert all(got[n].tobytes() == want[n].tobytes() for n in want)
        with second.socket(sid, created["control_token"]) as s:
            meta = s.frame()
            assert meta["undo_levels"] == "1"  # the run is one level: undo goes before it
            s.send({"type": "undo"})
            assert s.frame(undo_levels="0")["step"] == "0"
    finally:
        second.sigterm()
    print(f"SIGKILL at ≥ step {reached}, restored at step {restored}: "
          f"≤ {lost} steps = {lost / RATE:.2f} s of training lost")


def refused(data: Path, tmp_path: Path, *words: str) -> str:
    db = data / DB_NAME
    before = db.read_bytes()
    done = subprocess.run(
        [sys.executable, "-m", "dialboard", "--port", str(free_port())], cwd=ROOT, env=env(data),
        capture_output=True, text=True, timeout=60)
    assert done.returncode == 1, done.stdout + done.stderr
    out = done.stdout + done.stderr
    assert "Dialboard cannot start" in out and str(db) in out and "Traceback" not in out, out
    for w in words:
        assert w in out, out
    assert db.read_bytes() == before, "a refused database is left exactly as it was"
    return out


def test_a_corrupt_database_stops_the_server_untouched(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / DB_NAME).write_bytes(b"SQLite format 2\x00" + os.urandom(8000))
    refused(data, tmp_path, "not a SQLite database", "DIALBOARD_DATA_DIR")


def test_a_newer_database_stops_the_server_untouched(tmp_path: Path) -> None:
    data = tmp_path / "data"
    server = Server(data, tmp_path / "first.log")
    server.create(preset="xor")
    server.sigterm()
    conn = sqlite3.connect(data / DB_NAME)
    conn.execute("UPDATE schema_version SET version = ?", (SCHEMA_VERSION + 5,))
    conn.commit()
    conn.close()
    refused(data, tmp_path, f"schema v{SCHEMA_VERSION + 5}", "Upgrade Dialboard")


def test_a_second_server_on_the_same_folder_is_refused(tmp_path: Path) -> None:
    data = tmp_path / "data"
    server = Server(data, tmp_path / "first.log")
    try:
        sid = server.create(preset="xor")["id"]
        out = refused(data, tmp_path, "in use by another Dialboard server",
                      f"process {server.process.pid}")
        assert str(data) in out
        assert server.info(sid)["step"] == 0  # the first one serves on
    finally:
        server.sigterm()


@pytest.mark.parametrize("value", [""])
def test_an_empty_data_dir_keeps_sessions_in_memory_only(tmp_path: Path, value: str) -> None:
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    port = free_port()
    e = env(tmp_path)
    e["DIALBOARD_DATA_DIR"] = value
    e["HOME"] = str(tmp_path / "home")
    e.pop("XDG_DATA_HOME", None)
    log = tmp_path / "server.log"
    command = [sys.executable, "-m", "dialboard", "--port", str(port)]
    process = start_server(command, cwd=ROOT, env=e,
                           port=port, log_path=log)
    try:
        r = httpx.post(f"http://127.0.0.1:{port}/api/sessions", json={"preset": "xor"})
        assert r.status_code == 201
    finally:
        stop_server(process, log)
    assert "memory only" in log.read_text()
    assert not (tmp_path / "home").exists() and list(tmp_path.glob("*.sqlite3")) == []
