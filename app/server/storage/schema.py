"""The sessions database's schema: its migrations, one per version, and the error (with what
to do) that stops a server whose file cannot be used."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path


class StorageError(RuntimeError):
    """The data folder or its database cannot be used; the message says which and what to do."""


Migration = Callable[[sqlite3.Connection], None]


def _v1(conn: sqlite3.Connection) -> None:
    """The first schema: one row per session, one per stored undo level."""
    conn.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
    conn.execute("INSERT INTO schema_version (version) VALUES (0)")
    conn.execute("""CREATE TABLE sessions (
        id TEXT PRIMARY KEY,
        token_hash TEXT NOT NULL,
        config TEXT NOT NULL,
        state_meta TEXT NOT NULL,
        state BLOB NOT NULL,
        history BLOB NOT NULL,
        extra TEXT NOT NULL,
        saved_at REAL NOT NULL)""")
    conn.execute("""CREATE TABLE undo_levels (
        session_id TEXT NOT NULL,
        seq INTEGER NOT NULL,
        kind TEXT NOT NULL,
        meta TEXT NOT NULL,
        state BLOB NOT NULL,
        PRIMARY KEY (session_id, seq))""")


#: MIGRATIONS[v] turns a version-v database into version v + 1 (v = 0: an empty file).
MIGRATIONS: tuple[Migration, ...] = (_v1,)
SCHEMA_VERSION = len(MIGRATIONS)


def what_to_do(path: Path) -> str:
    return (f"Move {path} (and any {path.name}-wal and -shm beside it) elsewhere to start with "
            "no stored sessions, or set DIALBOARD_DATA_DIR to another folder (an empty value "
            "keeps sessions in memory only). Dialboard has not changed the file.")
