"""A session's config (megabytes with a teacher's own data) is written once, not with every
save: checked on a real SQLite file, across a reopen, and when its row vanished meanwhile."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from pathlib import Path

import pytest

from dialboard.server.storage import SessionImage, SQLiteStore, base
from dialboard.server.storage.sqlite import DB_NAME
from tests.server.live import run
from tests.server.test_storage import image, trainer

BIG = {"preset": "xor", "dataset": {"inputs": [[float(i), 1.0] for i in range(5000)],
                                    "targets": [[float(i % 2)] for i in range(5000)]}}


@pytest.fixture
def encodings(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many times a config was encoded to be written."""
    count: list[int] = []
    real = base.encode_config

    def counting(config: dict[str, object]) -> str:
        count.append(1)
        return real(config)

    monkeypatch.setattr(base, "encode_config", counting)
    return count


def saves(store: SQLiteStore, first: SessionImage, n: int) -> None:
    for k in range(n):
        store.save(replace(first, version=first.version + k, cost_history=((0, 1.0 / (k + 1)),)))
        run(store.flush())


def test_the_config_is_written_once_and_every_state_each_time(
        tmp_path: Path, encodings: list[int]) -> None:
    store = SQLiteStore(tmp_path)
    first = replace(image("s1", range(0), trainer("gd-full")), config=BIG)
    saves(store, first, 5)
    assert len(encodings) == 1
    store.close()

    again = SQLiteStore(tmp_path)
    (loaded,) = again.load()
    assert loaded.config == BIG and loaded.version == first.version + 4
    saves(again, loaded, 3)   # a reopened store knows the row: still no config written
    assert len(encodings) == 1
    again.close()
    (latest,) = SQLiteStore(tmp_path).load()
    assert latest.config == BIG and latest.version == loaded.version + 2


def test_a_row_gone_meanwhile_is_written_whole_again(tmp_path: Path,
                                                      encodings: list[int]) -> None:
    store = SQLiteStore(tmp_path)
    first = replace(image("s1", range(0), trainer("gd-full")), config=BIG)
    saves(store, first, 1)
    with sqlite3.connect(tmp_path / DB_NAME) as conn:   # another hand removes the row
        conn.execute("DELETE FROM sessions WHERE id = 's1'")
    saves(store, replace(first, version=50), 1)
    assert len(encodings) == 2
    store.close()
    (back,) = SQLiteStore(tmp_path).load()
    assert back.config == BIG and back.version == 50
