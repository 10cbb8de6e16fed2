"""One BLAS thread everywhere the engine computes (dialboard/blas.py)."""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np

from dialboard.blas import VARIABLES, one_thread

ROOT = Path(__file__).resolve().parent.parent


def product() -> np.ndarray:
    """The 625 board's first layer over the training set: (20, 625) (1438, 625)ᵀ."""
    rng = np.random.default_rng(0)
    x, w = rng.random((1438, 625)), rng.standard_normal((20, 625))
    return np.dot(w, x.T)


def test_one_thread_overrides_what_the_environment_asked() -> None:
    env = {"OPENBLAS_NUM_THREADS": "4", "PATH": "/bin"}
    one_thread(env)
    assert env == {"PATH": "/bin", **dict.fromkeys(VARIABLES, "1")}


def test_this_process_multiplies_to_the_bit_as_a_one_thread_server_does(tmp_path: Path) -> None:
    """The tests host the server in this process and replay its steps here, to the bit: a
    large product must have the bits a process with one BLAS thread gives (with two threads,
    this one's last bits differ on this machine)."""
    env = dict(os.environ)
    one_thread(env)
    out = tmp_path / "product.npy"
    code = "import sys, numpy, tests.test_blas as t; numpy.save(sys.argv[1], t.product())"
    subprocess.run([sys.executable, "-c", code, str(out)], env=env, cwd=ROOT, check=True,
                   timeout=60)
    assert np.array_equal(np.load(out), product())
