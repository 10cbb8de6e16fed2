"""Named datasets checked against facts outside the loader: geometry, the shipped CSV, sklearn."""

import csv
import gzip
import importlib.util
import math
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from dialboard.engine import _digits
from dialboard.engine._inline import MAX_INLINE_ROWS, MAX_INLINE_WIDTH
from dialboard.engine.datasets import (
    DATASET_NAMES,
    Dataset,
    describe_datasets,
    inline_dataset,
    load_dataset,
)
from dialboard.engine.errors import ConfigError

TOYS = ("circle", "gaussian", "spiral", "moons")
SEEDED = (*TOYS, "sine", "digits", "digits-25x25", "digits-3-vs-7")
DIGITS = ("digits", "digits-25x25", "digits-3-vs-7")
# (n_in, n_out, task, rows in train + test by default)
EXPECTED = {
    "xor": (2, 1, "classification", 4),
    "circle": (2, 1, "classification", 200),
    "gaussian": (2, 1, "classification", 200),
    "spiral": (2, 1, "classification", 200),
    "moons": (2, 1, "classification", 200),
    "sine": (1, 1, "regression", 200),
    "digits": (64, 10, "classification", 1797),
    "digits-25x25": (625, 10, "classification", 1797),
    "digits-3-vs-7": (64, 1, "classification", 183 + 179),
}


def _csv_rows() -> list[tuple[tuple[int, ...], int]]:
    """The shipped digits file read with csv: (64 pixels 0..16, label) per row."""
    spec = importlib.util.find_spec("sklearn")
    assert spec is not None and spec.submodule_search_locations
    path = Path(next(iter(spec.submodule_search_locations)), "datasets", "data", "digits.csv.gz")
    with gzip.open(path, "rt", newline="") as stream:
        rows = [[int(float(v)) for v in line] for line in csv.reader(stream)]
    return [(tuple(r[:64]), r[64]) for r in rows]


def _all_rows(d: Dataset) -> tuple[np.ndarray, np.ndarray]:
    return np.vstack([d.x_train, d.x_test]), np.vstack([d.y_train, d.y_test])


def _pixel_counter(x: np.ndarray, labels: np.ndarray) -> Counter[tuple[tuple[int, ...], int]]:
    pixels = np.rint(x * 16).astype(int)
    assert np.allclose(pixels, x * 16)
    return Counter((tuple(p), int(k)) for p, k in zip(pixels.tolist(), labels, strict=True))


def test_xor_is_exactly_the_four_points() -> None:
    d = load_dataset("xor")
    assert d.x_train.tolist() == [[0, 0], [0, 1], [1, 0], [1, 1]]
    assert d.y_train.tolist() == [[0], [1], [1], [0]]
    assert d.x_test.shape == (0, 2) and d.y_test.shape == (0, 1)
    assert d.class_names == ("0", "1")   # unnamed classes are their numbers


@pytest.mark.parametrize("kwargs", [{"noise": 0.1}, {"noise": 0.0}, {"n_samples": 8}])
def test_xor_rejects_size_and_noise(kwargs: dict[str, float]) -> None:
    with pytest.raises(ConfigError, match="xor"):
        load_dataset("xor", **kwargs)  # type: ignore[arg-type]


def test_xor_split_keeps_one_of_each_class_to_train() -> None:
    d = load_dataset("xor", test_fraction=0.5)
    assert len(d.x_train) == 2 and len(d.x_test) == 2
    assert sorted(d.y_train[:, 0].tolist()) == [0, 1]


@pytest.mark.parametrize("name", DATASET_NAMES)
def test_shapes_dtypes_and_targets(name: str) -> None:
    n_in, n_out, task, total = EXPECTED[name]
    d = load_dataset(name)
    assert (d.name, d.n_in, d.n_out, d.task) == (name, n_in, n_out, task)
    assert len(d.x_train) + len(d.x_test) == total and len(d.x_train) > 0
    assert math.prod(d.input_shape) == n_in
    for a, width in ((d.x_train, n_in), (d.y_train, n_out), (d.x_test, n_in), (d.y_test, n_out)):
        assert a.dtype == np.float64 and a.flags.c_contiguous and np.isfinite(a).all()
        assert a.ndim == 2 and a.shape[1] == width
    _, y = _all_rows(d)
    if task == "classification":
        assert set(np.unique(y)) <= {0.0, 1.0}
        assert len(d.class_names) == max(n_out, 2)
        if n_out > 1:
            assert (y.sum(axis=1) == 1).all()
    else:
        assert d.class_names == ()


def test_default_input_shapes() -> None:
    shapes = {name: load_dataset(name).input_shape for name in DATASET_NAMES}
    assert shapes["sine"] == (1,) and shapes["circle"] == (2,)
    assert shapes["digits"] == (8, 8) and shapes["digits-3-vs-7"] == (8, 8)
    assert shapes["digits-25x25"] == (25, 25)


@pytest.mark.parametrize("name", SEEDED)
def test_same_seed_same_data_other_seed_other_data(name: str) -> None:
    a, b, c = load_dataset(name, seed=3), load_dataset(name, seed=3), load_dataset(name, seed=4)
    for field in ("x_train", "y_train", "x_test", "y_test"):
        assert np.array_equal(getattr(a, field), getattr(b, field))
    assert not np.array_equal(a.x_train, c.x_train)


@pytest.mark.parametrize("name", TOYS)
def test_noise_only_jitters_the_same_base_points(name: str) -> None:
    clean = load_dataset(name, seed=5, noise=0.0, test_fraction=0.0)
    noisy = load_dataset(name, seed=5, noise=0.2, test_fraction=0.0)
    assert np.array_equal(clean.y_train, noisy.y_train)
    assert np.std(noisy.x_train - clean.x_train) == pytest.approx(0.2, rel=0.15)


def test_circle_inner_disc_lies_inside_the_ring() -> None:
    d = load_dataset("circle", noise=0.0, n_samples=1000, test_fraction=0.0)
    radius = np.hypot(d.x_train[:, 0], d.x_train[:, 1])
    inner, outer = radius[d.y_train[:, 0] == 1], radius[d.y_train[:, 0] == 0]
    assert len(inner) == len(outer) == 500
    assert inner.max() <= 0.5 < 0.7 <= outer.min() and outer.max() <= 1.0


def test_gaussian_blobs_fall_on_either_side_of_the_diagonal() -> None:
    d = load_dataset("gaussian", noise=0.0, n_samples=1000, test_fraction=0.0)
    side = d.x_train.sum(axis=1) > 0
    assert np.array_equal(side, d.y_train[:, 0] == 1)


def test_moons_lie_on_their_half_circles() -> None:
    d = load_dataset("moons", noise=0.0, n_samples=400, test_fraction=0.0)
    x, upper = d.x_train, d.y_train[:, 0] == 0
    # make_moons circles (centre (0,0) and (1,0.5), radius 1) after (p - (0.5, 0.25)) / 1.5
    for mask, centre, sign in ((upper, (-1 / 3, -1 / 6), 1), (~upper, (1 / 3, 1 / 6), -1)):
        offset = x[mask] - centre
        assert np.allclose(np.hypot(offset[:, 0], offset[:, 1]), 2 / 3)
        assert (sign * offset[:, 1] >= -1e-12).all()
    assert np.abs(x[:, 0]).max() <= 1 + 1e-12 and np.abs(x[:, 1]).max() <= 0.5 + 1e-12


def test_spiral_points_lie_on_two_arms_half_a_turn_apart() -> None:
    d = load_dataset("spiral", noise=0.0, n_samples=400, test_fraction=0.0)
    x, label = d.x_train, d.y_train[:, 0]
    radius = np.hypot(x[:, 0], x[:, 1])
    expected = 2 * np.pi * 1.75 * radius + np.pi * label
    residual = np.angle(np.exp(1j * (np.arctan2(x[:, 1], x[:, 0]) - expected)))
    assert radius.max() <= 1.0 and np.abs(residual).max() < 1e-9


@pytest.mark.parametrize("name", TOYS)
def test_clean_toys_are_separable_by_nearest_neighbour(name: str) -> None:
    d = load_dataset(name, noise=0.0, n_samples=600, test_fraction=0.0)
    x, label = d.x_train, d.y_train[:, 0]
    dist = ((x[:, None, :] - x[None, :, :]) ** 2).sum(axis=2)
    np.fill_diagonal(dist, np.inf)
    assert (label[dist.argmin(axis=1)] == label).mean() >= 0.97


def test_sine_is_sin_pi_x_plus_noise() -> None:
    clean = load_dataset("sine", noise=0.0, n_samples=500, test_fraction=0.0)
    x, y = clean.x_train[:, 0], clean.y_train[:, 0]
    assert np.abs(x).max() <= 1 and x.min() < -0.9 and x.max() > 0.9
    assert np.allclose(y, np.sin(np.pi * x))
    noisy = load_dataset("sine", noise=0.1, n_samples=2000, test_fraction=0.0)
    residual = noisy.y_train[:, 0] - np.sin(np.pi * noisy.x_train[:, 0])
    assert np.std(residual) == pytest.approx(0.1, rel=0.1)


def test_digits_match_an_independent_read_of_the_csv() -> None:
    rows = _csv_rows()
    assert len(rows) == 1797
    x, y = _all_rows(load_dataset("digits", seed=2))
    assert x.min() == 0 and x.max() == 1
    assert _pixel_counter(x, y.argmax(axis=1)) == Counter(rows)


def test_three_vs_seven_is_the_threes_and_sevens_of_the_csv() -> None:
    wanted = Counter((p, int(k == 7)) for p, k in _csv_rows() if k in (3, 7))
    d = load_dataset("digits-3-vs-7")
    assert d.class_names == ("3", "7")
    x, y = _all_rows(d)
    assert _pixel_counter(x, y[:, 0].astype(int)) == wanted


def test_digits_equal_sklearn_load_digits() -> None:
    sk_datasets = pytest.importorskip("sklearn.datasets")
    bunch = sk_datasets.load_digits()
    x, y = _all_rows(load_dataset("digits", test_fraction=0.0))
    ours = sorted(zip((x * 16).tolist(), y.argmax(axis=1).tolist(), strict=True))
    theirs = sorted(zip(bunch.data.tolist(), bunch.target.tolist(), strict=True))
    assert ours == theirs


def test_25x25_resample_keeps_corners_centre_and_mean() -> None:
    small = load_dataset("digits", seed=1, test_fraction=0.0).x_train.reshape(-1, 8, 8)
    big = load_dataset("digits-25x25", seed=1, test_fraction=0.0).x_train.reshape(-1, 25, 25)
    assert big.min() >= 0 and big.max() <= 1
    for i, j in ((0, 0), (0, -1), (-1, 0), (-1, -1)):
        assert np.allclose(big[:, i, j], small[:, i, j])
    # align-corners: output 12 sits at source 12 * 7 / 24 = 3.5, between pixels 3 and 4.
    assert np.allclose(big[:, 12, 12], small[:, 3:5, 3:5].mean(axis=(1, 2)))
    assert big.mean() == pytest.approx(small.mean(), abs=0.05)
    assert np.abs(big.mean(axis=(1, 2)) - small.mean(axis=(1, 2))).max() < 0.1


@pytest.mark.parametrize("name", DIGITS)
def test_digit_split_is_stratified(name: str) -> None:
    d = load_dataset(name, seed=7)

    def labels(y: np.ndarray) -> np.ndarray:
        return y.argmax(axis=1) if y.shape[1] > 1 else y[:, 0].astype(int)
    train, test = np.bincount(labels(d.y_train)), np.bincount(labels(d.y_test))
    nonzero = train + test > 0
    share = test[nonzero] / (train + test)[nonzero]
    assert np.allclose(share, 0.2, atol=0.01)


def test_toy_split_is_stratified_and_exact() -> None:
    d = load_dataset("moons", n_samples=100, test_fraction=0.3)
    assert np.bincount(d.y_test[:, 0].astype(int)).tolist() == [15, 15]
    assert np.bincount(d.y_train[:, 0].astype(int)).tolist() == [35, 35]


def test_digits_n_samples_takes_a_stratified_subset() -> None:
    d = load_dataset("digits", n_samples=100, test_fraction=0.0)
    assert len(d.x_train) == 100
    counts = np.bincount(d.y_train.argmax(axis=1), minlength=10)
    assert counts.min() >= 9 and counts.max() <= 11


def test_loaded_arrays_are_fresh_copies() -> None:
    first = load_dataset("digits")
    first.x_train[:] = 5.0
    assert load_dataset("digits").x_train.max() == 1.0


def test_missing_scikit_learn_names_the_install(monkeypatch: pytest.MonkeyPatch) -> None:
    _digits.digits_raw.cache_clear()
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, package=None: None)
    try:
        with pytest.raises(ConfigError, match="install scikit-learn"):
            load_dataset("digits")
    finally:
        _digits.digits_raw.cache_clear()


@pytest.mark.parametrize(
    ("name", "kwargs", "needle"),
    [
        ("nope", {}, "known datasets: xor, circle"),
        ("circle", {"noise": -0.1}, "noise must be"),
        ("circle", {"noise": float("nan")}, "noise must be"),
        ("circle", {"noise": float("inf")}, "noise must be"),
        ("circle", {"noise": "0.1"}, "noise must be"),
        ("digits", {"noise": 0.1}, "no noise setting"),
        ("circle", {"n_samples": 9}, "from 10 to 10000"),
        ("circle", {"n_samples": 10_001}, "from 10 to 10000"),
        ("circle", {"n_samples": 50.5}, "whole number"),
        ("circle", {"n_samples": True}, "whole number"),
        ("digits", {"n_samples": 1798}, "from 20 to 1797"),
        ("digits-3-vs-7", {"n_samples": 3}, "from 4 to 362"),
        ("circle", {"test_fraction": -0.1}, "test_fraction must be"),
        ("circle", {"test_fraction": 0.95}, "test_fraction must be"),
        ("circle", {"test_fraction": float("nan")}, "test_fraction must be"),
        ("circle", {"seed": -1}, "seed must be"),
        ("circle", {"seed": 1.5}, "seed must be"),
    ],
)
def test_load_dataset_rejects_bad_arguments(
    name: str, kwargs: dict[str, object], needle: str
) -> None:
    with pytest.raises(ConfigError, match=re.escape(needle)):
        load_dataset(name, **kwargs)  # type: ignore[arg-type]


def test_load_dataset_accepts_the_bounds() -> None:
    assert len(load_dataset("circle", n_samples=10, test_fraction=0.9).x_train) >= 2
    assert len(load_dataset("digits", n_samples=20, noise=None).x_train) > 0
    load_dataset("sine", noise=1.0, seed=2**40)


def test_describe_datasets_covers_every_name() -> None:
    entries = describe_datasets()
    assert [e["name"] for e in entries] == list(DATASET_NAMES)
    assert set(DATASET_NAMES) == set(EXPECTED)
    for entry in entries:
        assert set(entry) == {"name", "title", "description", "n_in", "n_out", "task"}
        n_in, n_out, task, _ = EXPECTED[str(entry["name"])]
        assert (entry["n_in"], entry["n_out"], entry["task"]) == (n_in, n_out, task)
        text = str(entry["description"])
        assert len(text) > 100 and "Target" in text
        assert text == load_dataset(str(entry["name"])).description


def test_importing_datasets_does_not_import_sklearn() -> None:
    code = (
        "import sys\n"
        "from dialboard.engine.datasets import load_dataset\n"
        "load_dataset('digits-25x25')\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('sklearn', 'scipy')))\n"
    )
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=root
    )
    assert out.stdout.strip() == "[]"


# --- inline data -----------------------------------------------------------------------------


def test_inline_binary_column_is_classification() -> None:
    d = inline_dataset([[0, 0], [0, 1], [1, 0], [1, 1]], [[0], [1], [1], [0]])
    assert (d.name, d.task, d.class_names, d.input_shape) == ("inline", "classification",
                                                              ("0", "1"), (2,))
    assert d.x_train.tolist() == [[0, 0], [0, 1], [1, 0], [1, 1]] and d.x_test.shape == (0, 2)
    assert d.x_train.dtype == np.float64 and d.x_train.flags.c_contiguous


def test_inline_one_hot_is_classification_and_other_targets_regression() -> None:
    one_hot = inline_dataset([[1], [2], [3]], ((1, 0, 0), (0, 0, 1), (0, 1, 0)))
    assert one_hot.task == "classification" and one_hot.class_names == ("0", "1", "2")
    multi = inline_dataset([[1], [2]], [[1, 1], [0, 1]])
    assert multi.task == "regression" and multi.class_names == ()
    assert inline_dataset([[1.5], [2]], [[0.5], [3]]).task == "regression"
    assert inline_dataset(np.array([[1.0, 2.0]]), np.array([[2.0]])).n_in == 2


def test_inline_split_is_seeded_and_stratified() -> None:
    x = [[float(i)] for i in range(40)]
    y = [[float(i % 4 == 0)] for i in range(40)]
    a = inline_dataset(x, y, test_fraction=0.2, seed=1)
    assert np.array_equal(a.x_test, inline_dataset(x, y, test_fraction=0.2, seed=1).x_test)
    assert not np.array_equal(a.x_test, inline_dataset(x, y, test_fraction=0.2, seed=2).x_test)
    # 10 positives and 30 negatives: 2 and 6 held out.
    assert len(a.x_test) == 8 and a.y_test.sum() == 2
    assert sorted(np.vstack([a.x_train, a.x_test])[:, 0].tolist()) == list(range(40))
    assert len(inline_dataset([[1]], [[1]], test_fraction=0.9).x_train) == 1


NAN, INF = float("nan"), float("inf")


@pytest.mark.parametrize(
    ("inputs", "targets", "needle"),
    [
        ("abc", [[1]], "inputs must be a list of rows"),
        (None, [[1]], "inputs must be a list of rows"),
        ([1, 2], [[1], [2]], "inputs[0] must be a list of numbers, got int"),
        ([[1, 2, 3]] * 3 + [[1, 2]], [[0]] * 4, "row 3 of inputs has 2 values, row 0 has 3"),
        ([[1, "a"]], [[1]], "inputs[0][1] is not a number (got str"),
        ([[1, None]], [[1]], "inputs[0][1] is not a number (got NoneType"),
        ([[1, True]], [[1]], "inputs[0][1] is a boolean"),
        ([[0, 0]] * 2 + [[0, NAN]], [[0]] * 3, "inputs[2][1] is not finite"),
        ([[INF]], [[1]], "inputs[0][0] is not finite"),
        ([[10**400, 1]], [[1]], "inputs[0][0] is not finite"),
        ([], [], "inputs has no rows"),
        ([[]], [[1]], "inputs rows are empty"),
        ([[1], [2]], [[1], [2], [3]], "inputs has 2 rows but targets has 3"),
        ([[1]], "x", "targets must be a list of rows"),
        ([[1], [2]], [[1], [False]], "targets[1][0] is a boolean"),
        ([[1], [2]], [[1], [NAN]], "targets[1][0] is not finite"),
        ([[0]] * (MAX_INLINE_ROWS + 1), [[0]], "at most 10\u202f000 are allowed"),
        ([[0] * (MAX_INLINE_WIDTH + 1)], [[0]], f"at most {MAX_INLINE_WIDTH} allowed"),
        ([[0.0] * 101] * 10_000, [[0]], "at most 1\u202f000\u202f000 allowed"),
    ],
)
def test_inline_validation_messages(inputs: object, targets: object, needle: str) -> None:
    with pytest.raises(ConfigError) as caught:
        inline_dataset(inputs, targets)
    assert needle in str(caught.value)


def test_inline_rejects_bad_test_fraction_and_seed() -> None:
    with pytest.raises(ConfigError, match="test_fraction must be"):
        inline_dataset([[1]], [[1]], test_fraction=1.0)
    with pytest.raises(ConfigError, match="seed must be"):
        inline_dataset([[1]], [[1]], seed=-3)


def test_dataset_checks_its_arrays() -> None:
    good = np.zeros((2, 1))
    with pytest.raises(ConfigError, match="float64"):
        Dataset("d", good.astype(int), good, good, good, "regression", (1,), (), "")
    with pytest.raises(ConfigError, match="finite"):
        Dataset("d", good + NAN, good, good, good, "regression", (1,), (), "")
    with pytest.raises(ConfigError, match="task"):
        Dataset("d", good, good, good, good, "ranking", (1,), (), "")
