"""Validation of inline data given as JSON-like rows: every error names the row and column."""

import math
import numbers

import numpy as np

from dialboard.engine._toys import FloatArray
from dialboard.engine.errors import ConfigError

MAX_INLINE_ROWS = 10_000
MAX_INLINE_WIDTH = 1_000
MAX_INLINE_VALUES = 1_000_000  # rows * width, for inputs and for targets separately

__all__ = ["MAX_INLINE_ROWS", "MAX_INLINE_VALUES", "MAX_INLINE_WIDTH", "inline_array"]


def _check_element(value: object, where: str) -> None:
    if isinstance(value, (bool, np.bool_)):
        raise ConfigError(f"{where} is a boolean; use 0 or 1 instead of false/true")
    if not isinstance(value, numbers.Real):
        raise ConfigError(f"{where} is not a number (got {type(value).__name__} {value!r:.40})")


def _float_or_inf(value: object) -> float:
    try:
        return float(value) if isinstance(value, numbers.Real) else math.nan
    except OverflowError:
        return math.inf


def _row_values(row: list[object], i: int, what: str) -> FloatArray:
    for j, value in enumerate(row):
        if type(value) is not float and type(value) is not int:
            _check_element(value, f"{what}[{i}][{j}]")
    try:
        values = np.array(row, dtype=np.float64)
    except OverflowError:  # a Python int beyond the float64 range
        values = np.array([_float_or_inf(v) for v in row], dtype=np.float64)
    bad = np.flatnonzero(~np.isfinite(values))
    if bad.size:
        where = f"{what}[{i}][{int(bad[0])}]"
        raise ConfigError(f"{where} is not finite (NaN, infinity or beyond float64)")
    return values


def _row(rows: list[object] | tuple[object, ...], i: int, what: str) -> list[object]:
    row = rows[i]
    if not isinstance(row, (list, tuple)):
        raise ConfigError(f"{what}[{i}] must be a list of numbers, got {type(row).__name__}")
    return list(row)


def inline_array(value: object, what: str) -> FloatArray:
    """Validate a JSON-like list of equal-length rows of finite numbers; (rows, width) float64."""
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if not isinstance(value, (list, tuple)):
        kind = type(value).__name__
        raise ConfigError(f"{what} must be a list of rows (lists of numbers), got {kind}")
    if not value:
        raise ConfigError(f"{what} has no rows; give at least one")
    if len(value) > MAX_INLINE_ROWS:
        raise ConfigError(f"{what} has {len(value)} rows; at most {MAX_INLINE_ROWS} are allowed")
    width = len(_row(value, 0, what))
    if width == 0:
        raise ConfigError(f"{what} rows are empty; each row needs at least one number")
    if width > MAX_INLINE_WIDTH:
        raise ConfigError(f"{what} rows have {width} values; at most {MAX_INLINE_WIDTH} allowed")
    if len(value) * width > MAX_INLINE_VALUES:
        total = len(value) * width
        raise ConfigError(f"{what} has {total} values in all; at most {MAX_INLINE_VALUES} allowed")
    out = np.empty((len(value), width), dtype=np.float64)
    for i in range(len(value)):
        row = _row(value, i, what)
        if len(row) != width:
            raise ConfigError(f"row {i} of {what} has {len(row)} values, row 0 has {width}")
        out[i] = _row_values(row, i, what)
    return out
