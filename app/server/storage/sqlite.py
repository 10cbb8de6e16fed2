"""Sessions in one SQLite file (stdlib sqlite3, WAL), written by a single writer thread.

Opening the file (the folder's lock, the checks that refuse a file, migration) is
sqlite_open.py's; this module reads sessions and writes them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
import threading
import time
from collections.abc import Sequence
from pathlib import Path

from dialboard.server.storage.base import (
    LevelRow,
    SessionImage,
    SessionRow,
    decode_session,
    level_row,
    session_row,
)
from dialboard.server.storage.codec import CodecError
from dialboard.server.storage.schema import (
    MIGRATIONS,
    SCHEMA_VERSION,
    Migration,
    StorageError,
    what_to_do,
)
from dialboard.server.storage.sqlite_open import (
    LOCK_NAME,
    open_database,
    release_folder,
    take_folder,
)

logger = logging.getLogger(__name__)

DB_NAME = "sessions.sqlite3"
RETRY_SECONDS = 1.0  # after a failed write, the work waits this long before it is tried again


class SQLiteStore:
    def __init__(self, data_dir: str | Path, *, migrations: Sequence[Migration] = MIGRATIONS,
                 busy_timeout: float = 1.0, folder_held_by: int | None = None) -> None:
        """`folder_held_by`: the process that holds the folder's lock for this one (the web
        process that started this worker); the lock is then not taken here."""
        self.dir = Path(data_dir).expanduser()
        self.path = self.dir / DB_NAME
        self.location = str(self.path)
        self._migrations = tuple(migrations)
        try:
            self.dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        except OSError as exc:
            raise StorageError(f"cannot create the data folder {self.dir}: {exc.strerror}. "
                               "Set DIALBOARD_DATA_DIR to a folder this user may write "
                               "(an empty value keeps sessions in memory only).") from None
        self._lock_fd = take_folder(self.dir, self.path) if folder_held_by is None else -1
        try:
            self._conn = open_database(self.path, self._migrations, busy_timeout)
        except BaseException:
            release_folder(self._lock_fd)
            raise
        self._on_disk: dict[str, set[int]] = {}
        self._cond = threading.Condition()
        self._pending: dict[str, SessionImage | None] = {}  # None: delete
        self._queued = self._written = 0  # generations of handed-over and stored work
        self._stopping = self._closed = False
        self.write_seconds: list[float] = []  # how long each write took (the last 1000)
        self._thread = threading.Thread(target=self._writer, name="dialboard-store",
                                        daemon=True)
        self._thread.start()

    # -- reading -----------------------------------------------------------------------------
    def load(self) -> list[SessionImage]:
        """Every stored session, decoded. Raises StorageError if one cannot be read."""
        levels: dict[str, list[LevelRow]] = {}
        for sid, seq, kind, meta, state in self._conn.execute(
                "SELECT session_id, seq, kind, meta, state FROM undo_levels"):
            levels.setdefault(sid, []).append(LevelRow(sid, seq, kind, meta, bytes(state)))
        out = []
        for r in self._conn.execute(
                "SELECT id, token_hash, config, state_meta, state, history, extra, saved_at "
                "FROM sessions ORDER BY saved_at"):
            row = SessionRow(r[0], r[1], r[2], r[3], bytes(r[4]), bytes(r[5]), r[6], r[7])
            try:
                out.append(decode_session(row, levels.get(row.id, [])))
            except CodecError as exc:
                raise StorageError(f"{self.path}: {exc}. {what_to_do(self.path)}") from None
            self._on_disk[row.id] = {lv.seq for lv in levels.get(row.id, [])}
        return out

    # -- writing -----------------------------------------------------------------------------
    def save(self, image: SessionImage) -> None:
        self._hand_over(image.id, image)

    def delete(self, session_id: str) -> None:
        self._hand_over(session_id, None)

    def _hand_over(self, session_id: str, item: SessionImage | None) -> None:
        with self._cond:
            if self._stopping:
                logger.warning("store closed: session %s not saved", session_id[:6])
                return
            self._pending[session_id] = item  # a newer image replaces one not yet written
            self._queued += 1
            self._cond.notify_all()

    def wait_written(self, timeout: float | None = None) -> bool:
        """Block until everything handed over before this call is stored."""
        with self._cond:
            target = self._queued
            return self._cond.wait_for(lambda: self._written >= target, timeout)

    async def flush(self, timeout: float | None = 30.0) -> None:
        if not await asyncio.to_thread(self.wait_written, timeout):
            logger.error("sessions were not all stored within %s s", timeout)

    def _writer(self) -> None:
        while True:
            with self._cond:
                self._cond.wait_for(lambda: self._pending or self._stopping)
                if not self._pending:
                    return
                work, self._pending = self._pending, {}
                generation = self._queued
            started = time.perf_counter()
            try:
                self._write(work)
            except Exception:
                logger.exception("storing %d session(s) in %s failed; trying again in %g s",
                                 len(work), self.path, RETRY_SECONDS)
                with self._cond:
                    for sid, item in work.items():
                        self._pending.setdefault(sid, item)  # unless something newer came
                    stopping = self._stopping
                if stopping:
                    return
                time.sleep(RETRY_SECONDS)
                continue
            self.write_seconds.append(time.perf_counter() - started)
            del self.write_seconds[:-1000]
            with self._cond:
                self._written = max(self._written, generation)
                self._cond.notify_all()

    def _write(self, work: dict[str, SessionImage | None]) -> None:
        conn, stored = self._conn, dict[str, set[int] | None]()
        conn.execute("BEGIN IMMEDIATE")
        try:
            for sid, image in work.items():
                if image is None:
                    conn.execute("DELETE FROM undo_levels WHERE session_id = ?", (sid,))
                    conn.execute("DELETE FROM sessions WHERE id = ?", (sid,))
                    stored[sid] = None
                    continue
                self._write_row(conn, image, known=sid in self._on_disk)
                have, want = self._on_disk.get(sid, set()), {lv.seq for lv in image.levels}
                conn.executemany("DELETE FROM undo_levels WHERE session_id = ? AND seq = ?",
                                 [(sid, seq) for seq in have - want])
                new = [level_row(sid, lv) for lv in image.levels if lv.seq not in have]
                conn.executemany("INSERT OR REPLACE INTO undo_levels (session_id, seq, kind, "
                                 "meta, state) VALUES (?, ?, ?, ?, ?)",
                                 [(sid, lv.seq, lv.kind, lv.meta, lv.state) for lv in new])
                stored[sid] = want
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        for sid, seqs in stored.items():
            if seqs is None:
                self._on_disk.pop(sid, None)
            else:
                self._on_disk[sid] = seqs

    @staticmethod
    def _write_row(conn: sqlite3.Connection, image: SessionImage, *, known: bool) -> None:
        """The session's row. A row already stored keeps its config (it never changes, and a
        teacher's own data makes it megabytes): only the state is written again."""
        if known:
            r = session_row(image, with_config=False)
            if conn.execute("UPDATE sessions SET token_hash = ?, state_meta = ?, state = ?, "
                            "history = ?, extra = ?, saved_at = ? WHERE id = ?",
                            (r.token_hash, r.state_meta, r.state, r.history, r.extra,
                             r.saved_at, r.id)).rowcount:
                return
            # Gone from the file meanwhile: written whole again below.
        r = session_row(image)
        conn.execute("INSERT OR REPLACE INTO sessions (id, token_hash, config, state_meta, "
                     "state, history, extra, saved_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                     (r.id, r.token_hash, r.config, r.state_meta, r.state, r.history, r.extra,
                      r.saved_at))

    def close(self) -> None:
        """Store everything handed over, then close the file and free the folder. Closing
        again does nothing."""
        release_folder(self.close_keeping_folder())

    def close_keeping_folder(self) -> int:
        """Close like `close` but keep the folder's lock: returned, for `release_folder`
        (-1 when closed before or not held here)."""
        with self._cond:
            if self._closed:
                return -1
            self._closed = True
            self._stopping = True
            self._cond.notify_all()
        self._thread.join()
        with contextlib.suppress(sqlite3.Error):
            self._conn.close()
        fd, self._lock_fd = self._lock_fd, -1
        return fd


__all__ = ["DB_NAME", "LOCK_NAME", "MIGRATIONS", "SCHEMA_VERSION", "SQLiteStore", "StorageError",
           "release_folder"]
