"""Sessions kept across restarts: a small `Store` interface, `MemoryStore` for tests and
`SQLiteStore` (the default), the codec that turns engine snapshots into rows and back, and the
`Saver` that decides when a session is saved. docs/storage.md describes what is stored."""

from dialboard.server.settings import Settings
from dialboard.server.storage.base import LevelImage, MemoryStore, SessionImage, Store
from dialboard.server.storage.codec import CodecError, decode_snapshot, encode_snapshot
from dialboard.server.storage.sqlite import (
    SCHEMA_VERSION,
    SQLiteStore,
    StorageError,
    release_folder,
)


def open_store(settings: Settings, folder_held_by: int | None = None) -> Store | None:
    """The store `settings.data_dir` names: None (memory only) for "" or unset. Raises
    StorageError, naming the file and what to do, when it cannot be used. `folder_held_by`:
    the process holding the folder's lock for this one (SQLiteStore)."""
    if not settings.data_dir:
        return None
    return SQLiteStore(settings.data_dir, folder_held_by=folder_held_by)


__all__ = ["SCHEMA_VERSION", "CodecError", "LevelImage", "MemoryStore", "SQLiteStore",
           "SessionImage", "StorageError", "Store", "decode_snapshot", "encode_snapshot",
           "open_store", "release_folder"]
