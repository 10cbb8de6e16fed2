"""Dials in students' hands: the teacher hands a board's dials to the class, and the server
checks every turn a student makes against them (docs/protocol.md, `seat` and `hands`).

A student is a *seat*: a random id the student's tab keeps and sends when it connects. It is
never shown to anyone; the class sees only seat numbers, given in the order seats first
appear on the board. A hand-out makes a list of groups (one neuron's dials, or one dial) and
deals them to the seats in order, round and round when there are more seats than groups;
a seat that arrives later gets the next group, so a late student is not left out.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field

import numpy as np

from dialboard.engine import Trainer
from dialboard.engine.errors import count
from dialboard.server.refusals import Refused

Dial = tuple[str, tuple[int, ...]]
MODES = ("none", "neuron", "chosen", "everyone")
SEAT = re.compile(r"[A-Za-z0-9_-]{16,64}")
# A student's turns: a drag sends one set per animation frame; these many a second reach the
# board (the newest value of each dial is held meanwhile), so thirty phones cost the server
# at most 30 × 20 turns a second.
STUDENT_RATE, STUDENT_BURST = 20.0, 40.0
MAX_CHOSEN = 1_000
MAX_SEATS = 1_000  # a bound on memory per board; more phones than any class holds


class HandsError(Refused):
    """A hand-out, seat or turn the server cannot carry out, in words."""


def _dial_dict(dial: Dial) -> dict[str, object]:
    return {"name": dial[0], "index": list(dial[1])}


def neuron_groups(t: Trainer, layer: int) -> list[list[Dial]]:
    """One group per neuron of `layer` (0 = the first weight layer): its incoming weights,
    row j of the (n_out, n_in) weight matrix, then its bias."""
    n_layers = len(t.arch.layers) - 1
    if not 0 <= layer < n_layers:
        raise HandsError("refusal.hands.layer", last=n_layers - 1, layer=layer)
    n_out, n_in = t.arch.shape(f"layers.{layer}.weight")
    return [[(f"layers.{layer}.weight", (j, i)) for i in range(n_in)]
            + [(f"layers.{layer}.bias", (j,))] for j in range(n_out)]


def everyone_groups(t: Trainer, most: int) -> list[list[Dial]]:
    """One dial each, those that matter first: the largest |∂C/∂w| of the screen's gradient."""
    grads = t.gradient()
    dials: list[tuple[float, Dial]] = []
    for name in t.arch.parameter_names:
        g = np.abs(grads[name]).ravel()
        top = np.argsort(-g, kind="stable")[:most]
        shape = t.arch.shape(name)
        dials += [(float(g[k]), (name, tuple(int(i) for i in np.unravel_index(k, shape))))
                  for k in top]
    dials.sort(key=lambda d: -d[0])  # stable: equal slopes keep the parameters' order
    return [[dial] for _, dial in dials[:most]]


def chosen_groups(t: Trainer, dials: list[dict[str, object]]) -> list[list[Dial]]:
    """The teacher's dials, one each, in the order given (a dial named twice counts once)."""
    if not 1 <= len(dials) <= MAX_CHOSEN:
        raise HandsError("refusal.hands.chosen", most=count(MAX_CHOSEN), n=len(dials))
    seen: dict[Dial, None] = {}
    for d in dials:
        name = str(d["name"])
        seen[(name, t.index_of(name, d["index"]))] = None
    return [[dial] for dial in seen]


@dataclass
class Hands:
    """Who holds which dials of one board."""

    mode: str = "none"
    open: bool = True  # False: the teacher has frozen every handed dial
    groups: list[list[Dial]] = field(default_factory=list)
    numbers: dict[str, int] = field(default_factory=dict)  # seat → its number, from 1
    dealt: dict[str, int] = field(default_factory=dict)  # seat → its group's place in groups
    _holders: dict[Dial, set[str]] = field(default_factory=dict)
    _buckets: dict[str, tuple[float, float]] = field(default_factory=dict)
    _next: int = 0  # the group the next seat gets

    def sit(self, seat: str) -> int:
        """The seat's number (a new seat gets the next one and, if a hand-out is on, a group)."""
        if not SEAT.fullmatch(seat):
            raise HandsError("refusal.hands.seat")
        if seat not in self.numbers:
            if len(self.numbers) >= MAX_SEATS:
                raise HandsError("refusal.hands.full", most=count(MAX_SEATS))
            self.numbers[seat] = len(self.numbers) + 1
        if self.groups and seat not in self.dealt:
            self._deal(seat)
        return self.numbers[seat]

    def hand_out(self, mode: str, groups: list[list[Dial]], seats: list[str]) -> None:
        """Deal `groups` afresh to `seats` (those here now, in seat order); others on arrival."""
        self.mode, self.groups, self.open = mode, groups if mode != "none" else [], True
        self.dealt, self._holders, self._next = {}, {}, 0
        for seat in sorted(seats, key=lambda s: self.numbers.get(s, 0)):
            self.sit(seat)

    def _deal(self, seat: str) -> None:
        k = self._next % len(self.groups)
        self._next += 1
        self.dealt[seat] = k
        for dial in self.groups[k]:
            self._holders.setdefault(dial, set()).add(seat)

    def dials_of(self, seat: str | None) -> list[Dial]:
        k = self.dealt.get(seat) if seat is not None else None
        return [] if k is None else self.groups[k]

    def may_turn(self, seat: str | None, dial: Dial) -> bool:
        return self.open and seat is not None and seat in self._holders.get(dial, ())

    def take(self, seat: str) -> bool:
        """A token of the seat's turn budget (STUDENT_RATE a second, STUDENT_BURST at once)."""
        now = time.monotonic()
        tokens, then = self._buckets.get(seat, (STUDENT_BURST, now))
        tokens = min(STUDENT_BURST, tokens + (now - then) * STUDENT_RATE)
        ok = tokens >= 1
        self._buckets[seat] = (tokens - 1 if ok else tokens, now)
        return ok

    def for_seat(self, seat: str) -> dict[str, object]:
        """What one student's page hears: their number and dials."""
        return {"type": "hands", "seat": self.numbers.get(seat), "mode": self.mode,
                "open": self.open, "dials": [_dial_dict(d) for d in self.dials_of(seat)]}

    def summary(self, here: set[str]) -> dict[str, object]:
        """What the presenter hears: how many of the seats `here` (connected now) hold dials,
        and how many dials the hand-out gave out in all."""
        return {"type": "hands", "seat": None, "mode": self.mode, "open": self.open,
                "seats": len(here), "holding": len(here & self.dealt.keys()),
                "dials": len(self._holders), "groups": len(self.groups)}
