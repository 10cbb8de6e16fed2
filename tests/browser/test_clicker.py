"""A presentation clicker drives the board whatever was last touched (real keys, real page)."""

from __future__ import annotations

import urllib.request
from typing import Any

import pytest
from browser_helpers import (
    ARTIFACTS,
    Server,
    open_board,
    server_session,
    session_id,
    wait_cost,
    wait_step,
)

pytestmark = pytest.mark.browser


def test_clicker_steps_after_a_learning_rate_is_typed(page: Any, server: Any) -> None:
    sid = open_board(page, server.url)
    page.fill("[data-testid=learning-rate]", "0.3")
    page.press("[data-testid=learning-rate]", "Enter")
    page.wait_for_function("() => window.dialboard.state().frame?.learningRate === 0.3")
    assert page.evaluate("document.activeElement === document.body")  # the field let go
    for n in (1, 2, 3):
        page.keyboard.press("PageDown")
        wait_step(page, n)
    assert server_session(server.url, sid)["step"] == 3

    page.focus("[data-testid=learning-rate]")   # focus left in a field, nothing typed
    page.keyboard.press("PageDown")
    wait_step(page, 4)
    page.keyboard.press("PageUp")
    wait_step(page, 3)

    learner = page.eval_on_selector("[data-testid=learner]", "s => s.value")
    page.focus("[data-testid=learner]")   # a focused menu: PageDown must not pick a learner
    page.keyboard.press("PageDown")
    wait_step(page, 4)
    assert page.eval_on_selector("[data-testid=learner]", "s => s.value") == learner
    assert page.locator("[data-testid=error]").count() == 0
    assert session_id(page) == sid


def test_clicker_while_playing_pauses_instead_of_an_error(page: Any, server: Any) -> None:
    open_board(page, server.url)
    page.keyboard.press(" ")
    page.wait_for_function("() => window.dialboard.state().frame?.playing === true")
    page.keyboard.press("PageDown")
    page.wait_for_function("() => window.dialboard.state().frame?.playing === false")
    notice = page.locator("[data-testid=notice]").last
    assert "Paused" in notice.text_content()
    assert page.locator("[data-testid=error]").count() == 0
    before = int(page.text_content("[data-testid=step-count]"))
    page.keyboard.press("PageDown")
    wait_step(page, before + 1)


def test_a_full_server_says_so_and_offers_a_way_out(new_page: Any, errors: Any) -> None:
    """No dead page: the refusal in words, nothing clickable that would do nothing, and a way
    to try again that works once a board is free."""
    full = Server("full", max_sessions="1")
    full.start()
    try:
        errors.allow("status of 503")   # Chromium logs the refused request
        first = new_page("first")
        sid = open_board(first, full.url)
        token = first.evaluate("JSON.parse(sessionStorage.getItem('dialboard-session')).token")
        first.keyboard.press("PageDown")
        wait_step(first, 1)   # a used board: never reclaimed

        second = new_page("second")
        second.goto(full.url)
        conn = second.locator("[data-testid=connection]")
        conn.locator("text=No board could be opened").wait_for()
        assert "its limit" in conn.text_content() and "Try again" in conn.text_content()
        assert second.locator("[data-testid=step]").is_disabled()
        assert second.locator("[data-testid=play]").is_disabled()
        second.screenshot(path=str(ARTIFACTS / "full-server.png"))

        first.close()   # the teacher closes that board's tab, and it is deleted
        request = urllib.request.Request(f"{full.url}/api/sessions/{sid}", method="DELETE",
                                         headers={"Authorization": f"Bearer {token}"})
        assert urllib.request.urlopen(request).status == 204
        second.click("[data-testid=retry]")
        wait_cost(second)
        assert second.locator("[data-testid=step]").is_enabled()
        assert not conn.locator("[data-testid=retry]").is_visible()
        second.close()  # before the server stops: else the page's reconnecting is logged
    finally:
        full.stop()


def test_clicker_steps_after_a_board_is_picked_from_the_menu_or_the_speed_slid(
        page: Any, server: Any) -> None:
    """Focus stayed on the menu: → picked the next board (and the class followed to it); after
    the speed slider was clicked, → moved the speed."""
    xor = open_board(page, server.url, "/?preset=xor")
    page.select_option("[data-testid=preset]", "circle")
    page.wait_for_function("(xor) => { const s = window.dialboard.state();"
                           " return s.session && s.session.id !== xor && s.frame; }", arg=xor)
    sid = session_id(page)
    page.keyboard.press("ArrowRight")
    wait_step(page, 1)
    assert session_id(page) == sid and page.eval_on_selector(
        "[data-testid=preset]", "s => s.value") == "circle"
    speed = page.locator(".speed input[type=range]")
    before = speed.input_value()
    speed.click()
    page.keyboard.press("ArrowRight")
    wait_step(page, 2)
    after = speed.input_value()
    page.keyboard.press("ArrowRight")
    wait_step(page, 3)
    assert speed.input_value() == after and session_id(page) == sid, (before, after)
