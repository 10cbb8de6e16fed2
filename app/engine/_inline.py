"""Validation of inline data given as JSON-like rows (every error names the row and column), the
optional class names and column names that come with it, and the input scalings."""

import math
import numbers

import numpy as np

from dialboard.engine._toys import FloatArray
from dialboard.engine.errors import ConfigError, Words, count, words

MAX_INLINE_ROWS = 10_000
MAX_INLINE_WIDTH = 1_000
MAX_INLINE_VALUES = 1_000_000  # rows * width, for inputs and for targets separately
MAX_NAME_CHARS = 60  # a class or column name: short enough to label an output
# Input scalings: statistics come from the training rows only and are applied to the test rows.
SCALINGS: dict[str, str] = {
    "none": "used as given, without scaling",
    "standardise": "standardised: each input minus its training-set mean, divided by its "
                   "training-set standard deviation (a constant input becomes 0)",
    "minmax": "min–max scaled: each input mapped from its training-set minimum and maximum to "
              "[0, 1] (test rows may fall outside; a constant input becomes 0)",
}

__all__ = ["MAX_INLINE_ROWS", "MAX_INLINE_VALUES", "MAX_INLINE_WIDTH", "MAX_NAME_CHARS",
           "SCALINGS", "check_names", "data_origin", "inline_array", "name_problem",
           "scale_inputs"]


def _check_element(value: object, where: str) -> None:
    if isinstance(value, (bool, np.bool_)):
        raise ConfigError("refusal.inline.boolean", where=where)
    if not isinstance(value, numbers.Real):
        raise ConfigError("refusal.inline.not_number", where=where, kind=type(value).__name__,
                          value=f"{value!r:.40}")


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
        raise ConfigError("refusal.inline.not_finite", where=where)
    return values


def _row(rows: list[object] | tuple[object, ...], i: int, what: str) -> list[object]:
    row = rows[i]
    if not isinstance(row, (list, tuple)):
        raise ConfigError("refusal.inline.row_not_list", where=f"{what}[{i}]",
                          kind=type(row).__name__)
    return list(row)


def inline_array(value: object, what: str) -> FloatArray:
    """Validate a JSON-like list of equal-length rows of finite numbers; (rows, width) float64."""
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if not isinstance(value, (list, tuple)):
        kind = type(value).__name__
        raise ConfigError("refusal.inline.not_rows", what=what, kind=kind)
    if not value:
        raise ConfigError("refusal.inline.no_rows", what=what)
    if len(value) > MAX_INLINE_ROWS:
        raise ConfigError("refusal.inline.too_many_rows", what=what, count=count(len(value)),
                          limit=count(MAX_INLINE_ROWS))
    width = len(_row(value, 0, what))
    if width == 0:
        raise ConfigError("refusal.inline.empty_rows", what=what)
    if width > MAX_INLINE_WIDTH:
        raise ConfigError("refusal.inline.too_wide", what=what, width=count(width),
                          limit=count(MAX_INLINE_WIDTH))
    if len(value) * width > MAX_INLINE_VALUES:
        total = len(value) * width
        raise ConfigError("refusal.inline.too_many_values", what=what, total=count(total),
                          limit=count(MAX_INLINE_VALUES))
    out = np.empty((len(value), width), dtype=np.float64)
    for i in range(len(value)):
        row = _row(value, i, what)
        if len(row) != width:
            raise ConfigError("refusal.inline.ragged", row=i, what=what, count=len(row),
                              width=width)
        out[i] = _row_values(row, i, what)
    return out


def name_problem(name: str) -> Words | None:
    """Why `name` cannot label an output or a column, in words; None when it can."""
    if not name.strip() or len(name) > MAX_NAME_CHARS:
        return words("refusal.name.length", limit=MAX_NAME_CHARS)
    # Names are shown in the page's text; markup and control characters never belong there.
    if any(ch in "<>" or not ch.isprintable() for ch in name):
        return words("refusal.name.characters")
    return None


def check_names(value: object, what: str, count: int) -> tuple[str, ...]:
    """`count` distinct, non-empty names of at most MAX_NAME_CHARS characters each."""
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        raise ConfigError("refusal.names.not_list", what=what)
    if len(value) != count:
        raise ConfigError("refusal.names.count", what=what, count=len(value), needed=count)
    for k, name in enumerate(value):
        problem = name_problem(name)
        if problem:
            raise ConfigError("refusal.names.bad", where=f"{what}[{k}]", problem=problem,
                              name=f"{name!r:.80}")
    if len(set(value)) != len(value):
        twice = next(v for v in value if value.count(v) > 1)
        raise ConfigError("refusal.names.twice", what=what, name=repr(twice))
    return tuple(value)


def scale_inputs(x_train: FloatArray, x_test: FloatArray,
                 scaling: object) -> tuple[FloatArray, FloatArray]:
    """Both parts scaled by statistics of the training part (one per column)."""
    if not isinstance(scaling, str) or scaling not in SCALINGS:
        raise ConfigError("refusal.scaling", known=", ".join(SCALINGS), value=f"{scaling!r:.40}")
    if scaling == "none":
        return x_train, x_test
    if scaling == "standardise":
        shift, spread = x_train.mean(axis=0), x_train.std(axis=0)
    else:
        shift = x_train.min(axis=0)
        spread = x_train.max(axis=0) - shift
    # A constant column (spread 0, or too small to divide by) is only shifted, to 0.
    spread = np.where(spread > 1e-12 * np.maximum(1.0, np.abs(shift)), spread, 1.0)
    with np.errstate(over="ignore"):  # beyond float64 is caught as "not finite" by Dataset
        return (np.ascontiguousarray((x_train - shift) / spread),
                np.ascontiguousarray((x_test - shift) / spread))


def data_origin(columns: object, n_in: int) -> str:
    """"Inline data", or which columns of a table the inputs and the target are."""
    if columns is None:
        return "Inline data"
    if not isinstance(columns, dict) or set(columns) != {"inputs", "target"}:
        raise ConfigError("refusal.columns_shape")
    inputs = check_names(columns["inputs"], "columns.inputs", n_in)
    (target,) = check_names([columns["target"]], "columns.target", 1)
    shown = ", ".join(inputs[:8]) + (f" and {len(inputs) - 8} more" if len(inputs) > 8 else "")
    return f"Table columns {shown} → target {target}"
