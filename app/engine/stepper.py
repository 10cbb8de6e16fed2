"""A trainer in time: a learner's phases run one at a time or a whole step at once, and what
it proposes applied to the parameters.

A step of gradient descent is `forward:0 … forward:L-1, cost, backward:L-1 … backward:0,
update`; the other learners' steps are `nudge, cost, keep`. `run_phase` and `step` call the
same code in the same order, so phase by phase and whole steps are bit-identical (a whole
mini-batch step of gradient descent comes in two parts, `GradientDescent.whole_step`, each the
very calls of its phases). Learners propose; only `_apply` changes parameters, masks locked
dials and enforces the limit. `set_params` and `_set_element` rebind tensors, never write into
them (trainer.py says why).
"""

import math
from collections.abc import Mapping

import numpy as np

from dialboard.engine.config import TrainConfig
from dialboard.engine.datasets import Dataset
from dialboard.engine.errors import DivergedError, Words, words
from dialboard.engine.learners import NOTHING, Learner
from dialboard.engine.network import (
    PARAMETER_LIMIT,
    Architecture,
    Network,
    parse_name,
    within_limit,
)
from dialboard.engine.screen import Screen
from dialboard.engine.steps import Context, Outcome, Proposal, Tentative, Trace, Work

Array = np.ndarray
# Runaway: the batch cost passes both 10× the run's starting cost and that cost + 1, and the
# training-set cost confirms it (one unlucky batch is not a runaway).
RUNAWAY_FACTOR, RUNAWAY_MARGIN = 10.0, 1.0
LIMIT_SQUARED = PARAMETER_LIMIT**2


class Stepper:
    """`Trainer`'s base: its phases and whole steps and the parameter changes they make. The
    trainer sets every attribute declared here, in `__post_init__` and `reset`."""

    arch: Architecture
    data: Dataset
    config: TrainConfig
    net: Network
    screen: Screen  # the training set's cached cost and gradient
    test_screen: Screen
    rng: np.random.Generator
    locks: dict[str, Array]  # bool, parameter shape: True where a learner may not turn
    learner: Learner
    step_count: int
    pos: int  # index into `phases` of the phase that runs next
    last_phase: str
    work: Work
    diverged: Words | None  # why, in words, once the cost or a dial ran away
    run_start_cost: float | None  # cost when training last began
    _tentative: Tentative | None
    _free: dict[str, Array | None]  # cache of free_mask, dropped when locks change
    _unlocked: bool | None  # cache: no dial locked at all
    _context: Context | None  # rebuilt when anything it holds is replaced

    # -- parameters --------------------------------------------------------------------------
    def set_params(self, params: Mapping[str, Array]) -> None:
        """Rebind whole tensors (already validated); every cache is dropped."""
        net = self.net
        for name, value in params.items():
            if name not in net.slots:
                parse_name(name, self.arch.n_layers)  # raises, naming the parameters there are
            net.rebind(name, value)
        self.screen.invalidate()
        self.test_screen.invalidate()

    def _set_element(self, name: str, idx: tuple[int, ...], value: float) -> None:
        tensors, l = self.net.slots[name]
        arr = tensors[l].copy()
        delta = value - float(arr[idx])
        arr[idx] = value
        self.net.rebind(name, arr)
        j = idx[1] if len(idx) == 2 else None  # a weight (out, in); a bias has (out,)
        self.screen.touch(l, idx[0], j, delta)
        self.test_screen.touch(l, idx[0], j, delta)

    def locks_changed(self, name: str | None = None) -> None:
        """Drop what is cached of the locks: of `name`, or (None) of every parameter."""
        if name is None:
            self._free = {}
        else:
            self._free.pop(name, None)
        self._unlocked = None

    def free_mask(self, name: str) -> Array | None:
        """1.0 where a learner may turn the dial, 0.0 where it is locked; None if none locked."""
        if name not in self._free:
            mask = self.locks[name]
            self._free[name] = None if not mask.any() else (~mask).astype(np.float64)
        return self._free[name]

    # -- time --------------------------------------------------------------------------------
    @property
    def phases(self) -> tuple[str, ...]:
        return self.learner.phases

    @property
    def phase(self) -> str:
        """The phase `run_phase` last completed ('update' ends a step), or 'idle' after whole
        steps and anything that starts afresh."""
        return self.last_phase

    @property
    def next_phase(self) -> str:
        return self.phases[self.pos]

    @property
    def try_on_dials(self) -> bool:
        """A trying learner's turn is on the dials, not yet kept or taken back."""
        return self._tentative is not None

    @property
    def trace(self) -> Trace:
        """The step in progress (or the last one, between steps)."""
        return self.learner.trace

    def _ctx(self) -> Context:
        c = self._context
        if c is None or c.net is not self.net or c.config is not self.config or \
                c.locks is not self.locks or c.screen is not self.screen or \
                c.rng is not self.rng or c.x is not self.data.x_train:
            c = self._context = Context(self.net, self.data.x_train, self.data.y_train,
                                        self.config, self.rng, self.locks, self.screen)
        return c

    def run_phase(self) -> str:
        if self.diverged:
            raise DivergedError(self.diverged)
        name = self.phases[self.pos]
        with np.errstate(over="ignore"):  # see `step`
            self._carry_out(self.learner.run(self.pos, self._ctx()))
        if self.diverged:
            self._abandon_step()
            raise DivergedError(self.diverged)
        self.pos = (self.pos + 1) % len(self.phases)
        if self.pos == 0:
            self.step_count += 1
        self.last_phase = name
        return name

    def step(self, count: int = 1) -> None:
        """Finish the step in progress, if any, then run whole steps until `count` are done."""
        if self.pos:
            self.run_phase()
            while self.pos:
                self.run_phase()
            count -= 1
        # Learners run with overflow ignored, entered here once: an overflow's ±inf is judged
        # as a step gone wrong (the cost or a parameter beyond the limit), never a warning.
        with np.errstate(over="ignore"):
            for _ in range(count):
                if self.diverged:
                    raise DivergedError(self.diverged)
                for outcome in self.learner.whole_step(self._ctx()):
                    self._carry_out(outcome)
                    if self.diverged:
                        self.pos = 1  # mid-step: so the trial turn, if any, is taken back
                        self._abandon_step()
                        raise DivergedError(self.diverged)
                self.step_count += 1
        self.last_phase = "idle"

    def advance(self) -> bool:
        """The next phase of a whole step, for a caller that cuts a long step into slices:
        True when the step is complete, the trainer then exactly as after `step()`."""
        self.run_phase()
        if self.pos:
            return False
        self.last_phase = "idle"
        return True

    def forward_for_screen(self) -> None:
        """A full-batch gradient-descent step in progress runs its remaining forward phases
        and its cost: together they are the screen's pass over the training set at these
        dials, which the screen takes on. A step then put back leaves the cost computed."""
        if self.config.learner != "gradient_descent" or "cost" not in self.phases:
            return
        cost = self.phases.index("cost")
        while 0 < self.pos <= cost and self.trace.batch is None and not self.diverged:
            self.run_phase()

    def _abandon_step(self) -> None:
        self.last_phase = "idle"
        if self.pos:
            self.pos = 0
            if self._tentative is not None:
                self._take_back()
            self.learner.abandon()

    def _carry_out(self, o: Outcome) -> None:
        if o is NOTHING:
            return
        if o.forward_examples or o.backward_examples:
            self.work.forward_examples += o.forward_examples
            self.work.backward_examples += o.backward_examples
        if o.batch_cost is not None:
            self._check_cost(o.batch_cost)
        if o.proposal is not None and not self.diverged:
            self._apply(o.proposal)
        if o.keep is False:
            self._take_back()
        elif o.keep:
            self._tentative = None

    def _apply(self, p: Proposal) -> None:
        """The one place parameters change by learning: locked dials masked, limit enforced."""
        if p.flat is not None and not p.tentative and p.dial is None and self._apply_flat(p):
            return
        params, new, applied, free_masks = self.net.params, {}, {}, self._free
        for name, d in p.delta.items():
            free = free_masks[name] if name in free_masks else self.free_mask(name)
            if free is not None:  # not d · free: a locked dial stays put even if d is ±inf
                d = np.where(free > 0.0, d, 0.0)
            q = params[name] + d
            if not (np.vdot(q, q) <= LIMIT_SQUARED or within_limit(q)):  # its quick test inline
                self.diverge(words("refusal.why.update", name=name,
                                   limit=f"{PARAMETER_LIMIT:g}"))
                return  # nothing of a refused update is kept, momentum included
            new[name], applied[name] = q, d
        if p.tentative:
            self._tentative = (params, self.screen.save())
        if p.dial is not None:
            name, idx = p.dial
            self._set_element(name, idx, float(new[name][idx]))
        else:
            self.set_params(new)
        self.learner.accepted(applied, self._ctx())

    def _apply_flat(self, p: Proposal) -> bool:
        """A proposal for every parameter, as one vector, applied in one operation if no dial is
        locked and Σθ² is within the limit (which bounds every |θ|). Else False, and `_apply`
        decides each tensor as always: the same numbers either way."""
        if self._unlocked is None:
            self._unlocked = not any(m.any() for m in self.locks.values())
        if not self._unlocked:
            return False
        assert p.flat is not None
        q = self.net.packed() + p.flat
        if not np.vdot(q, q) <= LIMIT_SQUARED:
            return False
        self.net.adopt(q)
        self.screen.invalidate()
        self.test_screen.invalidate()
        self.learner.accepted(p.delta, self._ctx())
        return True

    def _take_back(self) -> None:
        assert self._tentative is not None
        params, screen = self._tentative
        self.set_params(params)
        self.screen.restore(screen)
        self._tentative = None

    def _check_cost(self, batch_cost: float) -> None:
        if not math.isfinite(batch_cost):
            self.diverge(words("refusal.why.batch_cost", cost=batch_cost))
            return
        if self.run_start_cost is None:
            self.run_start_cost = self.screen.cost()
        start = self.run_start_cost
        bound = max(RUNAWAY_FACTOR * start, start + RUNAWAY_MARGIN)
        if batch_cost > bound and (full := self.screen.cost()) > bound:
            self.diverge(words("refusal.why.runaway", cost=f"{full:.6g}",
                               factor=f"{RUNAWAY_FACTOR:g}", start=f"{start:.4g}"))

    def diverge(self, why: Words) -> None:
        self.diverged = words("refusal.diverged", step=self.step_count + 1, why=why,
                              rate=f"{self.config.learning_rate:g}")
