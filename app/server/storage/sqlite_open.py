"""Opening the sessions file for `SQLiteStore`: the data folder's lock, then the file's checks
and migration.

Another server using the folder, a file that is not a SQLite database or fails its integrity
check, or a schema newer than this code each stop the server with a `StorageError` naming the
file; the file is left exactly as it was. An older schema is copied aside
(`sessions.sqlite3.v{N}.backup`) and migrated.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import sqlite3
from collections.abc import Sequence
from pathlib import Path

from dialboard.server.storage.schema import Migration, StorageError, what_to_do

logger = logging.getLogger(__name__)

LOCK_NAME = "dialboard.lock"
SQLITE_HEADER = b"SQLite format 3\x00"


def take_folder(folder: Path, db_path: Path) -> int:
    """Lock the data folder for this process (its id written in the lock file): the file
    descriptor, for `release_folder`."""
    lock_path = folder / LOCK_NAME
    try:
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as exc:
        raise StorageError(f"cannot open {lock_path}: {exc.strerror}") from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        holder = os.pread(fd, 32, 0).decode(errors="replace").strip()
        os.close(fd)
        who = f" (process {holder})" if holder.isdigit() else ""
        raise StorageError(
            f"{db_path} is in use by another Dialboard server{who}, which holds "
            f"{lock_path}. Stop that server, or give this one its own DIALBOARD_DATA_DIR; "
            "nothing was changed.") from None
    os.ftruncate(fd, 0)
    os.pwrite(fd, str(os.getpid()).encode(), 0)
    return fd


def release_folder(fd: int) -> None:
    """Free a data folder's lock (a file descriptor; -1: none)."""
    if fd < 0:
        return
    with contextlib.suppress(OSError):
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def open_database(path: Path, migrations: Sequence[Migration],
                  busy_timeout: float) -> sqlite3.Connection:
    """The checked connection, migrated to `len(migrations)`, in WAL mode."""
    if path.exists() and path.stat().st_size > 0:
        with path.open("rb") as f:
            if f.read(len(SQLITE_HEADER)) != SQLITE_HEADER:
                raise StorageError(f"{path} is not a SQLite database (corrupt, or some "
                                   f"other file). {what_to_do(path)}")
    conn = sqlite3.connect(path, timeout=busy_timeout, isolation_level=None,
                           check_same_thread=False)
    try:
        _check_and_migrate(conn, path, migrations)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")  # with WAL: a crash of ours loses nothing
    except BaseException:
        conn.close()
        raise
    return conn


def _check_and_migrate(conn: sqlite3.Connection, path: Path,
                       migrations: Sequence[Migration]) -> None:
    try:
        conn.execute("BEGIN IMMEDIATE")  # nobody else writes while we look
        try:
            version = _version(conn, path, len(migrations))
            if 0 < version < len(migrations):
                conn.execute("ROLLBACK")
                _backup(conn, path, version)
                conn.execute("BEGIN IMMEDIATE")
                version = _version(conn, path, len(migrations))
            for v in range(version, len(migrations)):
                migrations[v](conn)
                conn.execute("UPDATE schema_version SET version = ?", (v + 1,))
                if v:
                    logger.info("migrated %s from schema v%d to v%d", path, v, v + 1)
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
    except sqlite3.OperationalError as exc:
        if "locked" in str(exc) or "busy" in str(exc):
            raise StorageError(
                f"{path} is locked by another program ({exc}). Stop whatever holds it "
                "(another Dialboard server, or a tool with the database open), then start "
                "again.") from None
        raise StorageError(f"{path} cannot be read: {exc}. {what_to_do(path)}") from None
    except sqlite3.DatabaseError as exc:
        raise StorageError(f"{path} is corrupt ({exc}). {what_to_do(path)}") from None


def _version(conn: sqlite3.Connection, path: Path, newest: int) -> int:
    problems = [r[0] for r in conn.execute("PRAGMA quick_check")]
    if problems != ["ok"]:
        raise StorageError(f"{path} is corrupt (integrity check: "
                           f"{'; '.join(problems[:3])}). {what_to_do(path)}")
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    if not tables:
        return 0
    if "schema_version" not in tables:
        raise StorageError(f"{path} is a SQLite database, but not Dialboard's (it has no "
                           f"schema_version table). {what_to_do(path)}")
    rows = conn.execute("SELECT version FROM schema_version").fetchall()
    if len(rows) != 1 or not isinstance(rows[0][0], int) or rows[0][0] < 0:
        raise StorageError(f"{path} has a damaged schema_version table. "
                           f"{what_to_do(path)}")
    version = int(rows[0][0])
    if version > newest:
        raise StorageError(
            f"{path} was written by a newer Dialboard (schema v{version}; this one reads up "
            f"to v{newest}). Upgrade Dialboard to use it. {what_to_do(path)}")
    return version


def _backup(conn: sqlite3.Connection, path: Path, version: int) -> None:
    target = path.with_name(f"{path.name}.v{version}.backup")
    dst = sqlite3.connect(target)
    try:
        conn.backup(dst)
    finally:
        dst.close()
    logger.info("copied %s to %s before migrating it", path, target)
