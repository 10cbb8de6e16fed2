"""The image's recipe and its health check (no container runtime needed: the check is run
against a real server, the recipe's dependency step against pyproject.toml)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from server_process import free_port, start_server, stop_server

from dialboard.healthcheck import port_from_command, server_port

REPO_ROOT = Path(__file__).resolve().parent.parent
DOCKERFILE = (REPO_ROOT / "Dockerfile").read_text()


def env(**extra: str) -> dict[str, str]:
    e = {k: v for k, v in os.environ.items() if not k.startswith("DIALBOARD_")}
    e["DIALBOARD_DATA_DIR"] = ""
    return e | extra


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined."""
    text = re.sub(r"\\\n", " ", DOCKERFILE)
    lines = [ln.strip() for ln in text.splitlines()
             if ln.strip() and not ln.lstrip().startswith("#")]
    return [(ln.split(None, 1)[0].upper(), ln.split(None, 1)[1]) for ln in lines]


def test_base_image_is_pinned_by_version() -> None:
    (base,) = [args for op, args in instructions() if op == "FROM"]
    assert re.fullmatch(r"python:3\.\d+\.\d+-slim-\w+", base), base


def test_dependencies_install_in_their_own_layer_before_the_code() -> None:
    ops = instructions()
    copies = [(i, args) for i, (op, args) in enumerate(ops) if op == "COPY"]
    (first_i, first), (second_i, second) = copies
    assert first.split()[0] == "pyproject.toml"  # only the dependency list, not the tree
    assert second.split()[0] == "."
    runs_between = [args for op, args in ops[first_i:second_i] if op == "RUN"]
    assert len(runs_between) == 1 and "pip install -r" in runs_between[0]
    (after,) = [args for op, args in ops[second_i:] if op == "RUN" and "pip install" in args]
    assert "--no-deps" in after


def test_dependency_step_lists_pyprojects_dependencies(tmp_path: Path) -> None:
    """Run the recipe's own extraction command on this checkout's pyproject.toml."""
    (run,) = [args for op, args in instructions() if op == "RUN" and "tomllib" in args]
    command = run.split(">", 1)[0].replace("/tmp/dialboard-src/pyproject.toml",
                                           str(REPO_ROOT / "pyproject.toml"))
    out = subprocess.run(command, shell=True, capture_output=True, text=True, check=True).stdout
    wanted = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    assert out.split("\n")[: len(wanted)] == wanted and wanted


def test_health_check_is_the_module() -> None:
    (check,) = [args for op, args in instructions() if op == "HEALTHCHECK"]
    assert check.endswith('CMD ["python", "-m", "dialboard.healthcheck"]')


@pytest.mark.parametrize(
    ("argv", "port"),
    [
        (["dialboard", "--host", "0.0.0.0"], None),
        (["dialboard", "--port", "9001"], 9001),
        (["dialboard", "--port=9002", "--host", "0.0.0.0"], 9002),
        (["dialboard", "--port", "9001", "--port", "9003"], 9003),  # argparse: the last wins
        (["dialboard", "--port"], None),
    ],
)
def test_port_from_command(argv: list[str], port: int | None) -> None:
    assert port_from_command(argv) == port


def test_port_falls_back_to_environment_then_default(tmp_path: Path) -> None:
    cmdline = tmp_path / "cmdline"
    cmdline.write_bytes(b"dialboard\0--host\0000.0.0.0\0")
    assert server_port(cmdline, {"DIALBOARD_PORT": "8123"}) == 8123
    assert server_port(cmdline, {}) == 8000
    assert server_port(tmp_path / "missing", {"DIALBOARD_PORT": "8124"}) == 8124


def run_check(cmdline: Path, **extra: str) -> int:
    return subprocess.run(
        [sys.executable, "-m", "dialboard.healthcheck", str(cmdline)],
        cwd=REPO_ROOT, env=env(**extra), capture_output=True, timeout=60,
    ).returncode


def test_health_check_follows_the_servers_port(tmp_path: Path) -> None:
    port = free_port()
    command = [sys.executable, "-m", "dialboard", "--port", str(port)]
    log = tmp_path / "server.log"
    process = start_server(command, cwd=REPO_ROOT, env=env(), port=port, log_path=log)
    try:
        cmdline = tmp_path / "cmdline"
        cmdline.write_bytes("\0".join(command).encode() + b"\0")
        assert run_check(cmdline) == 0
        assert run_check(cmdline, DIALBOARD_PORT="1") == 0  # the command line wins
        bare = tmp_path / "bare"
        bare.write_bytes(b"dialboard\0")
        assert run_check(bare, DIALBOARD_PORT=str(port)) == 0
        assert run_check(bare, DIALBOARD_PORT=str(free_port())) == 1
    finally:
        stop_server(process, log)
