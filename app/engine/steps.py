"""What passes between a learner and the trainer (Nielsen: `backprop` returns the nablas,
`update_mini_batch` applies them).

A learner runs one phase at a time with a `Context` it may read but not change, and returns an
`Outcome`: a `Proposal` (Δθ by parameter name) for the trainer to apply, a verdict on a
tentative change, the work it did, and what it evaluated. The trainer alone changes
parameters, masks locked dials, enforces the parameter limit and counts work. The `Trace` is
the step in progress in public, for the board to show.
"""

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np

from dialboard.engine.config import TrainConfig
from dialboard.engine.network import Network
from dialboard.engine.screen import Screen, ScreenState

Array = np.ndarray


class Proposal(NamedTuple):  # immutable like a frozen dataclass, and made 2× faster
    """Δθ by parameter name, each the parameter's shape (a missing name: no change).

    `tentative` changes are kept only if a later verdict says so (trial and error, evolution).
    `dial` marks a change of one element, (name, index), which the screen updates cheaply.
    `flat`, when the learner has it, is the same Δθ for every parameter as one vector laid out
    by `Network.spans` (`delta` its views, `FlatViews`): the trainer may apply it in one
    operation, never reading `delta`.
    """

    delta: Mapping[str, Array]
    tentative: bool = False
    dial: tuple[str, tuple[int, ...]] | None = None
    flat: Array | None = None


class Outcome(NamedTuple):
    """What one phase did."""

    proposal: Proposal | None = None
    keep: bool | None = None  # verdict on the tentative change: keep it, or take it back
    forward_examples: int = 0
    backward_examples: int = 0
    batch_cost: float | None = None  # the cost of the current parameters on the step's batch


@dataclass
class Trace:
    """The step in progress.

    Gradient descent: `batch` (training indices; None = all), per layer l the batch's
    z_l and a_l (n_batch, n_out_l) with acts[0] the inputs, δ_l = ∂C/∂z_l (with C the batch's
    mean cost, so each row carries 1/n_batch), and `grads` by parameter name as each
    `backward:l` computes them. Trying learners: the change `tried` and the costs compared.
    """

    batch: Array | None = None
    zs: list[Array | None] = field(default_factory=list)
    acts: list[Array | None] = field(default_factory=list)
    deltas: list[Array | None] = field(default_factory=list)
    grads: dict[str, Array] = field(default_factory=dict)
    batch_cost: float | None = None
    tried: dict[str, Array] | None = None
    base_cost: float | None = None
    trial_cost: float | None = None

    @classmethod
    def empty(cls, n_layers: int) -> "Trace":
        return cls(zs=[None] * n_layers, acts=[None] * (n_layers + 1),
                   deltas=[None] * n_layers)

    @property
    def n_batch(self) -> int | None:
        a0 = self.acts[0] if self.acts else None
        return None if a0 is None else int(a0.shape[0])

    @property
    def layers_with_grads(self) -> list[int]:
        """Layers whose `backward:l` has run, output first."""
        return [l for l in reversed(range(len(self.deltas))) if self.deltas[l] is not None]


class FlatViews(Mapping[str, Array]):
    """Parameter name → its view of a vector laid out by `Network.spans`, made when first read:
    an update applied as one vector never reads them."""

    __slots__ = ("_flat", "_made", "_net")

    def __init__(self, net: Network, flat: Array) -> None:
        self._net, self._flat = net, flat
        self._made: dict[str, Array] | None = None

    def _views(self) -> dict[str, Array]:
        if self._made is None:
            net, made = self._net, dict[str, Array]()
            for l, (w, b) in enumerate(net.name_pairs):
                made[w], made[b] = net.views(self._flat, l)
            self._made = made
        return self._made

    def __getitem__(self, name: str) -> Array:
        return self._views()[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._views())

    def __len__(self) -> int:
        return 2 * self._net.L


def phase_by_phase(run: Callable[[int, "Context"], Outcome], phases: int, ctx: "Context"
                   ) -> Iterator[Outcome]:
    """A whole step's outcomes, one phase at a time (a learner's `whole_step` at its plainest)."""
    for pos in range(phases):
        yield run(pos, ctx)


@dataclass(frozen=True)
class Context:
    """What a learner may read while it runs a phase."""

    net: Network
    x: Array  # (n, n_in) training inputs
    y: Array  # (n, n_out) training targets
    config: TrainConfig
    rng: np.random.Generator
    locks: Mapping[str, Array]  # bool, parameter shape: True where a learner may not turn
    screen: Screen  # the training-set cost of the current parameters


@dataclass
class Work:
    """Examples pushed through the network, to compare learners fairly."""

    forward_examples: int = 0
    backward_examples: int = 0


Tentative = tuple[dict[str, Array], ScreenState | None]  # parameters and screen before a try


@dataclass(frozen=True)
class Snapshot:
    params: dict[str, Array]
    locks: dict[str, Array]
    rng_state: Mapping[str, Any]
    config: TrainConfig
    step_count: int
    pos: int
    last_phase: str
    learner_state: object
    work: Work
    diverged: str | None
    screen: ScreenState | None
    tentative: Tentative | None = None
