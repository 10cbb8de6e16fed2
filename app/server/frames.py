"""What a state frame holds (docs/protocol.md, "state frame"), built once per state version.

`FrameSource.build` gathers float64 tensors and metadata from a trainer; `encode` turns them
into safetensors bytes at one precision, with or without gradients. Sessions cache both per
version, so any number of sockets share one encoding.
"""

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

import numpy as np

from dialboard.engine import NextUpdate, Trainer, bias_name, next_update, weight_name
from dialboard.engine.display import PlotGrid, example_view, grid_outputs
from dialboard.server.refusals import words_json
from dialboard.server.safetensors_io import encode

Array = np.ndarray
HISTORY_POINTS = 200  # the chart's points in a frame
MAX_HISTORY_POINTS = 20_000  # kept per session: past it, every other one goes
PRESENTER_FPS = 60.0  # frames a second the presenter is sent at most (ws.py, runner.py)
# At most this many to anyone while the board trains in the process that makes and sends its
# frames (not in the player): each frame is then training time lost, some 10% of the core at
# 60 a second on the 625 board, and a second board's worker wants the other core. Over 30:
# the page on the same machine redraws the 625 board some 33 times a second (browser_bench).
TRAINING_FPS = 40.0
# A playing board's frame is built when a socket's next send falls within the slice
# (Session.frame_wanted), never more often than this: a frame built between two sends is
# never sent, and its making is training time lost.
SHOW_SECONDS = 0.5 / PRESENTER_FPS
# A board with at most this many parameters goes to viewers as to the presenter (its dials
# in F64, 16 KB at most; slope and arrows in F32): its phase panel writes four digits, which
# F16 (three and a bit) got wrong. A bigger board goes to viewers in F16, for bandwidth.
WIDE_PARAMETERS = 2048
PRECISIONS: dict[str, type[np.floating]] = {"f32": np.float32, "f16": np.float16}
UPDATE_META = ("update_kind", "update_examples", "update_layers", "update_refused",
               "update_refused_words")  # the next update's metadata ("" until it is known)


@dataclass(frozen=True)
class Figures:
    """The screen's figures, computed together for the parameters of step `step`: the cost
    over the whole training set, the test set's cost, and both accuracies."""

    step: int
    cost: float
    test_cost: float | None
    accuracy: float | None
    test_accuracy: float | None
    at: float = field(default_factory=time.monotonic)
    before_try: bool = False  # of the dials before a try on them that is not weighed yet


def figures(t: Trainer) -> Figures:
    return Figures(t.step_count, t.cost(), t.test_cost(), t.accuracy(), t.accuracy(test=True))


# The slope (and, for a frame sent before them, the arrows and their metadata; for one sent
# with an earlier step's screen, the state's own figures), once asked: (grads, metadata,
# extra); None: the state is gone.
Fill = Callable[[], tuple[dict[str, Array], dict[str, str], dict[str, Array]] | None]
# The screen's figures of the state now, and the chart with them (Session.frame)
Restate = Callable[[], tuple["Figures", tuple[Array, Array]]]


@dataclass
class FrameData:
    """Float64 tensors and string metadata of one state, before encoding."""

    params: dict[str, Array]
    grads: dict[str, Array]  # what viewers get one frame of k: *.grad, *.update, grid.output …
    extra: dict[str, Array]  # cost, example.*, layers.{l}.*, history.*, *.locked
    metadata: dict[str, str]
    version: int
    built_at: float = field(default_factory=time.monotonic)
    encoded: dict[tuple[str, bool], bytes] = field(default_factory=dict)
    # Computed when first encoded with gradients (a set's frame goes out before its slope).
    fill: Fill | None = None

    @property
    def ready(self) -> bool:
        """Whether the step data are all computed (encoding with them costs no more work)."""
        return self.fill is None

    @property
    def viewer_precision(self) -> str:
        """A viewer's: the presenter's on a board of at most WIDE_PARAMETERS, else F16."""
        return "f16" if sum(a.size for a in self.params.values()) > WIDE_PARAMETERS else "f32"

    def encode(self, precision: str, with_grads: bool) -> bytes:
        if with_grads and self.fill is not None:
            more, self.fill = self.fill(), None
            if more is not None:  # None: the state changed first, so no slope here
                self.grads.update(more[0])
                self.metadata.update(more[1])
                if more[2]:  # the state's own figures: encodings made before showed others
                    self.extra.update(more[2])
                    self.encoded.clear()
        key = (precision, with_grads)
        if key not in self.encoded:
            dtype = np.dtype(PRECISIONS[precision])
            tensors = {**self.params, **(self.grads if with_grads else {}), **self.extra}
            # The parameters go as the network has them (F64): a dial's reading is its own to
            # the last digit. Half-precision frames (a big board's viewers') narrow them. The
            # example's numbers, cost and chart stay wide: the phase panel writes them.
            narrow = {n: dtype for n in self.params} if precision == "f16" else {}
            if with_grads:
                narrow.update((n, dtype) for n, g in self.grads.items() if g.dtype.kind == "f")
            meta = {**self.metadata, "precision": precision, "has_grads": _b(with_grads)}
            self.encoded[key] = encode(tensors, meta, narrow)
        return self.encoded[key]


def _b(flag: bool) -> str:
    return "true" if flag else "false"


def _num(value: float | None) -> str:
    return "" if value is None else repr(float(value))


def thin(history: list[tuple[int, float]], k: int = HISTORY_POINTS) -> list[tuple[int, float]]:
    """At most k points, evenly spaced, always keeping the newest."""
    if len(history) <= k:
        return history
    idx = np.linspace(0, len(history) - 1, k).round().astype(int)
    return [history[i] for i in idx]


def chart_arrays(history: list[tuple[int, float]]) -> tuple[Array, Array]:
    """The chart's steps and costs, thinned (never written in place: frames share them)."""
    points = thin(history)
    return (np.array([s for s, _ in points], dtype=np.float64),
            np.array([c for _, c in points], dtype=np.float32))


class Chart:
    """A session's cost history (its list of (step, cost)) changed through here, and its
    arrays, remade only after a change: points are only added at the end (a new length and
    last point) or taken out (counted in `taken`)."""

    def __init__(self) -> None:
        self.taken = 0
        self._made: tuple[object, tuple[Array, Array]] | None = None

    def add(self, history: list[tuple[int, float]], step: int, cost: float) -> None:
        while history and history[-1][0] >= step:  # undo, reset or a turn at this step
            history.pop()
            self.taken += 1
        history.append((step, cost))
        if len(history) > MAX_HISTORY_POINTS:
            del history[1:-1:2]
            self.taken += 1

    def clear(self, history: list[tuple[int, float]]) -> None:
        history.clear()
        self.taken += 1

    def arrays(self, history: list[tuple[int, float]]) -> tuple[Array, Array]:
        key = (id(history), len(history), history[-1] if history else None, self.taken)
        if self._made is None or self._made[0] != key:
            self._made = (key, chart_arrays(history))
        return self._made[1]


def example_tensors(t: Trainer, index: int) -> tuple[dict[str, Array], int]:
    """The example on display (the batch's first during a step, else `index`), as far as the
    phases so far computed it. Its numbers go out as the network has them (F64; a viewer's
    narrower frame narrows them): the phase panel says them to three digits, and from F32
    the textbook's z = 0.3775 read 0.377."""
    ex = example_view(t, index)
    own = partial(np.array, dtype=np.float64)  # copies: the frame keeps them as they are now
    out = {"example.input": own(ex.x), "example.target": own(ex.y)}
    for l, (z, a, d, g) in enumerate(zip(ex.zs, ex.acts, ex.deltas, ex.gprimes, strict=True)):
        if z is not None and a is not None:
            out[f"layers.{l}.z"] = own(z)
            out[f"layers.{l}.activation"] = own(a)
        if g is not None:
            out[f"layers.{l}.gprime"] = own(g)
        if d is not None:
            out[f"layers.{l}.delta"] = own(d)
    return out, ex.row


def update_tensors(t: Trainer, in_step: bool, nxt: NextUpdate | None = None
                   ) -> tuple[dict[str, Array], dict[str, str]]:
    """`{name}.update` (and `.step_grad`, `update.batch`) of the next update, as far as the
    step in progress has revealed it: gradient descent's layer l once `backward:l` ran; a
    trying learner's try only before it is made (then it is on the dials). `nxt`: that
    update, when already known (the step itself, taken since); else it is looked ahead."""
    nxt = next_update(t) if nxt is None else nxt
    meta = {**dict.fromkeys(UPDATE_META, ""), "update_refused": nxt.refused or "",
            "update_refused_words": _words_text(nxt.refused)}
    tried = t.trace.tried if in_step else None
    if tried is not None:  # a try in progress: the turn it made, on the dials already
        return {f"{n}.tried": _or_zeros(tried, n, t) for n in t.arch.parameter_names}, meta
    if nxt.delta is None or (in_step and nxt.learner != "gradient_descent"):
        return {}, meta
    L = t.arch.n_layers
    layers = t.trace.layers_with_grads if in_step else list(reversed(range(L)))
    shown = {n for l in layers for n in (weight_name(l), bias_name(l))}
    # A trying learner's arrow is its try; whether the step keeps it, the cost will tell.
    change = nxt.delta if nxt.tried is None else nxt.tried
    out = {f"{n}.update": _or_zeros(change, n, t) for n in sorted(shown)}
    meta.update(update_kind=nxt.learner, update_layers=",".join(map(str, layers)))
    if nxt.grads is not None:
        out.update({f"{n}.step_grad": g for n, g in nxt.grads.items() if n in shown})
        meta["update_examples"] = str(nxt.n_examples)
    if nxt.batch is not None:
        out["update.batch"] = nxt.batch.astype(np.int32)
    return out, meta


def _or_zeros(tensors: dict[str, Array], name: str, t: Trainer) -> Array:
    return tensors[name] if name in tensors else np.zeros(t.arch.shape(name))


def attach_update(frame: FrameData, t: Trainer, nxt: NextUpdate) -> None:
    """Give a frame built with `arrows=False` its arrows: `nxt` is what the step taken from
    the frame's state did (`step_taken`), so they are exactly its next update."""
    tensors, meta = update_tensors(t, False, nxt)
    frame.grads.update(tensors)
    frame.metadata.update(meta)


def _slope(t: Trainer, cost: float, no_slope: bool, grid: PlotGrid | None,
           still: Callable[[], bool], arrows: bool, restate: Restate | None = None) -> Fill:
    """The screen's slope (and the output grid; with `arrows`, the next update too; with
    `restate`, the screen's own figures first) of the trainer's state now, to compute later
    only while `still()` says the trainer is in that state."""
    def fill() -> tuple[dict[str, Array], dict[str, str], dict[str, Array]] | None:
        if not still():
            return None
        now, screen, shown = cost, {}, {}
        if restate is not None:
            fig, chart = restate()
            now, screen, shown = fig.cost, _figure_meta(fig), _screen_tensors(fig, chart)
        out, meta = update_tensors(t, t.pos > 0) if arrows else ({}, {})
        if not no_slope and np.isfinite(now):
            out.update({f"{n}.grad": g for n, g in t.gradient().items()})
        if grid is not None:
            out["grid.output"] = grid_outputs(t.net, grid)
        return out, {**meta, **screen}, shown
    return fill


def _screen_tensors(fig: Figures, chart: tuple[Array, Array]) -> dict[str, Array]:
    return {"cost": np.array([fig.cost], dtype=np.float64), "history.step": chart[0],
            "history.cost": chart[1]}


def build(t: Trainer, *, version: int, playing: bool, example: int, undo_levels: int,
          running: bool = False, history: list[tuple[int, float]],
          grid: PlotGrid | None = None, screen: Figures | None = None, arrows: bool = True,
          still: Callable[[], bool] | None = None,
          chart: tuple[Array, Array] | None = None, restate: Restate | None = None
          ) -> FrameData:
    """The frame of the trainer's state. `screen`: its figures, if known (else computed);
    `arrows=False`: without the next update (`attach_update` adds it); `still`: the slope
    is left for the first encoding with gradients, computed then if `still()` (else never);
    `chart`: `chart_arrays(history)`, if known; `restate` (with `still`): `screen` is an
    earlier step's, named by it, and the slope's encoding brings the state's own.
    While training runs a frame has no slope: the board is moving on."""
    fig = figures(t) if screen is None else screen
    in_step = t.pos > 0
    # A frame sent before its slope (`still`) waits for its arrows too: they are encoded
    # only with the slope, so looking ahead (a whole step tried) would only delay it.
    grads, update_meta = update_tensors(t, in_step) if arrows and still is None else (
        {}, dict.fromkeys(UPDATE_META, "") if arrows else {})
    fill = _slope(t, fig.cost, in_step or playing or running, grid, still or (lambda: True),
                  arrows and still is not None, restate if still is not None else None)
    if still is None:
        grads.update((fill() or ({}, {}, {}))[0])
    extra, row = example_tensors(t, example)
    extra.update(_screen_tensors(fig, chart or chart_arrays(history)))
    for name, mask in t.locks.items():
        if mask.any():
            extra[f"{name}.locked"] = mask.astype(np.uint8)
    meta = {"version": str(version), "playing": _b(playing), "running": _b(running or playing),
            "example": str(row), "undo_levels": str(undo_levels), **update_meta,
            **_metadata(t, in_step, fig)}
    return FrameData(dict(t.net.params), grads, extra, meta, version,
                     fill=None if still is None else fill)


def _words_text(sentence: str | None) -> str:
    """A refusal's words as JSON text (frame metadata are strings), or "" when none."""
    return json.dumps(words_json(sentence), ensure_ascii=False) if sentence else ""


def _figure_meta(fig: Figures) -> dict[str, str]:
    return {"cost_step": str(fig.step), "cost_before_try": _b(fig.before_try),
            "test_cost": _num(fig.test_cost),
            "accuracy": _num(fig.accuracy), "test_accuracy": _num(fig.test_accuracy)}


def _metadata(t: Trainer, in_step: bool, fig: Figures) -> dict[str, str]:
    tr = t.trace
    return {
        "step": str(t.step_count), "phase": t.phase, "next_phase": t.next_phase,
        "phases": ",".join(t.phases), "in_step": _b(in_step), "learner": t.config.learner,
        "diverged": t.diverged or "", "diverged_words": _words_text(t.diverged),
        **_figure_meta(fig),
        "batch_cost": _num(tr.batch_cost if in_step else None),
        "batch_size": str(tr.n_batch) if in_step and tr.n_batch is not None else "",
        "base_cost": _num(tr.base_cost if in_step else None),
        "trial_cost": _num(tr.trial_cost if in_step else None),
        "learning_rate": repr(t.config.learning_rate),
        "batch_size_setting": "" if t.config.batch_size is None else str(t.config.batch_size),
        "momentum": repr(t.config.momentum), "weight_decay": repr(t.config.weight_decay),
        "step_size": repr(t.config.step_size),
        "forward_examples": str(t.work.forward_examples),
        "backward_examples": str(t.work.backward_examples),
    }
