"""A server process freezes what it imported (longlived.py) so a full garbage collection
walks only what came later, and a board made afterwards is still freed, cycles and all."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = r'''
import gc, weakref
from dialboard.server.app import create_app
from dialboard.server.longlived import freeze
from dialboard.server.registry import Registry
from dialboard.server.settings import Settings

freeze()
walked = {id(o) for o in gc.get_objects(generation=2)}
assert id(create_app) not in walked and gc.get_freeze_count() > 10_000, "not frozen"
registry = Registry(Settings(data_dir=""))
board = weakref.ref(registry.create({"preset": "digits"}))
registry.sessions.clear()
gc.collect()
assert board() is None, "a board made after the freeze was kept"
print("ok")
'''


def test_what_was_imported_is_frozen_and_later_boards_are_still_freed() -> None:
    out = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr
