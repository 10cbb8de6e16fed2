"""The 8×8 handwritten digits scikit-learn ships, read straight from its file (no import)."""

import functools
import gzip
import importlib.util
from pathlib import Path

import numpy as np

from dialboard.engine._toys import FloatArray, IntArray
from dialboard.engine.errors import ConfigError

DIGITS_COUNT = 1797

__all__ = ["DIGITS_COUNT", "digit_rows", "digits_raw", "resample_matrix"]


def _digits_path() -> Path:
    # find_spec on a top-level name locates the package without importing it.
    try:
        spec = importlib.util.find_spec("sklearn")
    except (ImportError, ValueError):
        spec = None
    for folder in (spec.submodule_search_locations or []) if spec is not None else []:
        path = Path(folder, "datasets", "data", "digits.csv.gz")
        if path.is_file():
            return path
    raise ConfigError("refusal.digits.missing")


@functools.lru_cache(maxsize=1)
def digits_raw() -> tuple[FloatArray, IntArray]:
    """(pixels (1797, 64) in 0..16, labels (1797,) in 0..9), read-only: shared by every call."""
    path = _digits_path()
    with gzip.open(path, "rt") as stream:
        table = np.loadtxt(stream, delimiter=",", dtype=np.float64, ndmin=2)
    if table.shape != (DIGITS_COUNT, 65) or not np.isin(table[:, 64], np.arange(10)).all():
        raise ConfigError("refusal.digits.damaged", path=path)
    pixels, labels = table[:, :64].copy(), table[:, 64].astype(np.int64)
    pixels.setflags(write=False)
    labels.setflags(write=False)
    return pixels, labels


def _stratified_take(labels: IntArray, n: int, rng: np.random.Generator) -> IntArray:
    """Indices of n rows in random order, each class getting its share (largest remainder)."""
    classes, counts = np.unique(labels, return_counts=True)
    quota = n * counts / counts.sum()
    take = np.floor(quota).astype(np.int64)
    take[np.argsort(take - quota, kind="stable")[: n - int(take.sum())]] += 1
    chosen = [
        rng.choice(np.flatnonzero(labels == c), k, replace=False)
        for c, k in zip(classes, take, strict=True)
    ]
    return rng.permutation(np.concatenate(chosen))


def digit_rows(
    rng: np.random.Generator, n: int, keep: tuple[int, ...]
) -> tuple[FloatArray, IntArray]:
    pixels, labels = digits_raw()
    pool = np.flatnonzero(np.isin(labels, keep))
    rows = pool[_stratified_take(labels[pool], n, rng)]
    return pixels[rows] / 16.0, labels[rows]


def resample_matrix(size_out: int, size_in: int) -> FloatArray:
    """(size_out, size_in) bilinear matrix, align-corners: output i samples i*(in-1)/(out-1)."""
    position = np.arange(size_out) * (size_in - 1) / (size_out - 1)
    left = np.minimum(np.floor(position).astype(np.int64), size_in - 2)
    frac = position - left
    matrix = np.zeros((size_out, size_in))
    matrix[np.arange(size_out), left] = 1.0 - frac
    matrix[np.arange(size_out), left + 1] = frac
    return matrix
