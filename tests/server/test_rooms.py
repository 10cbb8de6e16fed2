"""Rooms: a join code that outlives boards, through a real server and real websocket clients."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import httpx
import pytest

from dialboard.server.rooms import CODE_ALPHABET, CODE_LENGTH, RoomError, normalize_code
from tests.server.live import DEADLINE, Client, Live, live_server, run, until
from tests.server.test_restart import Server

LOOK_ALIKES = "0O1IL2Z5S6G8BQDUV"


def open_room(live: Live, created: dict[str, Any]) -> dict[str, Any]:
    r = httpx.post(f"{live.base}/api/rooms", json={"session": created["id"]},
                   headers={"Authorization": f"Bearer {created['control_token']}"},
                   timeout=DEADLINE)
    assert r.status_code == 201, r.text
    out: dict[str, Any] = r.json()
    return out


def move(live: Live, room: dict[str, Any], created: dict[str, Any]) -> httpx.Response:
    return httpx.put(f"{live.base}/api/rooms/{room['code']}",
                     json={"session": created["id"], "session_token": created["control_token"]},
                     headers={"Authorization": f"Bearer {room['token']}"}, timeout=DEADLINE)


def test_codes_have_no_look_alikes() -> None:
    assert not set(LOOK_ALIKES) & set(CODE_ALPHABET)
    assert CODE_LENGTH == 6


@pytest.mark.parametrize("typed", ["acefhj", "ACE-FHJ", " ace fhj "])
def test_a_typed_code_is_read_leniently(typed: str) -> None:
    assert normalize_code(typed) == "ACEFHJ"


@pytest.mark.parametrize("typed", ["ACEFH", "ACEFHJK", "ACEFH0", "", "ÄCEFHJ"])
def test_a_bad_code_says_what_a_code_is(typed: str) -> None:
    with pytest.raises(RoomError, match="a join code is 6 characters from A C E"):
        normalize_code(typed)


def test_open_a_room_and_find_its_board(live: Live) -> None:
    created = live.create(preset="xor")
    room = open_room(live, created)
    assert len(room["code"]) == CODE_LENGTH and set(room["code"]) <= set(CODE_ALPHABET)
    got = httpx.get(f"{live.base}/api/rooms/{room['code'].lower()}", timeout=DEADLINE).json()
    assert got["session"] == created["id"] and got["watching"] == 0
    assert got["join_url"].endswith(f"/join/{room['code']}")
    assert got["reachable"] is False  # the test server listens on loopback only
    assert "token" not in got


def test_opening_again_keeps_the_code_and_replaces_the_token(live: Live) -> None:
    created = live.create(preset="xor")
    first, second = open_room(live, created), open_room(live, created)
    assert first["code"] == second["code"] and first["token"] != second["token"]
    other = live.create(preset="xor")
    assert move(live, first, other).status_code == 403  # the old token no longer works


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong"}])
def test_a_room_needs_the_boards_control_token(live: Live, headers: dict[str, str]) -> None:
    created = live.create(preset="xor")
    r = httpx.post(f"{live.base}/api/rooms", json={"session": created["id"]}, headers=headers,
                   timeout=DEADLINE)
    assert r.status_code == 403 and "control token" in r.json()["detail"]


def test_unknown_and_malformed_codes(live: Live) -> None:
    r = httpx.get(f"{live.base}/api/rooms/ACEFHJ", timeout=DEADLINE)
    assert r.status_code == 404 and "no class has the code ACEFHJ" in r.json()["detail"]
    r = httpx.get(f"{live.base}/api/rooms/HELLO0", timeout=DEADLINE)
    assert r.status_code == 422 and "a join code is 6 characters" in r.json()["detail"]


def test_qr_code_is_svg_of_the_join_link(live: Live) -> None:
    room = open_room(live, live.create(preset="xor"))
    r = httpx.get(f"{live.base}/api/rooms/{room['code']}/qr.svg", timeout=DEADLINE)
    assert r.status_code == 200 and r.headers["content-type"].startswith("image/svg+xml")
    svg = ET.fromstring(r.text)  # a standalone SVG file, so an <img> shows it
    assert svg.tag == "{http://www.w3.org/2000/svg}svg"
    assert svg.find(".//{http://www.w3.org/2000/svg}path") is not None


def test_join_link_opens_the_board_watching(live: Live) -> None:
    room = open_room(live, live.create(preset="xor"))
    r = httpx.get(f"{live.base}/join/{room['code'].lower()}", timeout=DEADLINE)
    assert r.status_code == 303 and r.headers["location"] == f"/?room={room['code']}"


def test_watchers_follow_the_room_and_the_old_board_closes(live: Live) -> None:
    async def go() -> None:
        first = live.create(preset="xor")
        room = open_room(live, first)
        presenter = await Client.connect(live, first["id"])
        await presenter.json()  # hello
        await presenter.control(first["control_token"])
        assert await presenter.json() == {"type": "audience", "watching": 0}
        students = [await Client.connect(live, first["id"]) for _ in range(3)]
        for s in students:
            assert (await s.json())["type"] == "hello"
        seen = [await presenter.json() for _ in range(3)]
        assert [m["watching"] for m in seen] == [1, 2, 3]

        second = live.create(preset="xor")
        r = move(live, room, second)
        assert r.status_code == 200 and r.json()["session"] == second["id"], r.text
        for s in students:
            assert await s.json() == {"type": "moved", "room": room["code"],
                                      "session": second["id"]}
        await until(lambda: live.session(first["id"]) is None, "the old board is closed")
        got = httpx.get(f"{live.base}/api/sessions/{first['id']}", timeout=DEADLINE)
        assert got.status_code == 404
        found = httpx.get(f"{live.base}/api/rooms/{room['code']}", timeout=DEADLINE).json()
        assert found["session"] == second["id"]

    run(go())


def test_moving_needs_both_tokens(live: Live) -> None:
    first, second = live.create(preset="xor"), live.create(preset="xor")
    room = open_room(live, first)
    r = httpx.put(f"{live.base}/api/rooms/{room['code']}",
                  json={"session": second["id"], "session_token": "nope"},
                  headers={"Authorization": f"Bearer {room['token']}"}, timeout=DEADLINE)
    assert r.status_code == 403
    assert live.session(first["id"]) is not None  # nothing changed
    r = move(live, {**room, "token": "nope"}, second)
    assert r.status_code == 403 and "does not open this room" in r.json()["detail"]
    assert httpx.get(f"{live.base}/api/rooms/{room['code']}",
                     timeout=DEADLINE).json()["session"] == first["id"]


def test_a_deleted_board_takes_its_room_along(live: Live) -> None:
    created = live.create(preset="xor")
    room = open_room(live, created)
    r = httpx.delete(f"{live.base}/api/sessions/{created['id']}",
                     headers={"Authorization": f"Bearer {created['control_token']}"},
                     timeout=DEADLINE)
    assert r.status_code == 204
    assert httpx.get(f"{live.base}/api/rooms/{room['code']}",
                     timeout=DEADLINE).status_code == 404


def test_a_room_survives_a_restart(tmp_path: Path) -> None:
    """The class keeps its code across a server restart (SQLite storage), and the teacher's
    room token still moves it."""
    first = Server(tmp_path / "data", tmp_path / "first.log")
    try:
        board = first.create(preset="xor")
        r = httpx.post(f"{first.base}/api/rooms", json={"session": board["id"]},
                       headers={"Authorization": f"Bearer {board['control_token']}"},
                       timeout=DEADLINE)
        assert r.status_code == 201, r.text
        room = r.json()
    finally:
        first.sigterm()
    second = Server(tmp_path / "data", tmp_path / "second.log")
    try:
        found = httpx.get(f"{second.base}/api/rooms/{room['code']}", timeout=DEADLINE)
        assert found.status_code == 200 and found.json()["session"] == board["id"]
        other = second.create(near=board["id"], preset="xor")  # the room moves beside it
        moved = httpx.put(f"{second.base}/api/rooms/{room['code']}",
                          json={"session": other["id"], "session_token": other["control_token"]},
                          headers={"Authorization": f"Bearer {room['token']}"}, timeout=DEADLINE)
        assert moved.status_code == 200, moved.text
        assert httpx.get(f"{second.base}/api/sessions/{board['id']}",
                         timeout=DEADLINE).status_code == 404
    finally:
        second.sigterm()
    third = Server(tmp_path / "data", tmp_path / "third.log")
    try:  # the move was stored too: the room is on the new board, the old board is gone
        found = httpx.get(f"{third.base}/api/rooms/{room['code']}", timeout=DEADLINE)
        assert found.json()["session"] == other["id"]
        assert httpx.get(f"{third.base}/api/sessions/{board['id']}",
                         timeout=DEADLINE).status_code == 404
    finally:
        third.sigterm()


def test_join_page_asks_for_the_code(live: Live) -> None:
    r = httpx.get(f"{live.base}/join", timeout=DEADLINE)
    assert r.status_code == 200 and "Type the code shown on the projector" in r.text
    assert 'data-testid="join-input"' in r.text and 'role="alert"' not in r.text


def test_join_page_sends_a_good_code_to_its_board(live: Live) -> None:
    room = open_room(live, live.create(preset="xor"))
    typed = f" {room['code'][:3].lower()}-{room['code'][3:]} "
    r = httpx.get(f"{live.base}/join", params={"code": typed}, timeout=DEADLINE)
    assert r.status_code == 303 and r.headers["location"] == f"/?room={room['code']}"


@pytest.mark.parametrize(("typed", "status", "words"), [
    ("ACEFHJ", 404, "No class has the code ACEFHJ"),
    ("HELLO", 422, "A class code has 6 letters and digits"),
])
def test_join_page_says_what_is_wrong_with_a_code(live: Live, typed: str, status: int,
                                                  words: str) -> None:
    r = httpx.get(f"{live.base}/join", params={"code": typed}, timeout=DEADLINE)
    assert r.status_code == status and words in r.text and 'role="alert"' in r.text
    assert f'value="{typed}"' in r.text  # what was typed stays, to correct it


def test_join_page_speaks_the_asked_language(live: Live) -> None:
    r = httpx.get(f"{live.base}/join", params={"code": "ACEFHJ", "lang": "de"},
                  timeout=DEADLINE)
    assert 'lang="de"' in r.text and "Keine Klasse hat den Code ACEFHJ" in r.text
    room = open_room(live, live.create(preset="xor"))
    r = httpx.get(f"{live.base}/join", params={"code": room["code"], "lang": "de"},
                  timeout=DEADLINE)
    assert r.headers["location"] == f"/?room={room['code']}&lang=de"


def test_a_full_server_reclaims_an_unused_board_with_its_room() -> None:
    """Every presenter's page opens a room: a tab closed on an untouched board must not hold a
    place for ever because of it."""
    with live_server(max_sessions=2) as live:
        abandoned = live.create(preset="xor")
        room = open_room(live, abandoned)
        live.create(preset="xor")
        live.create(preset="xor")   # full: the oldest unused board goes, its room with it
        assert live.session(abandoned["id"]) is None
        assert httpx.get(f"{live.base}/api/rooms/{room['code']}",
                         timeout=DEADLINE).status_code == 404


def test_a_board_left_behind_still_answers_probes_already_asked(live: Live) -> None:
    """A probe in flight when the class moved on gets its answer, not a 404 the page logs;
    the board itself is closed (no socket, no REST state) and answers for a while only."""
    first, second = live.create(preset="xor"), live.create(preset="xor")
    room = open_room(live, first)
    assert move(live, room, second).status_code == 200
    base = f"{live.base}/api/sessions/{first['id']}"
    probe = httpx.get(f"{base}/nudges", params={"name": "layers.1.bias", "index": "0"},
                      timeout=DEADLINE)
    assert probe.status_code == 200 and len(probe.json()["nudges"]) == 4
    assert httpx.get(base, timeout=DEADLINE).status_code == 404   # the board is gone
    registry = live.app.state.registry
    live.call(lambda: registry.retired.update(
        {first["id"]: (registry.retired[first["id"]][0], 0.0)}))   # as if long ago
    late = httpx.get(f"{base}/slice", params={"name": "layers.1.bias", "index": "0"},
                     timeout=DEADLINE)
    assert late.status_code == 404
