"""What `Board` and `AsyncBoard` share: one method per websocket message (docs/protocol.md,
"Client → server") and what the last frame says.

Each method returns what `command` returns: the frame confirming the command for `Board`,
an awaitable of it for `AsyncBoard`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Generic, TypeVar

import numpy as np

from dialboard.client.core import Core
from dialboard.client.frame import Frame
from dialboard.client.rest import Server

R = TypeVar("R")
Index = int | np.integer | Sequence[int | np.integer]


class BoardBase(Generic[R]):
    _core: Core
    server: Server
    id: str

    def command(self, kind: str, /, **fields: Any) -> R:
        """Send one message of `kind` and wait for the frame that shows it."""
        raise NotImplementedError

    # -- one method per client message -----------------------------------------------------
    def step(self, count: int = 1) -> R:
        """`count` whole training steps; returns once training stops (Ctrl-C pauses it)."""
        return self.command("step", count=count)

    def phase(self) -> R:
        """One phase of the step in progress (or the first of a new step)."""
        return self.command("phase")

    def play(self, steps_per_second: float | None = None) -> R:
        """Train continuously, at that rate or as fast as the machine allows (None)."""
        return self.command("play", steps_per_second=steps_per_second)

    def pause(self) -> R:
        return self.command("pause")

    def set(self, name: str, index: Index, value: float) -> R:
        """Turn one dial: `set("layers.0.weight", (i, j), 0.5)`."""
        return self.command("set", name=name, index=_index(index), value=value)

    def lock(self, name: str, index: Index | None = None, locked: bool = True) -> R:
        """Lock (or unlock) one dial, or the whole tensor when `index` is None."""
        fields: dict[str, Any] = {"name": name, "locked": locked}
        if index is not None:
            fields["index"] = _index(index)
        return self.command("lock", **fields)

    def configure(self, **settings: Any) -> R:
        """Change settings live: `configure(learning_rate=0.5, batch_size=None)`."""
        return self.command("configure", **settings)

    def undo(self) -> R:
        return self.command("undo")

    def reset(self, seed: int | None = None) -> R:
        """Fresh parameters from `seed` (None: the session's own seed)."""
        return self.command("reset", **({} if seed is None else {"seed": seed}))

    def example(self, index: int) -> R:
        """Show training example `index` between steps (its activations and δ)."""
        return self.command("example", index=index)

    def lesson(self, lesson_id: str | None = None, step: int = 0) -> R:
        """Tell the class where the presenter is in a lesson (`None`: no lesson open). The
        board itself does not change: the lesson's steps set it up through the other
        commands."""
        return self.command("lesson", **({} if lesson_id is None else
                                         {"id": lesson_id, "step": step}))

    def select(self, name: str, index: Sequence[int]) -> R:
        """Point the class at one dial: every viewer's panels explain it. The board itself does
        not change."""
        return self.command("select", name=name, index=list(index))

    def travel(self, step: int) -> R:
        """The board as it was at an earlier `step` of the session (frame `timeline` says
        which steps); a change made there starts a new future, `undo` comes back."""
        return self.command("travel", step=step)

    def race(self, budget: int | None = None, population: int | None = None,
             seed: int | None = None, **rates: float) -> R:
        """Race learners from the board's dials to the same budget of forward passes:
        `race(gradient_descent=0.5, evolution=0.05, population=10)`."""
        given = {"budget": budget, "population": population, "seed": seed}
        return self.command("race", **{k: v for k, v in given.items() if v is not None}, **rates)

    def race_stop(self) -> R:
        """Stop the race (the board takes its leader's dials), or forget the last one."""
        return self.command("race_stop")

    def hands(self, mode: str | None = None, *, layer: int | None = None,
              dials: Sequence[tuple[str, Index]] | None = None, open: bool | None = None) -> R:
        """Hand dials to the class's phones: mode "everyone", "neuron" (of `layer`), "chosen"
        (`dials`, one each) or "none"; `open=False` freezes them."""
        fields: dict[str, Any] = {} if mode is None else {"mode": mode}
        if layer is not None:
            fields["layer"] = layer
        if dials is not None:
            fields["dials"] = [{"name": n, "index": _index(i)} for n, i in dials]
        if open is not None:
            fields["open"] = open
        return self.command("hands", **fields)

    def __repr__(self) -> str:
        role = "watching" if self._core.token is None else "in control"
        return f"<{type(self).__name__} {self.id} {role}: {self._core.frame!r}>"

    # -- what the last frame says --------------------------------------------------------------
    @property
    def frame(self) -> Frame:
        """The newest state frame received (a presenter's: parameters F64, step data F32; a
        viewer's: F16)."""
        return self._core.current()

    @property
    def cost(self) -> float:
        return self.frame.cost

    @property
    def step_count(self) -> int:
        return self.frame.step

    @property
    def hello(self) -> dict[str, Any]:
        """The server's `hello`: config, phases, parameters, dataset."""
        assert self._core.hello is not None
        return self._core.hello

    @property
    def shapes(self) -> dict[str, tuple[int, ...]]:
        return {p["name"]: tuple(p["shape"]) for p in self.hello["parameters"]}

    @property
    def watching(self) -> int | None:
        """How many watch this board without control (told to presenters only)."""
        return self._core.watching

    @property
    def moved_to(self) -> str | None:
        """The board this one's class room moved to (this one then closes), or None."""
        return self._core.moved_to

    @property
    def token(self) -> str | None:
        """The control token (None for a board joined to watch)."""
        return self._core.token

    def _need_token(self, what: str) -> str:
        return self._core.need_token(what)


def _index(index: Index) -> list[Any]:
    """A list for the wire; the protocol's table judges its items (no silent rounding)."""
    return [index] if isinstance(index, int | np.integer) else list(index)
