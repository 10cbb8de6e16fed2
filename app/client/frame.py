"""One state of a board as NumPy arrays by name, and the client's exceptions.

A `Frame` is either a streamed state frame (docs/protocol.md, "state frame": for a presenter
the parameters and the example in F64 and the step data in F32, for a viewer F16) or the REST
`state.safetensors?grads=true` file (all F64). Both are safetensors blobs with string
metadata; the arrays are read-only views of the blob.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from dialboard.server.safetensors_io import DecodeError, decode

Array = np.ndarray


class BoardError(Exception):
    """The server refused a request, could not be reached, or the connection closed."""


class Refused(BoardError):
    """The server answered a websocket message with an `error` (or the client found the
    message invalid by the protocol's own table before sending it)."""

    def __init__(self, message: str, request_type: str | None, reason: str = "rejected") -> None:
        super().__init__(message)
        self.request_type = request_type
        self.reason = reason


class Diverged(Refused):
    """Training diverged (`reason: "diverged"`): the state did change; `undo()` takes it back."""


def refusal(message: dict[str, object]) -> Refused:
    """The exception for a server `error` message."""
    words = str(message.get("message", "refused"))
    kind = message.get("request_type")
    request_type = kind if isinstance(kind, str) else None
    if message.get("reason") == "diverged":
        return Diverged(words, request_type, "diverged")
    return Refused(words, request_type, str(message.get("reason") or "rejected"))


class Frame:
    """Tensors and metadata of one state; `names` are the network's parameter names."""

    def __init__(self, blob: bytes, names: Sequence[str]) -> None:
        try:
            self.tensors, self.meta = decode(blob)
        except DecodeError as exc:
            raise BoardError(f"the server sent a state that cannot be read: {exc}") from None
        self.names = tuple(names)

    def __getitem__(self, name: str) -> Array:
        return self.tensors[name]

    def __contains__(self, name: object) -> bool:
        return name in self.tensors

    def __repr__(self) -> str:
        return f"<Frame step={self.step} cost={self.cost:.6g} phase={self.phase}>"

    def _by_suffix(self, suffix: str) -> dict[str, Array]:
        return {n: self.tensors[n + suffix] for n in self.names if n + suffix in self.tensors}

    @property
    def params(self) -> dict[str, Array]:
        """Every parameter by name (`layers.{l}.weight` `[n_out, n_in]`, `layers.{l}.bias`)."""
        return self._by_suffix("")

    @property
    def grads(self) -> dict[str, Array]:
        """The screen's slope ∂cost/∂parameter; empty during a step in progress (and in a
        viewer's frames without gradients, see `has_grads`)."""
        return self._by_suffix(".grad")

    @property
    def update(self) -> dict[str, Array]:
        """What the next update adds to each parameter (the arrows); see docs/protocol.md."""
        return self._by_suffix(".update")

    @property
    def locked(self) -> dict[str, Array]:
        """Boolean masks, for parameters with a locked dial only."""
        return {n: a.astype(bool) for n, a in self._by_suffix(".locked").items()}

    @property
    def cost(self) -> float:
        return float(self.tensors["cost"][0])

    @property
    def step(self) -> int:
        return int(self.meta["step"])

    @property
    def version(self) -> int | None:
        """Increases with every change; None for a REST state file (it carries none)."""
        v = self.meta.get("version")
        return None if v is None else int(v)

    @property
    def phase(self) -> str:
        return self.meta.get("phase", "")

    @property
    def playing(self) -> bool:
        return self.meta.get("playing") == "true"

    @property
    def running(self) -> bool:
        """Training runs in the background (a long `step` or `play`)."""
        return self.meta.get("running") == "true"

    @property
    def diverged(self) -> str:
        """Why training diverged, in words, or empty."""
        return self.meta.get("diverged", "")

    @property
    def accuracy(self) -> float | None:
        return _number(self.meta.get("accuracy", ""))

    @property
    def test_cost(self) -> float | None:
        return _number(self.meta.get("test_cost", ""))


def next_update(state: Frame) -> dict[str, Array]:
    """The state's `{name}.update` tensors; raises when that update would be refused."""
    refused = state.meta.get("update_refused", "")
    if refused:
        raise BoardError(f"the next update would be refused: {refused}")
    return state.update


def _number(text: str) -> float | None:
    return float(text) if text else None
