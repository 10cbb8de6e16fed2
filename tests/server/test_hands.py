"""Dials in students' hands, through a real server and real websocket clients: seats, the three
hand-outs, a permission per dial, freezing, taking back, one undo level for the class, and each
student's rate."""

from __future__ import annotations

import asyncio
import re
import secrets
import time
from typing import Any

import numpy as np
import pytest

from dialboard.server.hands import STUDENT_BURST, STUDENT_RATE
from tests.server.live import Client, Frame, Live, opened, run, until


def seat_id() -> str:
    return secrets.token_urlsafe(18)


async def student(live: Live, sid: str, seat: str | None = None) -> tuple[Client, dict[str, Any]]:
    """A phone on the board that takes a seat; returns it and its first `hands` message."""
    c = await Client.connect(live, sid)
    assert (await c.json())["type"] == "hello"
    await c.send({"type": "seat", "seat": seat or seat_id()})
    return c, await reply(c, "hands")


async def reply(c: Client, kind: str) -> dict[str, Any]:
    """The next JSON message of `kind`, skipping others (`audience` and the like)."""
    while True:
        m = await c.json()
        if m["type"] == kind:
            return m
        assert m["type"] != "error", m


def dial_key(d: dict[str, Any]) -> tuple[str, tuple[int, ...]]:
    return d["name"], tuple(d["index"])


async def handed_one(live: Live) -> tuple[Client, str, Client, dict[str, Any]]:
    """A board, its teacher, one student and the dial "everyone gets one" gave them."""
    teacher, created, _ = await opened(live, "xor")
    phone, _ = await student(live, created["id"])
    await teacher.send({"type": "hands", "mode": "everyone"})
    return teacher, created["id"], phone, (await reply(phone, "hands"))["dials"][0]


async def reaches(live: Live, sid: str, dial: dict[str, Any], value: float) -> None:
    def holds() -> bool:
        return float(live.session(sid).trainer.value(dial["name"], tuple(dial["index"]))) == value

    await until(lambda: live.acall(holds), f"the board's {dial} reaches {value}")


async def settled(c: Client, live: Live, sid: str) -> Frame:
    """The frame of the board's current version."""
    version = await live.acall(lambda: live.session(sid).version)
    return await c.frame(version=str(version))


def test_everyone_gets_one_of_the_dials_that_matter_most(live: Live) -> None:
    async def go() -> None:
        teacher, created, first = await opened(live, "xor")
        sid = created["id"]
        phones = [await student(live, sid) for _ in range(3)]
        assert [h["seat"] for _, h in phones] == [1, 2, 3]
        assert all(h["dials"] == [] for _, h in phones)
        await teacher.send({"type": "hands", "mode": "everyone"})
        got = [await reply(p, "hands") for p, _ in phones]
        # The three largest |∂C/∂w| of the screen's gradient, from the frame's own tensors.
        slopes = [(abs(float(first[f"{n}.grad"][idx])), n, idx)
                  for n in ("layers.0.weight", "layers.0.bias", "layers.1.weight", "layers.1.bias")
                  for idx in np.ndindex(first[n].shape)]
        top = sorted(slopes, key=lambda s: -s[0])[:3]
        assert [dial_key(h["dials"][0]) for h in got] == [(n, i) for _, n, i in top]
        summary = await reply(teacher, "hands")
        while summary["mode"] != "everyone":  # the seats' own summaries came first
            summary = await reply(teacher, "hands")
        assert summary["holding"] == 3 and summary["dials"] == 3 and summary["mode"] == "everyone"

    run(go())


def test_a_student_turns_their_dial_and_is_refused_another(live: Live) -> None:
    async def go() -> None:
        teacher, created, _ = await opened(live, "xor")
        sid = created["id"]
        phone, _ = await student(live, sid)
        await teacher.send({"type": "hands", "mode": "neuron", "layer": 1})
        mine = (await reply(phone, "hands"))["dials"]
        assert [dial_key(d) for d in mine] == [("layers.1.weight", (0, 0)),
                                              ("layers.1.weight", (0, 1)), ("layers.1.bias", (0,))]
        await phone.send({"type": "set", "name": "layers.1.bias", "index": [0], "value": 0.625})
        f = await teacher.frame()
        while float(f["layers.1.bias"][0]) != 0.625:
            f = await teacher.frame()
        before = await live.acall(lambda: live.session(sid).version)
        await phone.send({"type": "set", "name": "layers.0.bias", "index": [1], "value": 3.0})
        refusal = await reply(phone, "error")
        assert "not one of your dials" in refusal["message"] and refusal["request_type"] == "set"
        assert await live.acall(lambda: live.session(sid).version) == before  # nothing changed

    run(go())


def test_neurons_are_dealt_round_and_round_and_late_seats_get_the_next(live: Live) -> None:
    async def go() -> None:
        teacher, created, _ = await opened(live, "xor")  # 2 → 2 → 1: layer 0 has two neurons
        sid = created["id"]
        phones = [await student(live, sid) for _ in range(3)]
        await teacher.send({"type": "hands", "mode": "neuron", "layer": 0})
        rows = [{d["index"][0] for d in (await reply(p, "hands"))["dials"]} for p, _ in phones]
        assert rows == [{0}, {1}, {0}]
        late, hands = await student(live, sid)
        assert {d["index"][0] for d in hands["dials"]} == {1} and len(hands["dials"]) == 3
        await late.send({"type": "set", "name": "layers.0.weight", "index": [1, 0], "value": 0.5})
        await late.send({"type": "set", "name": "layers.0.weight", "index": [0, 0], "value": 0.5})
        assert "not one of your dials" in (await reply(late, "error"))["message"]

    run(go())


def test_thirty_students_turn_at_once_one_undo_level_restores_them_all(live: Live) -> None:
    async def go() -> None:
        teacher, created, first = await opened(live, "spiral")   # 105 dials: one each
        sid = created["id"]
        phones = [await student(live, sid) for _ in range(30)]
        await teacher.send({"type": "hands", "mode": "everyone"})
        dials = [(await reply(p, "hands"))["dials"][0] for p, _ in phones]
        assert len({dial_key(d) for d in dials}) == 30
        levels = int(first.meta["undo_levels"])
        values = [0.01 * (k + 1) for k in range(30)]
        await asyncio.gather(*(p.send({"type": "set", **d, "value": v})
                               for (p, _), d, v in zip(phones, dials, values, strict=True)))
        for d, v in zip(dials, values, strict=True):
            await reaches(live, sid, d, v)
        after = await settled(teacher, live, sid)
        assert int(after.meta["undo_levels"]) == levels + 1
        await teacher.send({"type": "undo"})
        back = await teacher.frame(undo_levels=str(levels))
        names = [n for n in first.tensors if re.fullmatch(r"layers\.\d\.(weight|bias)", n)]
        assert len(names) == 6
        for n in names:
            np.testing.assert_array_equal(back[n], first[n])

    run(go())


def test_frozen_dials_refuse_and_taken_back_dials_are_gone(live: Live) -> None:
    async def go() -> None:
        teacher, sid, phone, dial = await handed_one(live)
        await teacher.send({"type": "hands", "open": False})
        assert (await reply(phone, "hands"))["open"] is False
        await phone.send({"type": "set", **dial, "value": 0.5})
        assert "frozen" in (await reply(phone, "error"))["message"]
        await teacher.send({"type": "hands", "open": True})
        assert (await reply(phone, "hands"))["open"] is True
        await phone.send({"type": "set", **dial, "value": 0.5})
        await reaches(live, sid, dial, 0.5)
        await teacher.send({"type": "hands", "mode": "none"})
        assert (await reply(phone, "hands"))["dials"] == []
        await phone.send({"type": "set", **dial, "value": 0.75})
        assert "not one of your dials" in (await reply(phone, "error"))["message"]

    run(go())


def test_a_seat_keeps_its_dials_across_a_reconnect(live: Live) -> None:
    async def go() -> None:
        teacher, created, _ = await opened(live, "xor")
        sid, seat = created["id"], seat_id()
        phone, hands = await student(live, sid, seat)
        await teacher.send({"type": "hands", "mode": "everyone"})
        mine = (await reply(phone, "hands"))["dials"]
        await phone.close()
        _again, hands_again = await student(live, sid, seat)
        assert hands_again["seat"] == hands["seat"] and hands_again["dials"] == mine

    run(go())


def test_a_students_turns_are_rate_limited_and_the_newest_value_wins(live: Live) -> None:
    async def go() -> None:
        _teacher, sid, phone, dial = await handed_one(live)
        start_version = await live.acall(lambda: live.session(sid).version)
        started = time.monotonic()
        values = [round(0.001 * k, 3) for k in range(1, 301)]
        for v in values:  # a drag far faster than any hand: 300 turns at once
            await phone.send({"type": "set", **dial, "value": v})
        await reaches(live, sid, dial, values[-1])
        elapsed = time.monotonic() - started
        applied = await live.acall(lambda: live.session(sid).version) - start_version
        assert applied <= STUDENT_BURST + STUDENT_RATE * elapsed + 1, (applied, elapsed)
        assert applied < len(values)

    run(go())


@pytest.mark.parametrize("message, words", [
    ({"type": "seat", "seat": "short"}, "a seat is 16"),
    ({"type": "hands", "mode": "all"}, "mode must be one of none, neuron, chosen, everyone"),
    ({"type": "hands", "mode": "neuron", "layer": 7}, "layer must be 0 … 1, not 7"),
    ({"type": "hands", "mode": "chosen"}, "mode chosen needs the field 'dials'"),
    ({"type": "hands", "mode": "chosen", "dials": [{"name": "layers.9.bias", "index": [0]}]},
     "unknown parameter"),
    ({"type": "hands", "mode": "chosen", "dials": [{"name": "layers.0.bias"}]},
     "hands.dials must be a list of"),
    ({"type": "hands"}, "hands needs a mode or open"),
])
def test_bad_hand_outs_are_refused_and_change_nothing(live: Live, message: dict[str, Any],
                                                      words: str) -> None:
    async def go() -> None:
        teacher, created, _ = await opened(live, "xor")
        sid = created["id"]
        await teacher.send(message)
        refusal = await reply(teacher, "error")
        assert words in refusal["message"], refusal
        hands = await live.acall(lambda: live.session(sid).hands)
        assert hands.mode == "none" and not hands.numbers and not hands.groups

    run(go())


def test_only_the_presenter_hands_dials_out(live: Live) -> None:
    async def go() -> None:
        _, created, _ = await opened(live, "xor")
        phone, _ = await student(live, created["id"])
        await phone.send({"type": "hands", "mode": "everyone"})
        assert "watching" in (await reply(phone, "error"))["message"]
        # A watcher without a seat is not a student: its turns are refused like any watcher's.
        viewer = await Client.connect(live, created["id"])
        await viewer.json()
        await viewer.send({"type": "set", "name": "layers.0.bias", "index": [0], "value": 1.0})
        assert "watching" in (await reply(viewer, "error"))["message"]

    run(go())


def test_one_socket_takes_one_seat(live: Live) -> None:
    async def go() -> None:
        _, created, _ = await opened(live, "xor")
        phone, _ = await student(live, created["id"])
        await phone.send({"type": "seat", "seat": seat_id()})
        assert "one seat" in (await reply(phone, "error"))["message"]

    run(go())


def test_the_presenter_hears_who_is_here_and_holds_dials(live: Live) -> None:
    async def go() -> None:
        teacher, created, _ = await opened(live, "xor")
        sid = created["id"]
        phones = [await student(live, sid) for _ in range(2)]
        await teacher.send({"type": "hands", "mode": "everyone"})
        summary = await reply(teacher, "hands")
        while summary["mode"] != "everyone":
            summary = await reply(teacher, "hands")
        assert (summary["seats"], summary["holding"]) == (2, 2)
        await phones[0][0].close()   # a student leaves: the count says so at once
        summary = await reply(teacher, "hands")
        assert (summary["seats"], summary["holding"]) == (1, 1)

    run(go())
