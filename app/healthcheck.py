"""``python -m dialboard.healthcheck``: exit 0 when the server in this container answers.

A container's health check runs beside the server, not inside it, so it finds the port the
way the server did: ``--port`` on the server's command line (PID 1 in a container), else
``DIALBOARD_PORT``, else the default.
"""

from __future__ import annotations

import os
import sys
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from pathlib import Path

from dialboard.server.settings import Settings


def port_from_command(argv: Sequence[str]) -> int | None:
    """The value of the last ``--port N`` or ``--port=N`` in ``argv``, if any."""
    port = None
    for i, arg in enumerate(argv):
        value = argv[i + 1] if arg == "--port" and i + 1 < len(argv) else None
        if arg.startswith("--port="):
            value = arg.partition("=")[2]
        if value is not None and value.strip().isdigit():
            port = int(value)
    return port


def server_port(cmdline: Path, environ: Mapping[str, str]) -> int:
    """The port the server listens on, read as the server read it."""
    try:
        argv = cmdline.read_bytes().decode(errors="replace").split("\0")
    except OSError:
        argv = []
    from_command = port_from_command(argv)
    if from_command is not None:
        return from_command
    raw = environ.get(Settings.env_name("port"), "").strip()
    return int(raw) if raw.isdigit() else Settings().port


def healthy(port: int, timeout: float = 4.0) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=timeout) as r:
            return bool(r.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    cmdline = Path(args[0]) if args else Path("/proc/1/cmdline")
    return 0 if healthy(server_port(cmdline, os.environ)) else 1


if __name__ == "__main__":
    raise SystemExit(main())
