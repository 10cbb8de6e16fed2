"""Sessions kept across restarts: a small `Store` interface, `MemoryStore` for tests and
`SQLiteStore` (the default), the codec that turns engine snapshots into rows and back, and the
`Saver` that decides when a session is saved. docs/storage.md describes what is stored."""

from dialboard.server.settings import Settings
from dialboard.server.storage.base import LevelImage, MemoryStore, SessionImage, Store
from dialboard.server.storage.codec import CodecError, decode_snapshot, encode_snapshot
from dialboard.server.storage.sqlite import SCHEMA_VERSION, SQLiteStore, StorageError


def open_store(settings: Settings) -> Store | None:
    """The store `settings.data_dir` names: None (memory only) for "" or unset. Raises
    StorageError, naming the file and what to do, when it cannot be used."""
    if not settings.data_dir:
        return None
    return SQLiteStore(settings.data_dir)


__all__ = ["SCHEMA_VERSION", "CodecError", "LevelImage", "MemoryStore", "SQLiteStore",
           "SessionImage", "StorageError", "Store", "decode_snapshot", "encode_snapshot",
           "open_store"]
