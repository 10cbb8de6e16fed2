"""Server settings, read from ``DIALBOARD_*`` environment variables."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from typing import Any

logger = logging.getLogger(__name__)

ENV_PREFIX = "DIALBOARD_"
MAX_WORKERS = 64
DEFAULT_MAX_WORKERS = 8


class SettingsError(ValueError):
    """A setting has a value the server cannot use. The message names the variable."""


def _check_int(name: str, value: int, minimum: int, maximum: int | None = None) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise SettingsError(f"{name} must be an integer, got {value!r}")
    if value < minimum or (maximum is not None and value > maximum):
        upper = f" and at most {maximum}" if maximum is not None else ""
        raise SettingsError(f"{name} must be at least {minimum}{upper}, got {value}")


def _parse_int(raw: str) -> int:
    return int(raw.strip().replace("_", ""))


def _parse_origins(raw: str) -> tuple[str, ...]:
    return tuple(part.strip().rstrip("/") for part in raw.split(",") if part.strip())


def _parse_str(raw: str) -> str:
    return raw.strip()


def default_data_dir(environ: Mapping[str, str] | None = None) -> str:
    """The per-user data folder: $XDG_DATA_HOME/dialboard, else ~/.local/share/dialboard."""
    env = os.environ if environ is None else environ
    xdg = env.get("XDG_DATA_HOME", "")
    base = xdg if os.path.isabs(xdg) else os.path.join(os.path.expanduser("~"), ".local", "share")
    return os.path.join(base, "dialboard")


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything an operator can tune. Build it with :meth:`from_env` or directly."""

    host: str = "127.0.0.1"
    port: int = 8000
    #: Training sessions that may exist at once.
    max_sessions: int = 50
    #: Largest network (weights + biases) a session may build.
    max_parameters: int = 250_000
    #: A session nobody has touched for this long is dropped.
    session_ttl_seconds: int = 7200
    #: Bits per second streamed to one viewer at most (classroom Wi-Fi: 30 viewers × 2 Mbit/s).
    viewer_bandwidth_bps: int = 2_000_000
    #: Extra origins (scheme://host[:port]) allowed to open websockets; same origin always is.
    allowed_origins: tuple[str, ...] = ()
    #: Largest message a client may send over a websocket.
    max_message_bytes: int = 4096
    #: A send that takes longer than this means a frozen client: its socket is closed.
    send_timeout_seconds: int = 10
    #: Rows of inline data a session config may carry.
    max_dataset_rows: int = 10_000
    #: Extra host names (or "*" for any) the server answers to, beside localhost, its own
    #: name and its addresses.
    allowed_hosts: tuple[str, ...] = ()
    #: Sessions one client (address) may create per minute.
    sessions_per_minute: int = 20
    #: Memory one session may need (network, data, caches, undo history), estimated before
    #: it is built; and all sessions together.
    session_memory_mb: int = 512
    server_memory_mb: int = 8192
    #: Folder of the sessions database; "" keeps sessions in memory only. None (unset): the
    #: `dialboard` command uses `default_data_dir()`; an app built in code keeps memory only.
    data_dir: str | None = None
    #: Worker processes the `dialboard` command runs the sessions in, off the web process's
    #: event loop (docs/workers.md); 0 runs them in the web process; None (unset): one per
    #: core, at most DEFAULT_MAX_WORKERS. An app built in code (`create_app`) always runs
    #: them in its own process.
    workers: int | None = None
    #: Whether a board playing at full speed trains in a player process, on a core of its
    #: own (docs/workers.md): 1 yes, 0 in its worker; None (unset): yes with two cores or
    #: more. An app built in code (`create_app`) has a player only if it is given one.
    player: int | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.host, str) or not self.host.strip():
            raise SettingsError(
                f"{ENV_PREFIX}HOST must be a non-empty host name, got {self.host!r}"
            )
        _check_int(f"{ENV_PREFIX}PORT", self.port, 1, 65535)
        _check_int(f"{ENV_PREFIX}MAX_SESSIONS", self.max_sessions, 1)
        _check_int(f"{ENV_PREFIX}MAX_PARAMETERS", self.max_parameters, 1)
        _check_int(f"{ENV_PREFIX}SESSION_TTL_SECONDS", self.session_ttl_seconds, 1)
        _check_int(f"{ENV_PREFIX}VIEWER_BANDWIDTH_BPS", self.viewer_bandwidth_bps, 1)
        _check_int(f"{ENV_PREFIX}MAX_MESSAGE_BYTES", self.max_message_bytes, 64)
        _check_int(f"{ENV_PREFIX}SEND_TIMEOUT_SECONDS", self.send_timeout_seconds, 1, 3600)
        _check_int(f"{ENV_PREFIX}MAX_DATASET_ROWS", self.max_dataset_rows, 1, 10_000)
        _check_int(f"{ENV_PREFIX}SESSION_MEMORY_MB", self.session_memory_mb, 16)
        _check_int(f"{ENV_PREFIX}SESSIONS_PER_MINUTE", self.sessions_per_minute, 1)
        _check_int(f"{ENV_PREFIX}SERVER_MEMORY_MB", self.server_memory_mb, 16)
        if self.workers is not None:
            _check_int(f"{ENV_PREFIX}WORKERS", self.workers, 0, MAX_WORKERS)
        if self.player is not None:
            _check_int(f"{ENV_PREFIX}PLAYER", self.player, 0, 1)
        if self.data_dir is not None and not isinstance(self.data_dir, str):
            raise SettingsError(f"{ENV_PREFIX}DATA_DIR must be a folder path or empty, "
                                f"got {self.data_dir!r}")
        if not isinstance(self.allowed_origins, tuple):
            raise SettingsError(
                f"{ENV_PREFIX}ALLOWED_ORIGINS must be a tuple of origins, "
                f"got {type(self.allowed_origins).__name__}"
            )
        for origin in self.allowed_origins:
            scheme, sep, rest = str(origin).partition("://")
            if scheme not in ("http", "https") or not sep or not rest or "/" in rest:
                raise SettingsError(
                    f"{ENV_PREFIX}ALLOWED_ORIGINS entries must look like "
                    f"'https://example.org' or 'http://host:port', got {origin!r}"
                )

    def worker_count(self) -> int:
        """How many worker processes the `dialboard` command starts (0: none)."""
        if self.workers is not None:
            return self.workers
        return max(1, min(os.cpu_count() or 1, DEFAULT_MAX_WORKERS))

    def player_on(self) -> bool:
        """Whether the `dialboard` command's processes have a player: on one core it would
        only take training's own core from it."""
        return bool(self.player) if self.player is not None else (os.cpu_count() or 1) >= 2

    @staticmethod
    def env_name(field_name: str) -> str:
        return ENV_PREFIX + field_name.upper()

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Read settings from ``DIALBOARD_<FIELD>`` variables; unset ones keep defaults.

        ``DIALBOARD_ALLOWED_ORIGINS`` is a comma-separated list. Raises
        :class:`SettingsError` naming the variable when a value is unusable.
        """
        env = os.environ if environ is None else environ
        parsers: dict[str, Callable[[str], Any]] = {
            "host": _parse_str,
            "allowed_origins": _parse_origins,
            "allowed_hosts": _parse_origins,
            "data_dir": _parse_str,
        }
        values: dict[str, Any] = {}
        known = set()
        for field in fields(cls):
            name = cls.env_name(field.name)
            known.add(name)
            raw = env.get(name)
            if raw is None:
                continue
            parse = parsers.get(field.name, _parse_int)
            try:
                values[field.name] = parse(raw)
            except ValueError:
                raise SettingsError(f"{name} must be an integer, got {raw!r}") from None
        for name in sorted(set(env) - known):
            if name.startswith(ENV_PREFIX):
                logger.warning("ignoring unknown setting %s (known: %s)", name, sorted(known))
        return cls(**values)
