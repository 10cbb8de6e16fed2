"""A network, its data and a learner, advanced one phase or one whole step at a time.

Parameters are never written in place: every change makes a new array and rebinds it.
That makes a snapshot a set of references (cheap undo, many levels) and keeps the screen's
saved caches exact.

Running phases and steps and applying what learners propose is `Stepper`'s (stepper.py);
here are the trainer's life, its dials and locks as people turn them, its settings, and what
the screen shows.
"""

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field, replace

import numpy as np

from dialboard.engine.config import TrainConfig
from dialboard.engine.datasets import Dataset
from dialboard.engine.errors import ConfigError, Words, count, words
from dialboard.engine.learners import make_learner
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
from dialboard.engine.stepper import Stepper
from dialboard.engine.steps import Snapshot, Work

Array = np.ndarray


@dataclass
class Trainer(Stepper):
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
        self.locks_changed()
        self._context = None
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
        self.diverged = None
        self.run_start_cost = None
        self._tentative = None
        self.learner = make_learner(self.config.learner, self.arch, params)

    def snapshot(self, screen: bool = True) -> Snapshot:
        """The state; without `screen`, not the screen's caches (restore recomputes them)."""
        return Snapshot(
            params=dict(self.net.params), locks=dict(self.locks),
            # A new dict at each read (PCG64's state is ints): the snapshot's own, uncopied.
            rng_state=self.rng.bit_generator.state, config=self.config,
            step_count=self.step_count, pos=self.pos, last_phase=self.last_phase,
            learner_state=self.learner.state(self.pos > 0), work=replace(self.work),
            diverged=self.diverged, screen=self.screen.save() if screen else None,
            tentative=self._tentative,
        )

    def restore(self, snap: Snapshot) -> None:
        self._load(snap)
        self.run_start_cost = None

    def _load(self, snap: Snapshot) -> None:
        # The very arrays the dials hold now (never written in place), under the same
        # settings: the screens' caches are of this state and stay (a step put back before
        # its update keeps the cost its full-batch forward pass gave the screen).
        same = snap.config == self.config and all(
            self.net.params.get(n) is a for n, a in snap.params.items())
        kept = self.screen.checkpoint(), self.test_screen.checkpoint()
        self.config = snap.config
        self.set_params(snap.params)
        if same:
            self.screen.rollback(kept[0])
            self.test_screen.rollback(kept[1])
        if not same or kept[0][0] is None:
            self.screen.restore(snap.screen)
        self.locks = dict(snap.locks)
        self.locks_changed()
        self.rng.bit_generator.state = snap.rng_state  # read, never kept
        self.step_count, self.pos, self.work = snap.step_count, snap.pos, replace(snap.work)
        self.last_phase, self._tentative = snap.last_phase, snap.tentative
        why = snap.diverged  # a stored board's is plain English: said as it was kept
        self.diverged = why if why is None or isinstance(why, Words) else words(
            "refusal.as_said", text=why)
        if self.learner.name != snap.config.learner:
            self.learner = make_learner(snap.config.learner, self.arch, snap.params)
        self.learner.load(snap.learner_state)

    # -- parameters --------------------------------------------------------------------------
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

    def set_locked(self, name: str, index: object | None, locked: bool) -> None:
        parse_name(name, self.arch.n_layers)  # an unknown name raises with the list of names
        new = self.locks[name].copy()
        if index is None:
            new[...] = bool(locked)
        else:
            new[self.index_of(name, index)] = bool(locked)
        self.locks[name] = new
        self.locks_changed(name)

    def set_lock_mask(self, name: str, mask: Array) -> None:
        """Every lock of one tensor at once (undo of a lock): `mask` True where locked."""
        if mask.shape != self.arch.shape(name):
            raise ConfigError("refusal.lock_mask", name=name, shape=self.arch.shape(name))
        self.locks[name] = mask.astype(bool)
        self.locks_changed(name)

    # -- settings ----------------------------------------------------------------------------
    def configure(self, **changes: object) -> None:
        new = self.config.updated(**changes)
        n = self.data.x_train.shape[0]
        if new.batch_size is not None and new.batch_size > n:
            raise ConfigError("refusal.batch_too_big", size=new.batch_size, count=count(n))
        if new.learner != self.config.learner:
            self._abandon_step()
            self.learner = make_learner(new.learner, self.arch, self.net.params)
        self.config = new
        self._human_change()

    def _human_change(self) -> None:
        self.diverged = None
        self.run_start_cost = None

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

    @contextlib.contextmanager
    def before_the_try(self) -> Iterator[None]:
        """Inside: the dials as they were before the try on them (a trying learner between
        nudge and keep), screens included; on leaving, everything as it was (`trying`)."""
        with self.trying():
            if self._tentative is not None:
                self._take_back()
            yield

    # -- what the screen shows ------------------------------------------------------------------
    def cost(self) -> float:
        c = self.screen.cost()
        if not np.isfinite(c) and not self.diverged:
            self.diverge(words("refusal.why.cost", cost=c))
        return c

    def gradient(self) -> dict[str, Array]:
        return self.screen.gradient()

    def screens_cached(self) -> bool:
        """Whether the screen's figures at the current parameters are computed already."""
        return self.screen.save() is not None and (
            self.test_screen.n == 0 or self.test_screen.save() is not None)

    @property
    def step_work(self) -> int:
        """Parameters × examples of a step's batch: what a step's time grows with."""
        return self.arch.parameter_count * (self.config.batch_size or self.data.x_train.shape[0])

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
