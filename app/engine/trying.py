"""The trying learners: propose a change, judge it by the cost over the training set, keep it
only if that cost fell.

- ``trial_and_error``: the explanation's first idea. Propose turning one dial up by
  ``step_size``; if the cost does not fall, take it back and try it down next; keep only what
  helps. Dials are visited largest magnitude first, then round robin; one step is one try.
- ``evolution``: propose turning every dial by N(0, step_size²) at once; keep the change only
  if the cost fell.

Each try costs one forward pass over the whole training set, which the phases report in their
`Outcome`.
"""

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace

import numpy as np

from dialboard.engine.errors import ConfigError
from dialboard.engine.network import Architecture
from dialboard.engine.steps import Context, Outcome, Proposal, Trace, phase_by_phase

Array = np.ndarray


@dataclass(frozen=True)
class TryState:
    base_cost: float | None
    trial_cost: float | None
    tried: dict[str, Array] | None
    cursor: int = 0
    direction: float = 1.0
    order: Array = field(default_factory=lambda: np.arange(0))


class _TryAndKeep:
    """Shared shape of the trying learners: nudge, look at the cost, keep or take back."""

    phases: tuple[str, ...] = ("nudge", "cost", "keep")
    name = ""

    def __init__(self, arch: Architecture) -> None:
        self.arch = arch
        self.trace = Trace()

    def abandon(self) -> None:
        self.trace = Trace()

    def state(self, mid_step: bool) -> TryState:
        tr = self.trace if mid_step else Trace()
        return TryState(tr.base_cost, tr.trial_cost, tr.tried)

    def load(self, state: object) -> None:
        assert isinstance(state, TryState)
        self.trace = Trace(tried=state.tried, base_cost=state.base_cost,
                           trial_cost=state.trial_cost)

    def accepted(self, applied: Mapping[str, Array], ctx: Context) -> None:
        self.trace.tried = dict(applied)

    def whole_step(self, ctx: Context) -> Iterator[Outcome]:
        return phase_by_phase(self.run, len(self.phases), ctx)

    def run(self, pos: int, ctx: Context) -> Outcome:
        scr, tr = ctx.screen, self.trace
        if pos == 0:
            fresh = scr.save() is None
            tr.base_cost, tr.trial_cost, tr.tried = scr.cost(), None, None
            return self.nudge(ctx)._replace(forward_examples=scr.n if fresh else 0)
        if pos == 1:
            tr.trial_cost = scr.cost()
            return Outcome(forward_examples=scr.n)
        kept = tr.trial_cost is not None and tr.base_cost is not None and \
            tr.trial_cost < tr.base_cost
        self.decided(kept)
        return Outcome(keep=kept)

    def nudge(self, ctx: Context) -> Outcome:
        raise NotImplementedError

    def decided(self, kept: bool) -> None: ...


class TrialAndError(_TryAndKeep):
    name = "trial_and_error"

    def __init__(self, arch: Architecture, params: dict[str, Array]) -> None:
        super().__init__(arch)
        names = arch.parameter_names
        sizes = [int(np.prod(arch.shape(n))) for n in names]
        self._dial_param = np.repeat(np.arange(len(names)), sizes)
        self._dial_flat = np.concatenate([np.arange(s) for s in sizes])
        mags = np.concatenate([np.abs(params[n]).ravel() for n in names])
        # Largest magnitude first; stable, so ties keep name/index order.
        self.order = np.argsort(-mags, kind="stable")
        self.cursor, self.direction = 0, 1.0

    def state(self, mid_step: bool) -> TryState:
        return replace(super().state(mid_step), cursor=self.cursor, direction=self.direction,
                       order=self.order)

    def load(self, state: object) -> None:
        super().load(state)
        assert isinstance(state, TryState)
        self.cursor, self.direction, self.order = state.cursor, state.direction, state.order

    def pick(self, locks: dict[str, Array] | None = None) -> tuple[str, tuple[int, ...], int]:
        """The next unlocked dial in the visiting order, and its place in that order."""
        names = self.arch.parameter_names
        for skip in range(self.order.size):
            k = int(self.order[(self.cursor + skip) % self.order.size])
            name = names[int(self._dial_param[k])]
            idx = np.unravel_index(int(self._dial_flat[k]), self.arch.shape(name))
            if locks is None or not locks[name][idx]:
                return name, tuple(int(i) for i in idx), skip
        raise ConfigError("refusal.all_locked")

    def nudge(self, ctx: Context) -> Outcome:
        name, idx, skip = self.pick(dict(ctx.locks))
        if skip:  # locked dials are passed over, and a new dial is tried upwards first
            self.cursor, self.direction = self.cursor + skip, 1.0
        d = np.zeros(self.arch.shape(name))
        d[idx] = self.direction * ctx.config.step_size
        return Outcome(proposal=Proposal({name: d}, tentative=True, dial=(name, idx)))

    def decided(self, kept: bool) -> None:
        if kept or self.direction < 0:
            self.cursor, self.direction = self.cursor + 1, 1.0
        else:
            self.direction = -1.0


class Evolution(_TryAndKeep):
    name = "evolution"

    def nudge(self, ctx: Context) -> Outcome:
        sigma = ctx.config.step_size
        delta = {name: ctx.rng.normal(0.0, sigma, size=p.shape)
                 for name, p in ctx.net.params.items()}
        return Outcome(proposal=Proposal(delta, tentative=True))
