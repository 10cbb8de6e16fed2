"""A network, its data and a learner, advanced one phase or one whole step at a time.

Parameters are never written in place: every change makes a new array and rebinds it.
That makes a snapshot a set of references (cheap undo, many levels) and keeps the screen's
saved caches exact.

A step of gradient descent is `forward:0 … forward:L-1, cost, backward:L-1 … backward:0,
update`; the other learners' steps are `nudge, cost, keep`. `run_phase` and `step` call the
same code in the same order, so phase by phase and whole steps are bit-identical. Learners
propose; only `_apply` changes parameters, masks locked dials and enforces the limit.
"""

import contextlib
import copy
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace

import numpy as np

from dialboard.engine.config import TrainConfig
from dialboard.engine.datasets import Dataset
from dialboard.engine.errors import ConfigError, DivergedError, Words, words
from dialboard.engine.learners import NOTHING, Learner, make_learner
from dialboard.engine.network import (
    PARAMETER_LIMIT,
    Architecture,
    Network,
    check_params,
    init_params,
    parse_name,
    within_limit,
)
from dialboard.engine.screen import Screen
from dialboard.engine.steps import Context, Outcome, Proposal, Snapshot, Tentative, Trace, Work

Array = np.ndarray
# Runaway: the batch cost passes both 10× the run's starting cost and that cost + 1, and the
# training-set cost confirms it (one unlucky batch is not a runaway).
RUNAWAY_FACTOR, RUNAWAY_MARGIN = 10.0, 1.0
LIMIT_SQUARED = PARAMETER_LIMIT**2


@dataclass
class Trainer:
    arch: Architecture
    data: Dataset
    config: TrainConfig = field(default_factory=TrainConfig)
    seed: int = 0
    init: dict[str, object] | None = None

    def __post_init__(self) -> None:
        if self.data.n_in != self.arch.layers[0] or self.data.n_out != self.arch.layers[-1]:
            raise ConfigError(
                "refusal.layers.fit_data", name=repr(self.data.name), n_in=self.data.n_in,
                n_out=self.data.n_out, layers=list(self.arch.layers)
            )
        self._given = check_params(self.arch, self.init or {})
        names = self.arch.parameter_names
        self.locks = {n: np.zeros(self.arch.shape(n), dtype=bool) for n in names}
        self._free: dict[str, Array | None] = {}  # cache of free_mask, dropped when locks change
        self._context: Context | None = None  # rebuilt when anything it holds is replaced
        self.reset()

    # -- lifecycle -------------------------------------------------------------------------
    def reset(self, seed: int | None = None) -> None:
        """Fresh parameters from `seed` (default: the trainer's own seed), with the `init`
        values applied again; locks and settings are kept."""
        self.rng = np.random.default_rng(self.seed if seed is None else int(seed))
        params = init_params(self.arch, self.rng)
        params.update(self._given)
        self.net = Network(self.arch, params)
        self.screen = Screen(self.net, self.data.x_train, self.data.y_train)
        self.test_screen = Screen(self.net, self.data.x_test, self.data.y_test)
        self.step_count = 0
        self.pos = 0
        self.last_phase = "idle"
        self.work = Work()
        self.diverged: Words | None = None  # why, in words, once the cost or a dial ran away
        self.run_start_cost: float | None = None  # cost when training last began
        self._tentative: Tentative | None = None
        self.learner: Learner = make_learner(self.config.learner, self.arch, params)

    def snapshot(self) -> Snapshot:
        return Snapshot(
            params=dict(self.net.params), locks=dict(self.locks),
            rng_state=copy.deepcopy(dict(self.rng.bit_generator.state)), config=self.config,
            step_count=self.step_count, pos=self.pos, last_phase=self.last_phase,
            learner_state=self.learner.state(self.pos > 0), work=replace(self.work),
            diverged=self.diverged, screen=self.screen.save(), tentative=self._tentative,
        )

    def restore(self, snap: Snapshot) -> None:
        self._load(snap)
        self.run_start_cost = None

    def _load(self, snap: Snapshot) -> None:
        self.config = snap.config
        self.set_params(snap.params)
        self.screen.restore(snap.screen)
        self.locks, self._free = dict(snap.locks), {}
        self.rng.bit_generator.state = copy.deepcopy(snap.rng_state)
        self.step_count, self.pos, self.work = snap.step_count, snap.pos, replace(snap.work)
        self.last_phase, self._tentative = snap.last_phase, snap.tentative
        why = snap.diverged  # a stored board's is plain English: said as it was kept
        self.diverged = why if why is None or isinstance(why, Words) else words(
            "refusal.as_said", text=why)
        if self.learner.name != snap.config.learner:
            self.learner = make_learner(snap.config.learner, self.arch, snap.params)
        self.learner.load(snap.learner_state)

    # -- parameters --------------------------------------------------------------------------
    def set_params(self, params: Mapping[str, Array]) -> None:
        """Rebind whole tensors (already validated); every cache is dropped."""
        slots = self.net.slots
        for name, value in params.items():
            if name not in slots:
                parse_name(name, self.arch.n_layers)  # raises, naming the parameters there are
            tensors, l = slots[name]
            tensors[l] = value
        self.screen.invalidate()
        self.test_screen.invalidate()

    def replace_params(self, values: dict[str, object]) -> None:
        """Import: validated values for some or all parameters; abandons a step in progress."""
        checked = check_params(self.arch, values)
        self._abandon_step()
        self.set_params(checked)
        self._human_change()

    def index_of(self, name: str, index: object) -> tuple[int, ...]:
        return self.arch.index_of(name, index)

    def value(self, name: str, index: tuple[int, ...]) -> float:
        return float(self.net.params[name][index])

    def set_value(self, name: str, index: object, value: object) -> None:
        """Turn one dial by hand. Locks stop learners, not people."""
        idx = self.index_of(name, index)
        if isinstance(value, bool) or not isinstance(value, int | float) or not np.isfinite(value):
            raise ConfigError("refusal.value.finite", dial=f"{name}{list(idx)}", value=repr(value))
        if not within_limit(value):
            raise ConfigError("refusal.value.limit", dial=f"{name}{list(idx)}",
                              limit=f"{PARAMETER_LIMIT:g}")
        self._abandon_step()  # before the change: abandoning may take back a trial turn
        self._human_change()
        self._set_element(name, idx, float(value))

    def _set_element(self, name: str, idx: tuple[int, ...], value: float) -> None:
        tensors, l = self.net.slots[name]
        arr = tensors[l].copy()
        delta = value - float(arr[idx])
        arr[idx] = value
        tensors[l] = arr
        j = idx[1] if len(idx) == 2 else None  # a weight (out, in); a bias has (out,)
        self.screen.touch(l, idx[0], j, delta)
        self.test_screen.touch(l, idx[0], j, delta)

    def set_locked(self, name: str, index: object | None, locked: bool) -> None:
        parse_name(name, self.arch.n_layers)  # an unknown name raises with the list of names
        new = self.locks[name].copy()
        if index is None:
            new[...] = bool(locked)
        else:
            new[self.index_of(name, index)] = bool(locked)
        self.locks[name] = new
        self._free.pop(name, None)

    def set_lock_mask(self, name: str, mask: Array) -> None:
        """Every lock of one tensor at once (undo of a lock): `mask` True where locked."""
        if mask.shape != self.arch.shape(name):
            raise ConfigError("refusal.lock_mask", name=name, shape=self.arch.shape(name))
        self.locks[name] = mask.astype(bool)
        self._free.pop(name, None)

    def free_mask(self, name: str) -> Array | None:
        """1.0 where a learner may turn the dial, 0.0 where it is locked; None if none locked."""
        if name not in self._free:
            mask = self.locks[name]
            self._free[name] = None if not mask.any() else (~mask).astype(np.float64)
        return self._free[name]

    # -- settings ----------------------------------------------------------------------------
    def configure(self, **changes: object) -> None:
        new = self.config.updated(**changes)
        n = self.data.x_train.shape[0]
        if new.batch_size is not None and new.batch_size > n:
            raise ConfigError("refusal.batch_too_big", size=new.batch_size, count=n)
        if new.learner != self.config.learner:
            self._abandon_step()
            self.learner = make_learner(new.learner, self.arch, self.net.params)
        self.config = new
        self._human_change()

    def _human_change(self) -> None:
        self.diverged = None
        self.run_start_cost = None

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
        for _ in range(count):
            if self.diverged:
                raise DivergedError(self.diverged)
            ctx, run = self._ctx(), self.learner.run
            for pos in range(len(self.phases)):
                self._carry_out(run(pos, ctx))
                if self.diverged:
                    self.pos = pos + 1  # so the trial turn, if any, is taken back
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

    @contextlib.contextmanager
    def trying(self) -> Iterator[None]:
        """Undo, on leaving, everything done inside, exactly: parameters, RNG, batch order,
        momentum, counters, the run's starting cost and every screen cache."""
        saved, run_start = self.snapshot(), self.run_start_cost
        screens = self.screen.checkpoint(), self.test_screen.checkpoint()
        try:
            yield
        finally:
            self._load(saved)
            self.run_start_cost = run_start
            self.screen.rollback(screens[0])
            self.test_screen.rollback(screens[1])

    # -- what the screen shows ------------------------------------------------------------------
    def cost(self) -> float:
        c = self.screen.cost()
        if not np.isfinite(c) and not self.diverged:
            self.diverge(words("refusal.why.cost", cost=c))
        return c

    def gradient(self) -> dict[str, Array]:
        return self.screen.gradient()

    @property
    def forward_passes(self) -> float:
        """Forward passes over the whole training set spent so far: the fair race count."""
        return self.work.forward_examples / self.data.x_train.shape[0]

    def test_cost(self) -> float | None:
        return None if self.test_screen.n == 0 else self.test_screen.cost()

    def accuracy(self, test: bool = False) -> float | None:
        """Share of examples whose predicted class is right; None for regression."""
        if self.data.task != "classification":
            return None
        return (self.test_screen if test else self.screen).accuracy()
