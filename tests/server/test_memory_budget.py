"""Boards are measured before they are built: past a session's or the server's memory budget
they are refused in words, and nothing is built."""

import tracemalloc

import numpy as np
import pytest

from dialboard.engine import Architecture, TrainConfig, Trainer, inline_dataset
from dialboard.server.registry import Registry
from dialboard.server.session_config import InvalidConfig, memory_bytes
from dialboard.server.settings import Settings


def test_a_board_past_the_session_budget_is_refused_before_it_is_built() -> None:
    reg = Registry(Settings(session_memory_mb=512))
    rows = [[0.0] * 100 for _ in range(2000)]
    tracemalloc.start()
    with pytest.raises(InvalidConfig, match=r"MiB of memory.*one session may use 512 MiB"):
        reg.create({"dataset": {"inputs": rows, "targets": [[0.0]] * 2000},
                    "layers": [100, 2400, 1], "batch_size": None})
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 64 * 2**20  # refused before the screens were computed
    assert reg.sessions == {}


def test_the_server_budget_counts_every_board() -> None:
    one = Registry(Settings()).create({"preset": "digits-625"}).trainer
    need = memory_bytes(one.arch, one.data.x_train.shape[0], one.data.x_test.shape[0],
                        one.config.batch_size)
    reg = Registry(Settings(server_memory_mb=int(2.5 * need / 2**20)))   # room for two
    reg.create({"preset": "digits-625"})
    reg.create({"preset": "digits-625"})
    with pytest.raises(InvalidConfig, match="the server's boards already need"):
        reg.create({"preset": "digits-625"})
    assert len(reg.sessions) == 2
    reg.create({"preset": "xor"})  # a small board still fits


def test_the_estimate_bounds_what_a_board_really_holds() -> None:
    """Measured: a full-batch board's peak while stepping, asking for the next update and
    computing the screen's gradient stays under the estimate (undo history aside)."""
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(3000, 50)), rng.integers(0, 2, (3000, 1)).astype(float)
    arch = Architecture((50, 400, 1))
    tracemalloc.start()
    data = inline_dataset(x.tolist(), y.tolist(), test_fraction=0.2, seed=0)
    t = Trainer(arch, data, TrainConfig(batch_size=None))
    from dialboard.engine import next_update

    t.step(2)
    next_update(t)
    t.gradient()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    estimate = memory_bytes(arch, 2400, 600, None)
    assert peak < estimate
