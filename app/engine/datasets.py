"""Named training datasets built from NumPy and the standard library only.

Nothing is downloaded: toys are generated from a seed, and the digits are read from the copy of
the UCI 8x8 handwritten digits that scikit-learn ships (the file is read directly; scikit-learn
is never imported). Every array is float64, C-contiguous and finite; see docs/datasets.md.
"""

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from dialboard.engine import _toys
from dialboard.engine._dataset import (
    BINARY,
    Dataset,
    check_fraction,
    real_number,
    seeded_rng,
    stratified_split,
    whole_number,
)
from dialboard.engine._digits import DIGITS_COUNT, digit_rows, resample_matrix
from dialboard.engine._inline_dataset import inline_dataset
from dialboard.engine._toys import FloatArray, IntArray
from dialboard.engine.errors import ConfigError, words

MAX_NOISE = 1.0
TOY_SAMPLES = (10, 10_000)  # inclusive n_samples range for the generated datasets
THREES_AND_SEVENS = 362  # 183 threes + 179 sevens in the shipped file
DIGIT_NAMES = tuple(str(d) for d in range(10))


# A loader maps (rng, n_samples, noise) to (x, y, strata): strata holds each row's class index
# (all zeros for regression), so test splits and subsets keep every class's share.
Loaded = tuple[FloatArray, FloatArray, IntArray]
Loader = Callable[[np.random.Generator, int, float], Loaded]


@dataclass(frozen=True)
class _Spec:
    name: str
    title: str
    description: str
    task: str
    input_shape: tuple[int, ...]
    n_out: int
    class_names: tuple[str, ...]
    loader: Loader
    test_fraction: float
    noise: float | None = None  # None: the dataset has no noise setting
    n_samples: int | None = None  # None: fixed size, n_samples is not accepted
    samples_range: tuple[int, int] = (0, 0)


def _xor(rng: np.random.Generator, n: int, noise: float) -> Loaded:
    x = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    labels = np.array([0, 1, 1, 0], dtype=np.int64)
    return x, labels[:, None].astype(np.float64), labels


def _two_class(generate: _toys.ToyGenerator) -> Loader:
    def load(rng: np.random.Generator, n: int, noise: float) -> Loaded:
        x, labels = generate(rng, n, noise)
        return x, labels[:, None].astype(np.float64), labels

    return load


def _sine(rng: np.random.Generator, n: int, noise: float) -> Loaded:
    x, y = _toys.sine(rng, n, noise)
    return x, y, np.zeros(n, dtype=np.int64)


def _digits(rng: np.random.Generator, n: int, noise: float) -> Loaded:
    x, labels = digit_rows(rng, n, tuple(range(10)))
    return x, np.eye(10)[labels], labels


def _digits_25(rng: np.random.Generator, n: int, noise: float) -> Loaded:
    x, labels = digit_rows(rng, n, tuple(range(10)))
    r = resample_matrix(25, 8)
    # (25, 8) @ (n, 8, 8) @ (8, 25) -> (n, 25, 25); rows of r sum to 1, clip drops rounding.
    big = np.clip(r @ x.reshape(-1, 8, 8) @ r.T, 0.0, 1.0)
    return np.ascontiguousarray(big.reshape(-1, 625)), np.eye(10)[labels], labels


def _three_seven(rng: np.random.Generator, n: int, noise: float) -> Loaded:
    x, labels = digit_rows(rng, n, (3, 7))
    sevens = (labels == 7).astype(np.int64)
    return x, sevens[:, None].astype(np.float64), sevens


_TOY = "200 points by default (half per class), 20% held out for testing (stratified)."
_JITTER = "noise is the standard deviation of gaussian jitter added to x and y"
_DIGITS = (
    "Real handwritten digits (the UCI 8x8 set shipped with scikit-learn, 1797 images), "
    "pixels scaled from 0..16 to [0, 1] (divided by 16). "
)
_SPLIT = "20% held out for testing, stratified by digit; n_samples takes a stratified subset."
_SPECS: tuple[_Spec, ...] = (
    _Spec(
        "xor", "XOR",
        "The four corners of the unit square as inputs, unscaled: (0,0), (0,1), (1,0), (1,1). "
        "Target: one column, 1 when exactly one input is 1, else 0. Fixed data: no noise, no "
        "size setting, no test split by default. A network without a hidden layer cannot learn it.",
        "classification", (2,), 1, BINARY, _xor, test_fraction=0.0,
    ),
    _Spec(
        "circle", "Circle",
        "Inputs: a point's x and y inside the unit disc. Target: one column, 1 for the inner "
        "disc (radius below 0.5), 0 for the ring around it (radius 0.7 to 1), points spread "
        f"evenly over the area; {_JITTER} (default 0.1). {_TOY}",
        "classification", (2,), 1, BINARY, _two_class(_toys.circle),
        test_fraction=0.2, noise=0.1, n_samples=200, samples_range=TOY_SAMPLES,
    ),
    _Spec(
        "gaussian", "Two Gaussians",
        "Inputs: a point's x and y. Target: one column, 1 for the blob centred on (0.4, 0.4), 0 "
        "for the blob centred on (-0.4, -0.4); each blob has standard deviation 0.1 per "
        f"coordinate, so points stay roughly in [-1, 1]; {_JITTER} on top (default 0.1). {_TOY}",
        "classification", (2,), 1, BINARY, _two_class(_toys.gaussian),
        test_fraction=0.2, noise=0.1, n_samples=200, samples_range=TOY_SAMPLES,
    ),
    _Spec(
        "spiral", "Spiral",
        "Inputs: a point's x and y inside the unit disc. Target: one column, 0 or 1 for two "
        "interleaved spiral arms half a turn apart, each making 1.75 turns as its radius grows "
        f"from 0 to 1; {_JITTER} (default 0.05). {_TOY}",
        "classification", (2,), 1, BINARY, _two_class(_toys.spiral),
        test_fraction=0.2, noise=0.05, n_samples=200, samples_range=TOY_SAMPLES,
    ),
    _Spec(
        "moons", "Two moons",
        "Inputs: a point's x and y, scikit-learn's two half moons mapped into x in [-1, 1], y in "
        "[-0.5, 0.5] (subtract (0.5, 0.25), divide by 1.5). Target: one column, 0 for the upper "
        f"moon, 1 for the lower moon; {_JITTER} (default 0.1). {_TOY}",
        "classification", (2,), 1, BINARY, _two_class(_toys.moons),
        test_fraction=0.2, noise=0.1, n_samples=200, samples_range=TOY_SAMPLES,
    ),
    _Spec(
        "sine", "Sine",
        "Regression. Input: one number x, uniform in [-1, 1]. Target: one column, sin(pi * x) "
        "plus gaussian noise of standard deviation noise (default 0.1), not rescaled. "
        "200 points by default, 20% held out for testing.",
        "regression", (1,), 1, (), _sine,
        test_fraction=0.2, noise=0.1, n_samples=200, samples_range=TOY_SAMPLES,
    ),
    _Spec(
        "digits", "Digits 8x8",
        f"{_DIGITS}Inputs: the 64 pixels of an 8x8 image, row by row. Target: 10 columns, "
        f"one-hot of the digit 0-9. {_SPLIT}",
        "classification", (8, 8), 10, DIGIT_NAMES, _digits,
        test_fraction=0.2, n_samples=DIGITS_COUNT, samples_range=(20, DIGITS_COUNT),
    ),
    _Spec(
        "digits-25x25", "Digits 25x25",
        f"{_DIGITS}Each image is resampled to 25x25 by bilinear interpolation (align-corners: "
        "corner pixels are kept), values stay in [0, 1]. Inputs: the 625 pixels, row by row. "
        f"Target: 10 columns, one-hot of the digit 0-9. {_SPLIT}",
        "classification", (25, 25), 10, DIGIT_NAMES, _digits_25,
        test_fraction=0.2, n_samples=DIGITS_COUNT, samples_range=(20, DIGITS_COUNT),
    ),
    _Spec(
        "digits-3-vs-7", "Digits: 3 vs 7",
        f"{_DIGITS}Only the 362 threes and sevens. Inputs: the 64 pixels of an 8x8 image, row by "
        f"row. Target: one column, 1 for a 7, 0 for a 3. {_SPLIT}",
        "classification", (8, 8), 1, ("3", "7"), _three_seven,
        test_fraction=0.2, n_samples=THREES_AND_SEVENS, samples_range=(4, THREES_AND_SEVENS),
    ),
)
_BY_NAME = {spec.name: spec for spec in _SPECS}
DATASET_NAMES: tuple[str, ...] = tuple(_BY_NAME)


def _spec(name: object) -> _Spec:
    if not isinstance(name, str) or name not in _BY_NAME:
        raise ConfigError("refusal.dataset.unknown", name=repr(name),
                          known=", ".join(DATASET_NAMES))
    return _BY_NAME[name]


def _resolve_noise(spec: _Spec, noise: object) -> float:
    if noise is None:
        return 0.0 if spec.noise is None else spec.noise
    if spec.noise is None:
        raise ConfigError("refusal.dataset.no_noise", name=repr(spec.name))
    rule = words("refusal.rule.finite_range", high=MAX_NOISE)
    value = real_number(noise, "noise", rule)
    if not 0.0 <= value <= MAX_NOISE:
        raise ConfigError("refusal.must_be_got", what="noise", rule=rule, value=repr(noise))
    return value


def _resolve_samples(spec: _Spec, n_samples: object) -> int:
    if spec.n_samples is None:
        if n_samples is not None:
            raise ConfigError("refusal.dataset.fixed_size", name=repr(spec.name))
        return 0
    if n_samples is None:
        return spec.n_samples
    low, high = spec.samples_range
    count = whole_number(n_samples)
    if count is None or not low <= count <= high:
        raise ConfigError("refusal.dataset.samples", name=repr(spec.name), low=low, high=high,
                          value=repr(n_samples))
    return count


def load_dataset(
    name: str,
    *,
    seed: int = 0,
    noise: float | None = None,
    n_samples: int | None = None,
    test_fraction: float | None = None,
) -> Dataset:
    """The named dataset; None arguments take the dataset's defaults (see describe_datasets)."""
    spec = _spec(name)
    rng = seeded_rng(seed)
    noise_value = _resolve_noise(spec, noise)
    count = _resolve_samples(spec, n_samples)
    fraction = spec.test_fraction if test_fraction is None else check_fraction(test_fraction)
    x, y, strata = spec.loader(rng, count, noise_value)
    x_train, y_train, x_test, y_test = stratified_split(x, y, strata, fraction, rng)
    return Dataset(
        spec.name, x_train, y_train, x_test, y_test,
        spec.task, spec.input_shape, spec.class_names, spec.description,
    )


def describe_datasets() -> list[dict[str, object]]:
    """One entry per name in DATASET_NAMES, without loading any data."""
    return [
        {
            "name": spec.name,
            "title": spec.title,
            "description": spec.description,
            "n_in": math.prod(spec.input_shape),
            "n_out": spec.n_out,
            "task": spec.task,
        }
        for spec in _SPECS
    ]


__all__ = ["DATASET_NAMES", "Dataset", "describe_datasets", "inline_dataset", "load_dataset"]
