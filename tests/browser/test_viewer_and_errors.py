"""Viewers follow the presenter read-only; lost connections, refusals and divergence show."""

from __future__ import annotations

from typing import Any

import pytest
from browser_helpers import (
    Server,
    open_board,
    server_session,
    shown_step,
    wait_cost,
    wait_step,
)

pytestmark = pytest.mark.browser


def test_viewer_follows_the_presenter(page: Any, server: Any, new_page: Any) -> None:
    sid = open_board(page, server.url)
    page.click("[data-testid=share-button]")
    link = page.locator("[data-testid=share-link]").get_attribute("href")
    assert link.endswith(f"/?watch={sid}")
    page.keyboard.press("Escape")

    viewer = new_page("viewer")
    viewer.goto(link)
    wait_cost(viewer)
    assert viewer.locator("[data-testid=watching]").is_visible()
    assert "read-only" in viewer.locator("[data-testid=watching]").text_content()
    assert not viewer.locator("[data-testid=step]").is_visible()
    assert viewer.locator("[data-testid=board]").get_attribute("data-dial-count") == "9"

    for n in (1, 2, 3):
        page.click("[data-testid=step]")
        wait_step(page, n)
        wait_step(viewer, n)
    viewer.wait_for_function(
        "c => document.querySelector('[data-testid=cost]').textContent === c",
        arg=page.text_content("[data-testid=cost]"))

    viewer.keyboard.press("PageDown")   # a viewer's clicker does nothing
    viewer.wait_for_timeout(300)
    assert server_session(server.url, sid)["step"] == 3
    assert shown_step(viewer) == 3
    assert viewer.locator("[data-testid=error]").count() == 0


def test_rejected_command_shows_the_servers_message(page: Any, server: Any) -> None:
    open_board(page, server.url)
    page.keyboard.press("PageUp")   # nothing to undo on a fresh board
    toast = page.locator("[data-testid=error]")
    toast.wait_for()
    assert "nothing to undo" in toast.text_content()


def test_divergence_is_shown_in_words(page: Any, server: Any) -> None:
    open_board(page, server.url, "/?preset=sine")
    lr = page.locator("[data-testid=learning-rate]")
    lr.fill("1000")
    lr.press("Enter")
    page.locator("body").click(position={"x": 5, "y": 890})
    for _ in range(6):
        page.click("[data-testid=step]")
        page.wait_for_timeout(100)
    page.wait_for_function(
        "() => document.querySelector('[data-testid=cost]').textContent === 'diverged'")
    assert "NaN" not in page.locator("#screen").text_content()
    assert "diverged" in page.locator(".screen-diverged").text_content()
    toasts = page.locator("[data-testid=error]")
    assert toasts.count() == 1, "a refusal repeated is one toast, not a stack of copies"
    assert "(×" in toasts.first.text_content()


def test_lost_connection_reconnects_and_says_so(browser: Any, errors: Any) -> None:
    srv = Server("reconnect")
    srv.start()
    context = browser.new_context(viewport={"width": 1600, "height": 900})
    page = context.new_page()   # console errors are expected here: the server goes away
    try:
        open_board(page, srv.url)
        srv.stop()
        status = page.locator("[data-testid=connection]")
        page.wait_for_function(
            "() => /reconnecting/.test(document.querySelector('[data-testid=connection]')"
            ".textContent)", timeout=10_000)
        srv.start()
        # The server kept no sessions over its restart, so the page says the board is gone.
        page.wait_for_function(
            "() => /no longer exists|Reconnected/.test(document.querySelector("
            "'[data-testid=connection]').textContent)", timeout=20_000)
        assert status.is_visible()
    finally:
        context.close()
        srv.stop()
