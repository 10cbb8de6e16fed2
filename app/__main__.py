"""Command line: ``dialboard`` or ``python -m dialboard`` starts the web server."""

from __future__ import annotations

import argparse
import errno
import io
import logging
import os
import socket
import sys
import threading
import time
import urllib.error
import urllib.request
import webbrowser
from collections.abc import Sequence
from dataclasses import replace

import segno

from dialboard import __version__
from dialboard.blas import one_thread
from dialboard.server.hosts import WILDCARD_BINDS, lan_address
from dialboard.server.segments import small_segments
from dialboard.server.settings import Settings, SettingsError, default_data_dir

logger = logging.getLogger("dialboard")

LOG_LEVELS = ("critical", "error", "warning", "info", "debug", "trace")
APP_FACTORY = "dialboard.server.app:create_app"  # what `uvicorn --factory` would serve


def build_parser(defaults: Settings | None = None) -> argparse.ArgumentParser:
    """The argument parser; host and port default to ``defaults`` (built-in ones if None)."""
    defaults = defaults or Settings()
    parser = argparse.ArgumentParser(
        prog="dialboard",
        description="Serve Dialboard: watch a real neural network learn, one dial per weight.",
    )
    parser.add_argument(
        "--host",
        default=defaults.host,
        help="interface to listen on (default: %(default)s; env DIALBOARD_HOST)",
    )
    parser.add_argument(
        "--port",
        type=int,
        default=defaults.port,
        help="TCP port to listen on (default: %(default)s; env DIALBOARD_PORT)",
    )
    parser.add_argument(
        "--open",
        action="store_true",
        help="open a web browser at the server's address once it is up",
    )
    parser.add_argument(
        "--classroom",
        action="store_true",
        help="listen on every interface so students' devices can join, and print the join "
             "address with its QR code (same as --host 0.0.0.0, plus the address)",
    )
    parser.add_argument(
        "--log-level",
        choices=LOG_LEVELS,
        default="info",
        help="logging level (default: %(default)s)",
    )
    parser.epilog = ("Sessions are stored in DIALBOARD_DATA_DIR (default: the per-user data "
                     "folder; empty: memory only) and come back after a restart.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    return parser


def browser_url(host: str, port: int) -> str:
    """The address a local browser should use for a server bound to ``host``."""
    if host in ("0.0.0.0", "", "::"):
        host = "127.0.0.1"
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"http://{host}:{port}/"


def _open_when_up(url: str, timeout: float = 15.0) -> None:
    """Wait until ``/healthz`` answers, then open ``url`` in a web browser."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url + "healthz", timeout=1.0) as response:
                if response.status == 200:
                    break
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.2)
    else:
        logger.warning("server did not come up within %.0f s; not opening a browser", timeout)
        return
    if not webbrowser.open(url):
        logger.warning("could not open a web browser; visit %s", url)


def _settings(argv: Sequence[str] | None) -> tuple[Settings, argparse.Namespace]:
    """The environment's settings with the command line's host and port on top.

    A bad ``DIALBOARD_*`` variable is reported only after parsing, so that ``--help`` and
    ``--version`` still work; its message names the variable.
    """
    env_error: SettingsError | None = None
    try:
        env_settings = Settings.from_env()
    except SettingsError as error:
        env_settings, env_error = Settings(), error
    parser = build_parser(env_settings)
    args = parser.parse_args(argv)
    if env_error is not None:
        parser.error(str(env_error))
    if args.classroom:
        if args.host not in (env_settings.host, *WILDCARD_BINDS):
            parser.error("--classroom listens on every interface; leave out --host")
        args.host = "0.0.0.0"
    try:
        return replace(env_settings, host=args.host, port=args.port), args
    except SettingsError as error:
        message = str(error).replace("DIALBOARD_HOST", "--host").replace("DIALBOARD_PORT", "--port")
        parser.error(message)


def listen(host: str, port: int) -> socket.socket:
    """Bind the server's socket before anything starts, so a taken port is said plainly."""
    try:
        sock = socket.create_server((host, port), family=_family(host), backlog=2048)
    except OSError as error:
        if error.errno == errno.EADDRINUSE:
            raise PortError(
                f"port {port} on {host} is already in use (another Dialboard, or another "
                f"server). Choose another with --port {port + 1 if port < 65535 else 8000} "
                "or DIALBOARD_PORT, or stop the program using it."
            ) from None
        raise PortError(f"cannot listen on {host} port {port}: {error.strerror or error}") from None
    # create_server leaves `proto` 0, and asyncio disables Nagle's algorithm only on sockets
    # whose proto says TCP. Rebuilt from its descriptor, the socket reads its proto from the
    # kernel, and so do the connections it accepts.
    return small_segments(socket.socket(fileno=sock.detach()))


def _family(host: str) -> socket.AddressFamily:
    return socket.AF_INET6 if ":" in host else socket.AF_INET


class PortError(OSError):
    """The server cannot listen where it was asked to; the message says what to do."""


def classroom_notice(port: int, lan: str | None) -> str:
    """What the teacher reads in the terminal: where students join, as text and QR code."""
    if lan is None:
        return ("\nClassroom: this machine has no local-network address, so students' devices "
                "cannot reach it. Join a network (Wi-Fi or cable) and start again.\n\n")
    join = f"http://{lan}:{port}/join"
    art = io.StringIO()
    segno.make(join, error="m").terminal(out=art, compact=True)
    return (f"\nClassroom: students open {join} (or scan this) and type the class code the "
            f"board shows.\n{art.getvalue()}Teacher: open http://{lan}:{port}/ on the "
            f"projector (on this machine also http://127.0.0.1:{port}/).\n\n")


def main(argv: Sequence[str] | None = None) -> int:
    """Parse ``argv`` and run the server until it is stopped."""
    settings, args = _settings(argv)
    if settings.data_dir is None:  # unset: the per-user folder ("" keeps memory only)
        settings = replace(settings, data_dir=default_data_dir())

    level = 5 if args.log_level == "trace" else getattr(logging, args.log_level.upper())
    logging.basicConfig(level=level, format="%(levelname)s:     %(name)s: %(message)s")

    # The factory reads its settings from the environment: hand it the final host/port.
    os.environ[Settings.env_name("host")] = settings.host
    os.environ[Settings.env_name("port")] = str(settings.port)

    one_thread()  # before NumPy is first imported (blas.py says why)

    try:
        sock = listen(settings.host, settings.port)
    except PortError as error:
        logger.error("Dialboard cannot start: %s", error)
        return 1

    from dialboard.server.app import create_app
    from dialboard.server.figures_proc import Helper
    from dialboard.server.longlived import freeze
    from dialboard.server.player import Player
    from dialboard.server.relay.front import create_front
    from dialboard.server.storage import SQLiteStore, StorageError, open_store, release_folder

    # Opened here, before serving, so that a data folder that cannot be used stops the server
    # with its message alone (the file named, what to do), and the file is left as it was.
    # With a worker, the worker opens it again and restores the sessions.
    store, where = None, "memory only (DIALBOARD_DATA_DIR is empty)"
    folder_lock = -1
    freeze()  # before the stored boards are restored
    try:
        store = open_store(settings)
        where = store.location if store is not None else where
        if settings.worker_count():  # the workers open it; this process keeps the folder's lock
            if isinstance(store, SQLiteStore):
                folder_lock = store.close_keeping_folder()
            store, app = None, create_front(settings, dict(os.environ), args.log_level)
        else:
            # restores every stored session
            app = create_app(settings, store=store, figurer=Helper(),
                             player=Player() if settings.player_on() else None)
    except StorageError as error:
        if store is not None:
            store.close()
        sock.close()
        logger.error("Dialboard cannot start: %s", error)
        return 1
    logger.info("sessions stored in %s", where)

    url = browser_url(settings.host, settings.port)
    logger.info("Dialboard %s on %s", __version__, url)
    if args.classroom:
        sys.stderr.write(classroom_notice(settings.port, lan_address()))
    if args.open:
        opener = threading.Thread(target=_open_when_up, args=(url,), name="open-browser")
        opener.daemon = True
        opener.start()

    import uvicorn  # imported late so that --help stays fast

    config = uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        log_level=args.log_level,
        ws_max_size=64 * 1024,  # larger client messages close the socket; 4 KiB+ an error
        ws_ping_interval=5.0,  # with the timeout and the close handshake: ~25 s at most
        ws_ping_timeout=10.0,
        ws_per_message_deflate=False,  # ~50× slower for 7% fewer bytes on float frames
        timeout_graceful_shutdown=3,
    )
    try:
        uvicorn.Server(config).run(sockets=[sock])
    finally:
        sock.close()
        if store is not None:
            store.close()  # if the app never started; else already closed
        release_folder(folder_lock)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
