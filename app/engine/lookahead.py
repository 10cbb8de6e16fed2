"""The next update, known before it is made: the board's arrows are exactly the next step."""

from dataclasses import dataclass

import numpy as np

from dialboard.engine.errors import ConfigError, DivergedError
from dialboard.engine.trainer import Trainer

Array = np.ndarray


@dataclass(frozen=True)
class NextUpdate:
    """What the next whole step (or the rest of the step in progress) adds to each parameter:
    new − old, exactly. `delta` is None when the step would be refused (`refused` says why)."""

    learner: str
    delta: dict[str, Array] | None
    refused: str | None = None
    tried: dict[str, Array] | None = None  # trying learners: the change tried (kept or not)
    batch: Array | None = None  # gradient descent: the examples it averages over (None: all)
    n_examples: int | None = None  # gradient descent: how many
    grads: dict[str, Array] | None = None  # gradient descent: the gradient it follows


def next_update(t: Trainer) -> NextUpdate:
    """Take the step through the very same code, read what it did, and put everything back:
    RNG, batch order, momentum, screens and counters are as they were."""
    learner, before = t.config.learner, dict(t.net.params)
    with t.trying():
        try:
            t.step()
        except (DivergedError, ConfigError) as exc:
            return NextUpdate(learner, None, refused=exc.words)
        return step_taken(t, before)


def step_taken(t: Trainer, before: dict[str, Array]) -> NextUpdate:
    """What the whole step just taken did, read from its trace: the parameters were `before`
    (the dict of `t.net.params` before it; arrays are never written in place, so holding it
    is free). The same figures `next_update` gives at `before`: a playing board's arrows come
    from the step itself instead of a step tried and put back."""
    learner = t.config.learner
    delta = {n: t.net.params[n] - p for n, p in before.items()}
    tr = t.trace
    if learner != "gradient_descent":
        return NextUpdate(learner, delta, tried=tr.tried)
    n = t.data.x_train.shape[0] if tr.batch is None else int(tr.batch.size)
    return NextUpdate(learner, delta, batch=tr.batch, n_examples=n, grads=dict(tr.grads))
