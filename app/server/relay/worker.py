"""A worker process: ``python -m dialboard.server.relay.worker`` runs the Dialboard app for
the web process that started it, its sessions training on this process's core.

The first line of standard input is the relay's secret; settings come from the
``DIALBOARD_*`` variables like the server's. The worker opens the store, restores its
sessions, listens on a free port and prints ``port N``. The web process connects and proves
the secret; the worker serves that link. The end of standard input or of the link stops
it after the app's own shutdown (every session saved); signals are left to the web process.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hmac
import logging
import sys
import threading
import zlib
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from dialboard.engine.cores import give_way
from dialboard.server.relay import internal, wire
from dialboard.server.relay.host import Link
from dialboard.server.relay.lifeline import die_with_parent, ignore_stop_signals
from dialboard.server.relay.routes import share
from dialboard.server.settings import Settings

logger = logging.getLogger("dialboard.worker")
HELLO_SECONDS = 10.0
# A worker's nice value, inherited by its player and figures helper: where the cores are
# short, training gives way to the web process (every socket's relay, /healthz), whose work
# is small and waits on nothing else.
WORKER_NICE = 5


def _on_stdin_end(loop: asyncio.AbstractEventLoop, stop: asyncio.Event) -> None:
    def watch() -> None:
        with contextlib.suppress(OSError, ValueError):
            sys.stdin.read()
        loop.call_soon_threadsafe(stop.set)

    threading.Thread(target=watch, name="stdin-watch", daemon=True).start()


async def serve(app: Any, secret: str, host: str) -> None:
    """Run `app`'s lifespan around one link from the web process."""
    links: dict[Link, asyncio.Task[Any]] = {}
    async with app.router.lifespan_context(app):
        stop = asyncio.Event()
        _on_stdin_end(asyncio.get_running_loop(), stop)

        async def accept(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            try:
                hello, _ = await asyncio.wait_for(wire.read(reader), HELLO_SECONDS)
            except (TimeoutError, wire.WireError):
                writer.close()
                return
            proof = str(hello.get("secret", "")).encode()
            if links or hello.get("t") != "hello" or not hmac.compare_digest(proof,
                                                                              secret.encode()):
                logger.warning("refused a relay connection without the secret")
                writer.close()
                return
            link = Link(app, reader, writer, app.state.registry.directory)
            links[link] = asyncio.current_task()  # type: ignore[assignment]
            await link.serve()
            stop.set()  # the web process is gone: nothing left to serve

        server = await asyncio.start_server(accept, host, 0)
        port = server.sockets[0].getsockname()[1]
        sys.stdout.write(f"port {port}\n")
        sys.stdout.flush()
        await stop.wait()
        server.close()
    for link in links:  # after the app's shutdown: its sockets' last words are relayed
        link.outlet.close()
    if links:
        await asyncio.wait(links.values())
    logger.info("worker stopped")


def part(key: str, workers: int) -> int:
    """The worker that restores a stored board (any one will do, the same every time), or
    that may give a new room code (so that no two workers give the same one)."""
    return zlib.crc32(key.encode()) % workers


def shared(settings: Settings, index: int, workers: int) -> Settings:
    """Worker `index`'s settings: its share of the server's memory budget."""
    return replace(settings, server_memory_mb=max(16, share(settings.server_memory_mb, index,
                                                            workers)))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="dialboard-worker")
    parser.add_argument("--host", default="127.0.0.1", help="interface the link listens on")
    parser.add_argument("--log-level", default="info")
    parser.add_argument("--folder-held-by", type=int, default=None,
                        help="the process holding the data folder's lock for this worker")
    parser.add_argument("--index", type=int, default=0, help="this worker's number, from 0")
    parser.add_argument("--workers", type=int, default=1, help="how many workers share")
    args = parser.parse_args(argv)
    level = 5 if args.log_level == "trace" else getattr(logging, args.log_level.upper())
    logging.basicConfig(level=level, format=f"%(levelname)s:     worker {args.index}: "
                                           "%(name)s: %(message)s")
    die_with_parent()
    ignore_stop_signals()
    give_way(WORKER_NICE)  # before any thread or child starts: all inherit it
    secret = sys.stdin.readline().strip()

    from dialboard.server.app import create_app
    from dialboard.server.figures_proc import Helper
    from dialboard.server.longlived import freeze
    from dialboard.server.player import Player
    from dialboard.server.storage import StorageError, open_store

    settings = shared(Settings.from_env(), args.index, args.workers)
    freeze()  # before the stored boards are restored
    try:
        app = create_app(settings, store=open_store(settings, args.folder_held_by),
                         keep=lambda sid: part(sid, args.workers) == args.index, figurer=Helper(),
                         player=Player() if settings.player_on() else None)
    except StorageError as error:
        logger.error("Dialboard cannot start: %s", error)
        return 1
    app.include_router(internal.router)  # rooms moving between workers (front.py only)
    registry = app.state.registry
    registry.capacity = share(settings.max_sessions, args.index, args.workers)
    registry.rooms.mine = lambda code: part(code, args.workers) == args.index
    asyncio.run(serve(app, secret, args.host))
    return 0


if __name__ == "__main__":
    sys.exit(main())
