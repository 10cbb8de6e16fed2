"""A presentation clicker drives the board whatever was last touched (real keys, real page)."""

from __future__ import annotations

from typing import Any

import pytest
from browser_helpers import open_board, server_session, session_id, wait_step

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
