"""Training settings that can change while a network trains, validated in one place."""

import math
from dataclasses import dataclass, fields, replace
from typing import TypeGuard

from dialboard.engine.errors import ConfigError

LEARNER_NAMES: tuple[str, ...] = ("gradient_descent", "trial_and_error", "evolution")
# The settings each learner reads; the rest of TrainConfig means nothing to it.
LEARNER_SETTINGS: dict[str, tuple[str, ...]] = {
    "gradient_descent": ("learning_rate", "batch_size", "momentum", "weight_decay"),
    "trial_and_error": ("step_size",),
    "evolution": ("step_size",),
}


def _finite(value: object) -> TypeGuard[int | float]:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    try:
        return math.isfinite(value)
    except OverflowError:  # an int beyond float range
        return False


def _positive(name: str, value: object) -> float:
    if not _finite(value):
        raise ConfigError("refusal.setting.finite", name=name, value=f"{value!r:.40}")
    if value <= 0:
        raise ConfigError("refusal.setting.positive", name=name, value=repr(value))
    return float(value)


def _in_range(name: str, value: object, low: float, high: float) -> float:
    if not _finite(value):
        raise ConfigError("refusal.setting.finite", name=name, value=f"{value!r:.40}")
    if not low <= value < high:
        raise ConfigError("refusal.setting.range", name=name, low=low, high=high,
                          value=repr(value))
    return float(value)


@dataclass(frozen=True)
class TrainConfig:
    """learning_rate: η in θ ← θ − η ∂C/∂θ.
    batch_size: examples per step; None means the whole training set (full batch).
    momentum: μ in v ← μv − η(∂C/∂θ + λW), θ ← θ + v (0 = plain gradient descent).
    weight_decay: λ, L2 on weights only (as if λ/2‖W‖² were added to the cost; the screen's
    cost stays the data cost).
    step_size: how far trial_and_error turns one dial, and the standard deviation of
    evolution's random turn of every dial.
    """

    learning_rate: float = 0.5
    batch_size: int | None = None
    momentum: float = 0.0
    weight_decay: float = 0.0
    learner: str = "gradient_descent"
    step_size: float = 0.05

    def __post_init__(self) -> None:
        _positive("learning_rate", self.learning_rate)
        _positive("step_size", self.step_size)
        _in_range("momentum", self.momentum, 0.0, 1.0)
        _in_range("weight_decay", self.weight_decay, 0.0, math.inf)
        b = self.batch_size
        if b is not None and (isinstance(b, bool) or not isinstance(b, int) or b < 1):
            raise ConfigError("refusal.setting.batch_size", value=repr(b))
        if self.learner not in LEARNER_NAMES:
            raise ConfigError("refusal.learner.unknown", name=repr(self.learner),
                              known=", ".join(LEARNER_NAMES))

    def updated(self, **changes: object) -> "TrainConfig":
        known = {f.name for f in fields(self)}
        for key in changes:
            if key not in known:
                raise ConfigError("refusal.setting.unknown", name=repr(key),
                                  known=", ".join(sorted(known)))
        return replace(self, **changes)  # type: ignore[arg-type]
