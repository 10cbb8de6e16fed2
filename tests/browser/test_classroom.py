"""A class joins by code and follows the teacher across boards, in real pages."""

from __future__ import annotations

import re
from typing import Any

import pytest
from browser_helpers import ARTIFACTS, open_board, session_id, settled, wait_cost, wait_step

from dialboard.server.rooms import CODE_ALPHABET

pytestmark = pytest.mark.browser

ROOM = "() => window.dialboard.state().room?.code"
DIAL_COUNT = "document.querySelector('[data-testid=board]').dataset.dialCount"


def room_code(page: Any) -> str:
    page.wait_for_function(ROOM)
    code: str = page.evaluate("window.dialboard.state().room.code")
    return code


def wait_watching(page: Any, n: int) -> None:
    page.wait_for_function(f"() => window.dialboard.state().room?.watching === {n}")


def join_by_code(student: Any, base: str, typed: str) -> None:
    student.goto(f"{base}/join")
    student.fill("[data-testid=join-input]", typed)
    student.click("[data-testid=join-go]")
    wait_cost(student)


def test_the_class_joins_by_code_and_follows_every_board(
        page: Any, server: Any, new_page: Any) -> None:
    first = open_board(page, server.url)
    code = room_code(page)
    assert len(code) == 6 and set(code) <= set(CODE_ALPHABET)
    assert "token" not in page.url and first not in page.url  # nothing to copy by mistake

    student = new_page("student", viewport={"width": 390, "height": 844}, has_touch=True)
    join_by_code(student, server.url, f"{code[:3].lower()}-{code[3:].lower()}")
    assert student.url.endswith(f"/?room={code}")
    banner = student.locator("[data-testid=watching]")
    assert banner.is_visible() and f"{code[:3]} {code[3:]}" in banner.text_content()
    assert session_id(student) == first
    assert not student.locator("[data-testid=step]").is_visible()
    wait_watching(page, 1)

    page.click("[data-testid=step]")
    wait_step(student, 1)

    # The teacher picks another board: the student's page follows by itself.
    page.select_option("[data-testid=preset]", "circle")
    page.wait_for_function(f"() => window.dialboard.state().session?.id !== '{first}'")
    second = session_id(page)
    student.wait_for_function(f"() => window.dialboard.state().session?.id === '{second}'")
    dials = student.request.get(f"{server.url}/api/sessions/{second}").json()["parameter_count"]
    for p in (page, student):   # both draw the new board (each once its own frame came)
        p.wait_for_function(f"() => {DIAL_COUNT} === '{dials}'")
    assert room_code(page) == code   # the same code on the projector
    wait_watching(page, 1)
    status = student.request.get(f"{server.url}/api/sessions/{first}").status
    assert status == 404   # the board left behind is closed, not leaked

    page.reload()   # a reload keeps the board and the class
    wait_cost(page)
    assert session_id(page) == second and room_code(page) == code
    wait_watching(page, 1)


def test_share_shows_code_qr_and_why_students_cannot_reach_a_loopback_server(
        page: Any, server: Any) -> None:
    for size, name in (((390, 844), "phone"), ((1280, 720), "laptop")):
        page.set_viewport_size({"width": size[0], "height": size[1]})
        open_board(page, server.url)
        code = room_code(page)
        page.click("[data-testid=share-button]")
        assert page.locator("[data-testid=join-code]").text_content() == code  # the hook's text
        groups = page.locator("[data-testid=join-code] span").all_text_contents()
        assert groups == [code[:3], code[3:]]   # shown in two groups of three
        page.wait_for_function(
            "() => document.querySelector('[data-testid=share-qr]').naturalWidth > 0")
        assert page.locator("[data-testid=room-unreachable]").is_visible()  # loopback only
        assert "dialboard --classroom" in page.text_content("[data-testid=room-unreachable]")
        assert page.locator("[data-testid=share-link]").get_attribute("href").endswith(
            f"/join/{code}")
        assert not page.locator("[data-testid=presenter-link]").is_visible()
        page.click(".presenter-link summary")   # only when asked for, with its warning
        page.wait_for_function(
            "() => document.querySelector('[data-testid=presenter-link]').href")
        link = page.locator("[data-testid=presenter-link]").get_attribute("href")
        assert re.search(r"#session=[\w-]+&token=[\w-]+$", link)
        settled(page)
        page.screenshot(path=str(ARTIFACTS / f"classroom-share-{name}.png"))
        page.keyboard.press("Escape")


def test_projector_shows_the_code_large_with_how_many_watch(
        page: Any, server: Any, new_page: Any) -> None:
    page.set_viewport_size({"width": 1920, "height": 1080})
    open_board(page, server.url, "/?projector=1")
    code = room_code(page)
    student = new_page("student")
    student.goto(f"{server.url}/join/{code}")
    wait_cost(student)
    wait_watching(page, 1)
    badge = page.locator("[data-testid=room-badge]")
    assert badge.is_visible() and page.text_content("[data-testid=viewers]") == "1 watching"
    size = page.evaluate("parseFloat(getComputedStyle(document.querySelector("
                         "'[data-testid=room-badge]')).fontSize)")
    assert size >= 28
    settled(page)
    page.screenshot(path=str(ARTIFACTS / "classroom-projector.png"))
    badge.click()
    big = page.locator("[data-testid=share-big]")
    assert big.is_visible() and code in big.text_content()
    page.wait_for_function(
        "() => document.querySelector('.share-big .room-qr').naturalWidth > 0")
    page.screenshot(path=str(ARTIFACTS / "classroom-projector-large.png"))
    student.close()
    wait_watching(page, 0)


def test_a_wrong_code_is_said_on_the_phone(new_page: Any, server: Any, errors: Any) -> None:
    errors.allow("/join?code=ACEFHJ")   # the page answers 404: no such class
    phone = new_page("phone", viewport={"width": 360, "height": 640}, has_touch=True)
    phone.goto(f"{server.url}/join")
    phone.fill("[data-testid=join-input]", "ACEFHJ")
    phone.click("[data-testid=join-go]")
    alert = phone.locator("[role=alert]")
    assert "No class has the code ACEFHJ" in alert.text_content()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    phone.screenshot(path=str(ARTIFACTS / "classroom-join-phone.png"))
