"""A dataset from a teacher's own rows (inline JSON, or a CSV the server read): validated,
split, scaled, its classes named."""

import numpy as np

from dialboard.engine._dataset import BINARY, Dataset, check_fraction, seeded_rng, stratified_split
from dialboard.engine._inline import SCALINGS, check_names, data_origin, inline_array, scale_inputs
from dialboard.engine._toys import FloatArray, IntArray
from dialboard.engine.errors import ConfigError


def _infer_task(y: FloatArray) -> tuple[str, tuple[str, ...], IntArray]:
    """Classification when every target is 0/1 in one column or one-hot rows; else regression."""
    if np.isin(y, (0.0, 1.0)).all():
        if y.shape[1] == 1:
            return "classification", BINARY, y[:, 0].astype(np.int64)
        if (y.sum(axis=1) == 1.0).all():
            names = tuple(str(k) for k in range(y.shape[1]))
            return "classification", names, y.argmax(axis=1).astype(np.int64)
    return "regression", (), np.zeros(len(y), dtype=np.int64)


def inline_dataset(
    inputs: object, targets: object, *, test_fraction: float = 0.0, seed: int = 0,
    class_names: object = None, scaling: str = "none", columns: object = None,
) -> Dataset:
    """A dataset from JSON-like rows, e.g. {"inputs": [[0, 1], ...], "targets": [[1], ...]}.

    All rows train unless test_fraction > 0, which holds out a seeded split, stratified by class
    for classification. `scaling` (see SCALINGS) is fitted on the training rows; targets are
    never scaled. `class_names` names the classes of 0/1 or one-hot targets; `columns`
    ({"inputs": [names], "target": name}) says where the data came from, for the description.
    """
    x = inline_array(inputs, "inputs")
    y = inline_array(targets, "targets")
    if len(x) != len(y):
        raise ConfigError("refusal.inline.row_counts", inputs=len(x), targets=len(y))
    fraction = check_fraction(test_fraction)
    task, names, strata = _infer_task(y)
    if class_names is not None:
        if task != "classification":
            raise ConfigError("refusal.inline.class_names")
        names = check_names(class_names, "class_names", len(names))
    x_train, y_train, x_test, y_test = stratified_split(x, y, strata, fraction, seeded_rng(seed))
    x_train, x_test = scale_inputs(x_train, x_test, scaling)
    kind = f"{len(names)} classes: {', '.join(names)}" if names else "regression"
    origin = data_origin(columns, x.shape[1])
    description = (
        f"{origin}: {len(x)} rows of {x.shape[1]} input values and {y.shape[1]} target values "
        f"({kind}); inputs {SCALINGS[scaling]}, targets as given; {len(x_test)} rows held out "
        "for testing."
    )
    shape = (x.shape[1],)
    return Dataset("inline", x_train, y_train, x_test, y_test, task, shape, names, description)
