"""Storage: the codec is exact, MemoryStore and SQLiteStore keep the same contract, a registry
restarts with every session as it was, and a database that cannot be used is refused and left
exactly as it was."""

from __future__ import annotations

import asyncio
import fcntl
import json
import os
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import fields, replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from dialboard.engine import Snapshot, Trainer
from dialboard.server.history import Inverse
from dialboard.server.registry import Registry
from dialboard.server.session import hash_token
from dialboard.server.session_config import build, resolve
from dialboard.server.settings import Settings, default_data_dir
from dialboard.server.storage import (
    SCHEMA_VERSION,
    LevelImage,
    MemoryStore,
    SessionImage,
    SQLiteStore,
    StorageError,
    Store,
    codec,
    decode_snapshot,
    encode_snapshot,
    open_store,
    sqlite,
)
from dialboard.server.storage.saver import Saver
from tests.server.live import run

CONFIGS: dict[str, dict[str, Any]] = {
    "gd-full": {"preset": "xor"},
    "gd-momentum-minibatch-decay-locks": {
        "preset": "xor", "momentum": 0.9, "batch_size": 2, "weight_decay": 0.01,
        "locked": ["layers.1.bias", {"name": "layers.0.weight", "index": [0, 1]}]},
    "trial_and_error": {"preset": "xor", "learner": "trial_and_error"},
    "evolution": {"preset": "xor", "learner": "evolution", "step_size": 0.3},
    "inline-init": {"layers": [2, 3, 1], "dataset": {"inputs": [[0, 0], [0, 1], [1, 0], [1, 1]],
                                                     "targets": [[0], [1], [1], [0.5]]},
                    "init": {"layers.1.bias": [0.25]}, "activation": "tanh", "seed": 3},
    "digits-625-minibatch": {"preset": "digits-625", "batch_size": 32, "momentum": 0.5},
}


def trainer(name: str) -> Trainer:
    return build(resolve(CONFIGS[name]), max_parameters=10**6)


def same_params(a: Trainer, b: Trainer) -> bool:
    return all(a.net.params[n].tobytes() == b.net.params[n].tobytes() for n in a.net.params)


def same_state(a: Trainer, b: Trainer) -> None:
    assert same_params(a, b)
    assert (a.step_count, a.pos, a.last_phase, a.diverged) == (b.step_count, b.pos,
                                                                 b.last_phase, b.diverged)
    assert a.rng.bit_generator.state == b.rng.bit_generator.state
    assert (a.work.forward_examples, a.work.backward_examples) == (
        b.work.forward_examples, b.work.backward_examples)
    assert all(np.array_equal(a.locks[n], b.locks[n]) for n in a.locks)
    assert a.config == b.config


# -- the codec -------------------------------------------------------------------------------

def test_codec_knows_every_field_of_the_engine_snapshot() -> None:
    assert codec.unhandled_snapshot_fields() == set(), (
        "Snapshot changed: teach app/server/storage/codec.py the new field")
    assert {f.name for f in fields(Snapshot)} == set(codec.SNAPSHOT_FIELDS)


@pytest.mark.parametrize("name", list(CONFIGS))
def test_restored_trainer_continues_bit_identically_between_and_within_steps(name: str) -> None:
    """Stopped anywhere, between steps or after any phase, encoded, decoded into a freshly
    built trainer: the next phases and steps are bit-identical to the original's."""
    original = trainer(name)
    original.step(3)
    for stop_after in range(len(original.phases) + 1):
        a = trainer(name)
        a.step(3)
        for _ in range(stop_after):
            a.run_phase()
        meta, blob = encode_snapshot(a.snapshot())
        b = trainer(name)
        b.restore(decode_snapshot(meta, blob))
        b.cost()  # as the registry does on restore (the screen, computed before any step)
        same_state(a, b)
        for _ in range(len(a.phases) + 1):
            assert a.run_phase() == b.run_phase()
            same_state(a, b)
        a.step(12)
        b.step(12)
        same_state(a, b)
        assert a.cost() == b.cost()


def test_codec_keeps_a_diverged_and_tentative_state() -> None:
    a = trainer("trial_and_error")
    a.run_phase()  # the try is on the dials: tentative
    snap = a.snapshot()
    assert snap.tentative is not None
    snap = replace(snap, diverged="training diverged at step 1: test")
    b = decode_snapshot(*encode_snapshot(snap))
    assert b.diverged == snap.diverged
    assert b.tentative is not None and b.screen is None and b.tentative[1] is None
    assert all(np.array_equal(b.tentative[0][n], snap.tentative[0][n]) for n in snap.params)


def test_decoded_arrays_are_private_copies() -> None:
    meta, blob = encode_snapshot(trainer("gd-full").snapshot())
    snap = decode_snapshot(meta, blob)
    for arr in snap.params.values():
        assert arr.flags.writeable and arr.flags.owndata


def test_a_damaged_snapshot_is_an_error_not_a_crash() -> None:
    meta, blob = encode_snapshot(trainer("gd-full").snapshot())
    with pytest.raises(codec.CodecError):
        decode_snapshot(meta.replace('"codec": 1', '"codec": 99'), blob)
    with pytest.raises(codec.CodecError):
        decode_snapshot(meta.replace("layers.0.weight", "layers.9.weight"), blob)


# -- stores: one contract ------------------------------------------------------------------

@pytest.fixture(params=["memory", "sqlite"])
def make_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Callable[[], Store]]:
    """A factory: each call opens the same stored data again (the previous one closed)."""
    opened: list[Store] = []
    memory = MemoryStore()

    def make() -> Store:
        for s in opened:
            s.close()
        store: Store = memory if request.param == "memory" else SQLiteStore(tmp_path / "data")
        opened.append(store)
        return store

    yield make
    for s in opened:
        s.close()


def image(sid: str, levels: range, trainer_: Trainer) -> SessionImage:
    snap = trainer_.snapshot()
    return SessionImage(id=sid, token_hash=hash_token("t-" + sid), config={"preset": "xor"},
                        snapshot=snap,
                        levels=tuple(LevelImage(i, f"k{i}", replace(snap, step_count=i))
                                     for i in levels),
                        cost_history=((0, 0.5), (1, 0.25)), example=1, version=7,
                        idle_seconds=3.5)


def flush(store: Store) -> None:
    run(store.flush())


def test_store_round_trip_and_replace_and_delete(make_store: Callable[[], Store]) -> None:
    t = trainer("gd-momentum-minibatch-decay-locks")
    t.step(5)
    store = make_store()
    assert store.load() == []
    store.save(image("a", range(0, 4), t))
    store.save(image("b", range(0, 1), t))
    flush(store)
    store.save(image("a", range(2, 6), t))  # two levels dropped, two new
    store.delete("b")
    flush(store)
    loaded = {s.id: s for s in make_store().load()}
    assert set(loaded) == {"a"}
    a = loaded["a"]
    assert [lv.seq for lv in a.levels] == [2, 3, 4, 5]
    assert [lv.snapshot.step_count for lv in a.levels] == [2, 3, 4, 5]
    assert [lv.kind for lv in a.levels] == ["k2", "k3", "k4", "k5"]
    assert (a.token_hash, a.config, a.example, a.version, a.idle_seconds) == (
        hash_token("t-a"), {"preset": "xor"}, 1, 7, 3.5)
    assert a.cost_history == ((0, 0.5), (1, 0.25))
    b = trainer("gd-momentum-minibatch-decay-locks")
    b.restore(a.snapshot)
    same_state(t, b)


def test_store_saves_the_newest_image_when_saves_pile_up(
        make_store: Callable[[], Store]) -> None:
    t = trainer("gd-full")
    store = make_store()
    for k in range(50):
        t.step()
        store.save(image("a", range(k, k + 2), t))
    flush(store)
    (a,) = make_store().load()
    assert a.snapshot.step_count == 50 and [lv.seq for lv in a.levels] == [49, 50]


# -- a registry restarts -----------------------------------------------------------------------

async def _first_life(reg: Registry) -> dict[str, Any]:
    reg.start()
    xor = reg.create({"preset": "xor", "momentum": 0.5})
    tae = reg.create({"preset": "xor", "learner": "trial_and_error"})
    for s in (xor, tae):
        for _ in range(3):
            with s.action("step"):
                s.trainer.step(4)
        with s.action("phase"):
            s.trainer.run_phase()  # stop mid-step
        with s.action("lock"):
            s.trainer.set_locked("layers.0.bias", [1], True)
        s.set_example(2)
        s.frame()  # the cost history gets a point
    out = {s.id: {"token": s.control_token, "snap": s.trainer.snapshot(),
                  "levels": len(s.history), "history": list(s.cost_history),
                  "undone": None} for s in (xor, tae)}
    await reg.close()
    return out


async def _second_life(reg: Registry, before: dict[str, Any]) -> None:
    reg.start()
    assert set(reg.sessions) == set(before)
    for sid, b in before.items():
        s = reg.sessions[sid]
        assert s.token_matches(b["token"]) and not s.token_matches(b["token"] + "x")
        assert len(s.history) == b["levels"]
        assert s.cost_history == b["history"] and s.example == 2
        fresh = build(resolve({"preset": "xor"}), max_parameters=100)
        fresh.restore(b["snap"])
        same_state(s.trainer, fresh)
        for _ in range(4):  # the next phases and steps as the original would have run them
            s.trainer.run_phase()
            fresh.run_phase()
            same_state(s.trainer, fresh)
        assert s.trainer.locks["layers.0.bias"][1]
        s.undo()  # the lock
        assert not s.trainer.locks["layers.0.bias"][1]
        assert (s.trainer.step_count, s.trainer.pos) == (12, 1)
        s.undo()  # the phase
        assert (s.trainer.step_count, s.trainer.pos) == (12, 0)
        s.undo()  # the third step
        assert (s.trainer.step_count, s.trainer.pos) == (8, 0)
        assert len(s.history) == b["levels"] - 3
    await reg.close()


def test_registry_restarts_with_every_session_memory_store() -> None:
    store = MemoryStore()
    reg = Registry(Settings())
    reg.attach(store)
    before = run(_first_life(reg))
    reg2 = Registry(Settings())
    assert reg2.attach(store) == 2
    run(_second_life(reg2, before))


def test_registry_restarts_with_every_session_sqlite(tmp_path: Path) -> None:
    reg = Registry(Settings())
    reg.attach(SQLiteStore(tmp_path))
    before = run(_first_life(reg))
    raw = (tmp_path / sqlite.DB_NAME).read_bytes()
    for b in before.values():
        assert b["token"].encode() not in raw  # only its hash is stored
    reg2 = Registry(Settings())
    assert reg2.attach(SQLiteStore(tmp_path)) == 2
    run(_second_life(reg2, before))


def test_delete_and_expiry_remove_stored_sessions(tmp_path: Path) -> None:
    async def life() -> None:
        reg = Registry(Settings(session_ttl_seconds=60))
        reg.attach(SQLiteStore(tmp_path))
        reg.start()
        kept, deleted, expired = (reg.create({"preset": "xor"}) for _ in range(3))
        await reg.delete(deleted.id)
        expired.last_active -= 3600
        assert reg.expire() == [expired.id]
        await reg.close()
        assert kept.id

    run(life())
    store = SQLiteStore(tmp_path)
    assert len(store.load()) == 1
    store.close()


def test_a_person_s_change_is_saved_at_once(tmp_path: Path) -> None:
    async def life() -> int:
        store = SQLiteStore(tmp_path)
        reg = Registry(Settings())
        reg.attach(store)
        s = reg.create({"preset": "xor"})
        with s.action("step"):
            s.trainer.step(3)
        s.changed()
        await asyncio.sleep(0)  # the save goes on the next turn of the loop
        await store.flush()
        other = sqlite3.connect(tmp_path / sqlite.DB_NAME)
        (meta,) = other.execute("SELECT state_meta FROM sessions").fetchone()
        other.close()
        store.close()
        return int(json.loads(meta)["step_count"])

    assert run(life()) == 3


def test_undo_levels_are_stored_within_the_byte_budget() -> None:
    async def life() -> list[int]:
        store = MemoryStore()
        reg = Registry(Settings())
        reg.attach(store)
        s = reg.create({"preset": "xor"})
        for _ in range(10):
            with s.action("step"):
                s.trainer.step()
        assert reg.saver is not None
        per_level = s.history.levels[-1].nbytes
        small = Saver(store, undo_bytes=3 * per_level)
        small.configs[s.id] = {"preset": "xor"}
        img = small.image(s)
        return [lv.snapshot.step_count for lv in img.levels]

    assert run(life()) == [7, 8, 9]


# -- opening a database: refused, never overwritten ----------------------------------------------

def refused(data_dir: Path, *words: str) -> str:
    db = data_dir / sqlite.DB_NAME
    before = db.read_bytes() if db.exists() else None
    with pytest.raises(StorageError) as err:
        SQLiteStore(data_dir)
    message = str(err.value)
    for w in words:
        assert w in message, message
    if before is not None:
        assert db.read_bytes() == before, "a refused database must be left exactly as it was"
    return message


def test_not_a_database_is_refused(tmp_path: Path) -> None:
    (tmp_path / sqlite.DB_NAME).write_bytes(os.urandom(4096))
    refused(tmp_path, str(tmp_path / sqlite.DB_NAME), "not a SQLite database", "Move")


def test_a_damaged_database_is_refused(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path)
    for k in range(20):
        store.save(image(f"s{k}", range(0, 3), trainer("gd-full")))
    store.close()
    db = tmp_path / sqlite.DB_NAME
    raw = bytearray(db.read_bytes())
    page = 4096
    raw[2 * page: 2 * page + 200] = os.urandom(200)  # a b-tree page of the tables
    db.write_bytes(bytes(raw))
    refused(tmp_path, str(db), "corrupt")


def test_a_newer_database_is_refused(tmp_path: Path) -> None:
    SQLiteStore(tmp_path).close()
    conn = sqlite3.connect(tmp_path / sqlite.DB_NAME)
    conn.execute("UPDATE schema_version SET version = ?", (SCHEMA_VERSION + 1,))
    conn.commit()
    conn.close()
    refused(tmp_path, f"v{SCHEMA_VERSION + 1}", "newer Dialboard", "Upgrade")


def test_someone_else_s_database_is_refused(tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / sqlite.DB_NAME)
    conn.execute("CREATE TABLE notes (x TEXT)")
    conn.commit()
    conn.close()
    refused(tmp_path, "not Dialboard's")


def test_a_folder_in_use_by_another_server_is_refused(tmp_path: Path) -> None:
    first = SQLiteStore(tmp_path)
    try:
        message = refused(tmp_path, "in use by another Dialboard server",
                          f"process {os.getpid()}")
        assert str(tmp_path) in message
    finally:
        first.close()
    SQLiteStore(tmp_path).close()  # free again once the first one stopped


def test_a_database_locked_by_another_program_is_refused(tmp_path: Path) -> None:
    SQLiteStore(tmp_path).close()
    db = tmp_path / sqlite.DB_NAME
    other = sqlite3.connect(db, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    try:
        refused(tmp_path, "locked", str(db))
    finally:
        other.execute("ROLLBACK")
        other.close()
    lock = os.open(tmp_path / sqlite.LOCK_NAME, os.O_RDWR)
    fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)  # the refused store let the folder go
    os.close(lock)


def test_an_older_schema_is_copied_aside_and_migrated(tmp_path: Path) -> None:
    """The machinery, with a synthetic v2: a v1 database (this code's first schema) gains a
    column, keeps every session, and the v1 file is kept beside it."""
    store = SQLiteStore(tmp_path)
    t = trainer("gd-full")
    t.step(2)
    store.save(image("a", range(0, 2), t))
    store.close()

    def v2(conn: sqlite3.Connection) -> None:
        conn.execute("ALTER TABLE sessions ADD COLUMN room TEXT")

    migrated = SQLiteStore(tmp_path, migrations=(*sqlite.MIGRATIONS, v2))
    (a,) = migrated.load()
    assert a.snapshot.step_count == 2 and [lv.seq for lv in a.levels] == [0, 1]
    migrated.close()
    conn = sqlite3.connect(tmp_path / sqlite.DB_NAME)
    assert conn.execute("SELECT version FROM schema_version").fetchall() == [(2,)]
    assert "room" in [r[1] for r in conn.execute("PRAGMA table_info(sessions)")]
    conn.close()
    backup = sqlite3.connect(tmp_path / f"{sqlite.DB_NAME}.v1.backup")
    assert backup.execute("SELECT version FROM schema_version").fetchall() == [(1,)]
    assert backup.execute("SELECT id FROM sessions").fetchall() == [("a",)]
    backup.close()
    refused(tmp_path, "newer Dialboard")  # and this code (v1) now refuses the v2 file


def test_a_failing_migration_leaves_the_file_as_it_was(tmp_path: Path) -> None:
    SQLiteStore(tmp_path).close()
    db = tmp_path / sqlite.DB_NAME
    before = db.read_bytes()

    def broken(conn: sqlite3.Connection) -> None:
        conn.execute("ALTER TABLE sessions ADD COLUMN room TEXT")
        raise sqlite3.OperationalError("no such thing")

    with pytest.raises(StorageError):
        SQLiteStore(tmp_path, migrations=(*sqlite.MIGRATIONS, broken))
    assert db.read_bytes() == before
    SQLiteStore(tmp_path).close()


# -- settings ------------------------------------------------------------------------------------

def test_data_dir_setting(tmp_path: Path) -> None:
    assert Settings().data_dir is None and open_store(Settings()) is None
    assert Settings.from_env({"DIALBOARD_DATA_DIR": ""}).data_dir == ""
    assert open_store(Settings(data_dir="")) is None
    assert Settings.from_env({"DIALBOARD_DATA_DIR": f" {tmp_path} "}).data_dir == str(tmp_path)
    assert default_data_dir({"XDG_DATA_HOME": "/srv/x"}) == "/srv/x/dialboard"
    assert default_data_dir({}).endswith(os.path.join(".local", "share", "dialboard"))
    store = open_store(Settings(data_dir=str(tmp_path / "new" / "folder")))
    assert isinstance(store, SQLiteStore)
    store.close()


def test_levels_of_changes_made_while_training_are_stored_as_inverses(tmp_path: Path) -> None:
    """A turn, a lock and a setting made while a run plays are undone after a restart by
    their inverses, exactly as before it: the run's progress stays."""

    async def first() -> tuple[str, int, float]:
        reg = Registry(Settings())
        reg.attach(SQLiteStore(tmp_path))
        reg.start()
        s = reg.create({"preset": "xor"})
        s.start(None, 200.0)
        while s.trainer.step_count < 3:
            await asyncio.sleep(0.01)
        old = s.trainer.value("layers.0.weight", (0, 1))
        with s.action("set", ("layers.0.weight", (0, 1)),
                      Inverse("set", "layers.0.weight", (0, 1), old)):
            s.trainer.set_value("layers.0.weight", [0, 1], 2.5)
        mask = s.trainer.locks["layers.1.bias"]
        with s.action("lock", None, Inverse("lock", "layers.1.bias", mask=mask)):
            s.trainer.set_locked("layers.1.bias", None, True)
        with s.action("configure", None, Inverse("configure", settings={"momentum": 0.0})):
            s.trainer.configure(momentum=0.25)
        await s.stop()
        assert [lv.inverse is not None for lv in s.history.levels] == [False, True, True, True]
        await reg.close()
        return s.id, s.trainer.step_count, old

    sid, steps, old = run(first())

    async def second() -> None:
        reg = Registry(Settings())
        reg.attach(SQLiteStore(tmp_path))
        s = reg.sessions[sid]
        assert [lv.kind for lv in s.history.levels] == ["run", "set", "lock", "configure"]
        assert s.trainer.config.momentum == 0.25 and s.trainer.locks["layers.1.bias"].all()
        s.undo()
        assert s.trainer.config.momentum == 0.0
        s.undo()
        assert not s.trainer.locks["layers.1.bias"].any()
        s.undo()
        assert s.trainer.value("layers.0.weight", (0, 1)) == old
        assert s.trainer.step_count == steps  # the run's steps stay
        s.undo()
        assert s.trainer.step_count == 0
        await reg.close()

    run(second())
