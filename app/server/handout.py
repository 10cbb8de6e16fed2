"""The protocol's side of dials in students' hands (hands.py): a student takes a seat, the
teacher hands dials out or takes them back, and a student's turn is checked and recorded.

Every student's turns since the teacher last acted are one undo level ("the class's turns"),
so thirty hands never bury the teacher's own levels; while training runs they join the run's
level, as the teacher's own turns cannot (those keep their inverse).
"""

from __future__ import annotations

from typing import Any

from dialboard.server.hands import (
    MODES,
    Dial,
    HandsError,
    chosen_groups,
    everyone_groups,
    neuron_groups,
)
from dialboard.server.session import Session

MOST_EVERYONE = 1_000  # dials ranked for "everyone gets one": more than any class has seats


async def take_seat(s: Session, peer: Any, m: dict[str, Any]) -> None:
    if peer.seat is not None and peer.seat != m["seat"]:  # one socket, one student
        raise HandsError("refusal.hands.one_seat")
    s.hands.sit(m["seat"])
    peer.seat = m["seat"]
    peer.send_json(s.hands.for_seat(m["seat"]))
    tell_presenters(s)


async def hand_out(s: Session, peer: Any, m: dict[str, Any]) -> None:
    """`hands`: a new hand-out (`mode`), or only frozen/unfrozen (`open`)."""
    mode = m.get("mode")
    if mode is None and "open" not in m:
        raise HandsError("refusal.hands.empty")
    if mode is not None:
        s.hands.hand_out(mode, _groups(s, mode, m), _seats(s))
    if "open" in m:
        s.hands.open = m["open"]
    tell(s)


def _groups(s: Session, mode: str, m: dict[str, Any]) -> list[list[Dial]]:
    if mode not in MODES:
        raise HandsError("refusal.hands.mode", known=", ".join(MODES), mode=f"{mode!r:.40}")
    t = s.trainer
    if mode == "neuron":
        return neuron_groups(t, m.get("layer", 0))
    if mode == "chosen":
        if "dials" not in m:
            raise HandsError("refusal.hands.dials")
        return chosen_groups(t, m["dials"])
    return everyone_groups(t, MOST_EVERYONE) if mode == "everyone" else []


def _seats(s: Session) -> list[str]:
    return [p.seat for p in s.peers if not p.controls and p.seat]


def tell(s: Session) -> None:
    """Every student hears their own dials; presenters hear the count."""
    for p in s.peers:
        if not p.controls and p.seat:
            p.send_json(s.hands.for_seat(p.seat))
    tell_presenters(s)


def tell_presenters(s: Session) -> None:
    summary = s.hands.summary(s.seated())
    for p in s.peers:
        if p.controls:
            p.send_json(summary)


def check_turn(s: Session, peer: Any, m: dict[str, Any]) -> None:
    """A student may turn only a dial handed to their seat, while the dials are not frozen."""
    seat = getattr(peer, "seat", None)
    dial = (m["name"], s.trainer.index_of(m["name"], m["index"]))
    if s.hands.may_turn(seat, dial):
        return
    if seat is not None and dial in s.hands.dials_of(seat):
        raise HandsError("refusal.hands.frozen")
    raise HandsError("refusal.hands.not_yours", dial=f"{m['name']}{list(dial[1])}")


def student_turn(s: Session, m: dict[str, Any]) -> None:
    t, name = s.trainer, m["name"]
    if s.busy:
        if not s.playing:
            raise HandsError("refusal.hands.long_step")
        t.set_value(name, m["index"], m["value"])  # undone with the run it happened in
        s.timeline.changed(t)
        s.changed(quick=True)
        return
    with s.action("class", "class"):
        t.set_value(name, m["index"], m["value"])
