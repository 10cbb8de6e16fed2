"""Small datasets and trainers for engine tests, built without the dataset loaders."""

import numpy as np

from dialboard.engine.config import TrainConfig
from dialboard.engine.datasets import Dataset
from dialboard.engine.network import Architecture
from dialboard.engine.trainer import Trainer


def blob_dataset(n_in: int = 3, n_out: int = 2, n: int = 24, seed: int = 0,
                 n_test: int = 0) -> Dataset:
    rng = np.random.default_rng(seed)
    x = rng.normal(0, 1, size=(n + n_test, n_in))
    labels = (x[:, 0] + 0.5 * x[:, 1] > 0).astype(int) % n_out
    y = np.eye(n_out)[labels] if n_out > 1 else labels[:, None].astype(float)
    return Dataset(
        name="blobs", x_train=x[:n].copy(), y_train=y[:n].copy(), x_test=x[n:].copy(),
        y_test=y[n:].copy(), task="classification", input_shape=(n_in,),
        class_names=tuple(str(i) for i in range(max(n_out, 2))), description="test blobs",
    )


def make_trainer(sizes: tuple[int, ...] = (3, 4, 2), *, activation: str = "sigmoid",
                 output: str = "softmax", loss: str = "cross_entropy", seed: int = 0,
                 n: int = 24, n_test: int = 0, **config: object) -> Trainer:
    data = blob_dataset(sizes[0], sizes[-1], n=n, seed=seed, n_test=n_test)
    arch = Architecture(sizes, activation, output, loss)
    return Trainer(arch, data, TrainConfig(**config), seed=seed)  # type: ignore[arg-type]
