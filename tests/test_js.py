"""The front end's pure modules under Node's own test runner (`node --test tests/js/`).

Fixture frames come from the server's own code (a real session's frames, and the encoder on
hand-picked values), written to a temporary directory whose path reaches the Node tests in
DIALBOARD_JS_FIXTURES. A missing `node` fails this test; it never skips.
"""

from __future__ import annotations

import json
import math
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from dialboard.server import session_config
from dialboard.server.safetensors_io import decode, encode
from dialboard.server.session import Session

ROOT = Path(__file__).resolve().parents[1]


def _number(v: float) -> float | str:
    """JSON has no NaN or ±inf: those travel as strings the Node side reads back."""
    return v if math.isfinite(v) else repr(v)


def _expected(blob: bytes) -> dict[str, Any]:
    tensors, meta = decode(blob)
    out = {n: {"dtype": str(a.dtype), "shape": list(a.shape),
               "values": [_number(float(v)) for v in a.ravel()]} for n, a in tensors.items()}
    return {"metadata": meta, "tensors": out}


def _write(folder: Path, name: str, blob: bytes) -> None:
    (folder / f"{name}.safetensors").write_bytes(blob)
    (folder / f"{name}.json").write_text(json.dumps(_expected(blob)))


def _session(preset: str, **fields: Any) -> Session:
    config = session_config.resolve({"preset": preset, **fields})
    return Session(config, session_config.build(config, max_parameters=250_000))


def _fixtures(folder: Path) -> None:
    s = _session("xor")
    s.trainer.step(3)
    s.changed()
    frame = s.frame()
    _write(folder, "xor-f32", frame.encode("f32", True))
    _write(folder, "xor-f16", frame.encode("f16", True))
    _write(folder, "xor-f16-bare", frame.encode("f16", False))
    while not s.trainer.phase.startswith("backward"):
        s.trainer.run_phase()
    s.changed()
    _write(folder, "xor-backward", s.frame().encode("f32", True))
    half = np.array([0.0, -0.0, 5.96e-8, 6.1e-5, 1 / 3, -2.5, 65504, np.inf, -np.inf, np.nan],
                    dtype=np.float16)
    _write(folder, "dtypes", encode({
        "i32": np.array([-(2**31), -1, 0, 7, 2**31 - 1], dtype=np.int32),
        "f16": half, "f64": np.array([math.pi, -1e300], dtype=np.float64),
        "f32": np.arange(6, dtype=np.float32).reshape(2, 3) / 7, "u8": np.array([0, 1, 255],
                                                                                dtype=np.uint8),
    }, {"step": "3", "in_step": "false"}))


def test_node_unit_tests(tmp_path: Path) -> None:
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is missing: the front end's unit tests need Node 20 or later")
    _fixtures(tmp_path)
    env = {**os.environ, "DIALBOARD_JS_FIXTURES": str(tmp_path)}
    run = subprocess.run([node, "--test", "tests/js/"], cwd=ROOT, env=env, capture_output=True,
                         text=True, timeout=100)
    output = run.stdout + run.stderr
    assert run.returncode == 0, output
    counts = {k: int(v) for k, v in re.findall(r"^# (pass|fail|skipped|todo) (\d+)$", output, re.M)}
    assert counts.get("pass", 0) > 0 and counts.get("fail", 1) == 0, output
    assert counts.get("skipped", 0) == 0 and counts.get("todo", 0) == 0, output
