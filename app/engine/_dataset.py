"""What every dataset is (`Dataset`), and the checks and the stratified split that loading
one by name and building one from inline rows share."""

import math
import numbers
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from dialboard.engine._toys import FloatArray, IntArray
from dialboard.engine.errors import ConfigError, Words, words

MAX_TEST_FRACTION = 0.9
BINARY = ("0", "1")  # unnamed classes are their numbers: the output says nothing more
TASKS = ("classification", "regression")

@dataclass(frozen=True, eq=False)  # eq=False: field-wise == on arrays is ambiguous
class Dataset:
    name: str
    x_train: FloatArray
    y_train: FloatArray
    x_test: FloatArray
    y_test: FloatArray
    task: str
    input_shape: tuple[int, ...]
    class_names: tuple[str, ...]
    description: str

    def __post_init__(self) -> None:
        arrays = (self.x_train, self.y_train, self.x_test, self.y_test)
        for a in arrays:
            if a.dtype != np.float64 or a.ndim != 2 or not a.flags.c_contiguous:
                raise ConfigError("refusal.dataset.arrays_layout")
            if not np.isfinite(a).all():
                raise ConfigError("refusal.dataset.arrays_finite")
        if len(self.x_train) == 0 or len(self.x_train) != len(self.y_train):
            raise ConfigError("refusal.dataset.train_rows")
        if len(self.x_test) != len(self.y_test):
            raise ConfigError("refusal.dataset.test_rows")
        if self.x_test.shape[1] != self.n_in or self.y_test.shape[1] != self.n_out:
            raise ConfigError("refusal.dataset.test_columns")
        if math.prod(self.input_shape) != self.n_in or self.task not in TASKS:
            raise ConfigError("refusal.dataset.shape_task", tasks=str(TASKS))

    @property
    def n_in(self) -> int:
        return int(self.x_train.shape[1])

    @property
    def n_out(self) -> int:
        return int(self.y_train.shape[1])


def real_number(value: object, what: str, rule: Words) -> float:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise ConfigError("refusal.must_be_got", what=what, rule=rule, value=repr(value))
    return float(value)


def check_fraction(test_fraction: object) -> float:
    rule = words("refusal.rule.number_range", high=MAX_TEST_FRACTION)
    fraction = real_number(test_fraction, "test_fraction", rule)
    if not 0.0 <= fraction <= MAX_TEST_FRACTION:  # also false for NaN
        raise ConfigError("refusal.must_be_got", what="test_fraction", rule=rule,
                          value=repr(test_fraction))
    return fraction


def whole_number(value: object) -> int | None:
    """value as an int when it is a whole number (not a bool), else None."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        return None
    return int(value)


def seeded_rng(seed: object) -> np.random.Generator:
    whole = whole_number(seed)
    if whole is None or whole < 0:
        raise ConfigError("refusal.seed_whole", value=repr(seed))
    return np.random.default_rng(whole)


def stratified_split(
    x: FloatArray, y: FloatArray, strata: IntArray, fraction: float, rng: np.random.Generator
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """Hold out round(fraction * size) rows of every stratum, always leaving one to train on.

    Rows keep their relative order in both parts; with fraction 0 the data is returned as is.
    """
    test = np.zeros(len(x), dtype=bool)
    for stratum in np.unique(strata) if fraction > 0 else []:
        rows = np.flatnonzero(strata == stratum)
        k = min(math.floor(fraction * len(rows) + 0.5), len(rows) - 1)
        test[rng.choice(rows, k, replace=False)] = True

    def part(a: FloatArray, mask: npt.NDArray[np.bool_]) -> FloatArray:
        return np.ascontiguousarray(a[mask], dtype=np.float64)

    return part(x, ~test), part(y, ~test), part(x, test), part(y, test)
