"""A session's audience: its sockets (presenters and the class), told how many watch, and
the lesson step and the dial a presenter shows them."""

import asyncio
import time
from typing import Any, Protocol

from dialboard.server.hands import Hands


class Peer(Protocol):
    controls: bool
    seat: str | None  # a student's seat (hands.py), None until one is taken
    next_frame_at: float  # time.monotonic() when this socket may be sent its next frame

    def wake(self) -> None: ...
    def send_json(self, message: dict[str, Any]) -> None: ...
    def send_last(self, message: dict[str, Any]) -> None: ...
    def close(self) -> None: ...


class Audience:
    """The sockets part of a Session (session.py)."""

    peers: set[Peer]
    alone_since: float | None  # no socket since (None: one is here)
    hands: Hands
    _gone: asyncio.Event  # a socket left (Session.retire waits on it)

    def watching(self) -> int:
        """Sockets following without control: the class."""
        return sum(not p.controls for p in self.peers)

    def join(self, peer: Peer) -> None:
        self.peers.add(peer)
        self.alone_since = None
        self.tell_audience()

    def leave(self, peer: Peer) -> None:
        self.peers.discard(peer)
        if not self.peers:
            self.alone_since = time.monotonic()
        self._gone.set()
        self.tell_audience()

    def seated(self) -> set[str]:
        """The seats of the students here now (hands.py)."""
        return {p.seat for p in self.peers if p.seat and not p.controls}

    def tell_audience(self) -> None:
        """Presenters hear how many are watching whenever it changes, and, while dials are
        handed out, how many of those here hold them."""
        messages = [{"type": "audience", "watching": self.watching()}]
        if self.hands.mode != "none":
            messages.append(self.hands.summary(self.seated()))
        for peer in self.peers:
            if peer.controls:
                for message in messages:
                    peer.send_json(message)

    # -- lesson ---------------------------------------------------------------------------------
    # The presenter's place in a lesson (docs/lessons.md): a `lesson` message, relayed to the
    # class and kept for late joiners; None while no lesson is open. Not saved with the board.
    lesson: dict[str, Any] | None = None

    def show_lesson(self, lesson_id: str | None, step: int) -> None:
        self.lesson = None if lesson_id is None else {"type": "lesson", "id": lesson_id,
                                                      "step": step}
        message = self.lesson or {"type": "lesson", "id": None, "step": 0}
        for peer in self.peers:
            if not peer.controls:
                peer.send_json(message)

    # -- the presenter's dial ------------------------------------------------------------------
    # The dial the presenter's panels explain (docs/protocol.md, `select`), relayed to the class
    # so every panel explains the same one, and kept for late joiners. Not saved with the board.
    selected: dict[str, Any] | None = None

    def show_selected(self, name: str, index: list[int]) -> None:
        self.selected = {"type": "select", "name": name, "index": index}
        for peer in self.peers:
            if not peer.controls:
                peer.send_json(self.selected)
