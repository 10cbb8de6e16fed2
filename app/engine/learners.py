"""Learners: how a step proposes to change the dials. The trainer applies what they propose.

- ``gradient_descent`` (gradient_descent.py): forward layer by layer, the cost, δ layer by
  layer backwards, then proposes Δθ = −η(∂C/∂θ + λW) (+ μv under momentum) from a mini-batch
  or the full batch.
- ``trial_and_error`` and ``evolution`` (trying.py): propose a change to one dial or to every
  dial, and keep it only if the cost over the training set fell.

The trying learners judge a change by the training-set cost, so each try costs one forward
pass over the whole training set; gradient descent costs one forward and one backward pass
over its batch. Each phase reports that work in its `Outcome`.
"""

from collections.abc import Iterator, Mapping
from typing import Protocol

import numpy as np

from dialboard.engine.config import LEARNER_NAMES
from dialboard.engine.errors import ConfigError
from dialboard.engine.gradient_descent import NOTHING, GradientDescent, GradientState
from dialboard.engine.network import Architecture
from dialboard.engine.steps import Context, Outcome, Trace
from dialboard.engine.trying import Evolution, TrialAndError, TryState

Array = np.ndarray


class Learner(Protocol):
    name: str
    phases: tuple[str, ...]
    trace: Trace

    def run(self, pos: int, ctx: Context) -> Outcome: ...
    def whole_step(self, ctx: Context) -> Iterator[Outcome]: ...
    def accepted(self, applied: Mapping[str, Array], ctx: Context) -> None: ...
    def abandon(self) -> None: ...
    def state(self, mid_step: bool) -> object: ...
    def load(self, state: object) -> None: ...


LEARNERS: dict[str, type[GradientDescent] | type[TrialAndError] | type[Evolution]] = {
    "gradient_descent": GradientDescent, "trial_and_error": TrialAndError, "evolution": Evolution,
}
assert tuple(LEARNERS) == LEARNER_NAMES, "config.LEARNER_NAMES lists the learners in this order"


def make_learner(name: str, arch: Architecture, params: dict[str, Array]) -> Learner:
    if name == "trial_and_error":
        return TrialAndError(arch, params)
    if name in LEARNERS:
        return LEARNERS[name](arch)  # type: ignore[call-arg]
    raise ConfigError("refusal.learner.unknown", name=repr(name), known=", ".join(LEARNER_NAMES))


__all__ = ["LEARNERS", "NOTHING", "Evolution", "GradientDescent", "GradientState", "Learner",
           "TrialAndError", "TryState", "make_learner"]
