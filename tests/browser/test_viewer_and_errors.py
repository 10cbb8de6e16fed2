"""Viewers follow the presenter read-only; lost connections, refusals and divergence show."""

from __future__ import annotations

from typing import Any

import pytest
from browser_helpers import (
    TIMEOUT_MS,
    Server,
    open_board,
    presenting,
    select_dial,
    server_session,
    undrawn_viewer,
    wait_cost,
    wait_step,
)

pytestmark = pytest.mark.browser

DIVERGED = "document.querySelector('[data-testid=cost]').textContent === 'diverged'"
STEP_COUNT = "document.querySelector('[data-testid=step-count]').textContent"


def test_viewer_follows_the_presenter(page: Any, server: Any, new_page: Any) -> None:
    sid = open_board(page, server.url)
    page.wait_for_function("() => window.dialboard.state().room?.code")
    code = page.evaluate("window.dialboard.state().room.code")
    page.click("[data-testid=share-button]")
    link = page.locator("[data-testid=share-link]").get_attribute("href")
    assert link.endswith(f"/join/{code}")   # the class's link: it follows every board
    page.keyboard.press("Escape")

    viewer = new_page("viewer")
    sent: list[str] = []   # every message the viewer's page sends to the server
    viewer.on("websocket", lambda ws: ws.on("framesent", lambda payload: sent.append(
        payload if isinstance(payload, str) else repr(payload))))
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

    viewer.keyboard.press("PageDown")   # a viewer's clicker does nothing ...
    page.click("[data-testid=step]")     # ... as the next step, seen by the viewer, shows:
    wait_step(page, 4)                   # the viewer's page would have sent its step first
    wait_step(viewer, 4)
    assert server_session(server.url, sid)["step"] == 4
    assert not [m for m in sent if '"step"' in m], sent
    assert viewer.locator("[data-testid=error]").count() == 0


# Every control only a presenter may use, by its element on the page.
PRESENTER_ONLY = ("#transport", "#setup", ".boardfile-load", "#midi", ".lesson-menu",
                  ".example-nav", ".share-presenter", "#handout", ".race-bar")


def test_a_viewer_never_sees_a_presenters_control_even_before_its_page_draws(
        page: Any, server: Any, new_page: Any) -> None:
    """Views draw at the next animation frame, and a busy phone may be late to draw: a
    student's page is read-only from its first paint, not from its first draw."""
    viewer = undrawn_viewer(new_page, server.url, open_board(page, server.url, "/?preset=xor"))
    shown = [sel for sel in PRESENTER_ONLY if viewer.locator(sel).first.is_visible()]
    assert shown == []
    drawn = [sel for sel in ("#transport", "#setup", ".boardfile-load", ".example-nav")
             if not page.locator(sel).first.is_visible()]
    assert drawn == []   # the presenter's page shows them: the selectors name them


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
    page.wait_for_function("() => window.dialboard.state().frame.learningRate === 1000")
    for step in range(1, 50):   # each click answered (a step or the divergence) before the next
        page.click("[data-testid=step]")
        page.wait_for_function(f"s => {DIVERGED} || {STEP_COUNT} === String(s)", arg=step)
        if page.evaluate(f"() => {DIVERGED}"):
            break
    assert page.evaluate(f"() => {DIVERGED}"), "a learning rate of 1000 never diverged"
    assert "NaN" not in page.locator("#screen").text_content()
    assert "diverged" in page.locator(".screen-diverged").text_content()
    toasts = page.locator("[data-testid=error]")
    toasts.first.wait_for()
    count = int(toasts.first.get_attribute("data-count"))
    for more in (1, 2):   # refused again and again: still one toast, counting
        page.click("[data-testid=step]")
        page.wait_for_function(
            "n => document.querySelector('[data-testid=error]')?.dataset.count === String(n)",
            arg=count + more)
    assert toasts.count() == 1, "a refusal repeated is one toast, not a stack of copies"
    assert f"(×{count + 2})" in toasts.first.text_content()


def test_lost_connection_reconnects_and_says_so(browser: Any, errors: Any) -> None:
    # What Chromium logs while the server is away and after it comes back without the board:
    # the refused connections, the refused handshake (403) and the board asked for (404).
    for expected in ("WebSocket connection to", "ERR_CONNECTION_REFUSED", "status of 404"):
        errors.allow(expected)
    srv = Server("reconnect")
    srv.start()
    context = browser.new_context(viewport={"width": 1600, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    page = errors.watch(context.new_page())
    try:
        open_board(page, srv.url)
        srv.stop()
        status = page.locator("[data-testid=connection]")
        page.wait_for_function(
            "() => /reconnecting/.test(document.querySelector('[data-testid=connection]')"
            ".textContent)")
        srv.start()
        # The server kept no sessions over its restart (memory only), so the page reconnects
        # to find the board gone, and says so.
        page.wait_for_function(
            "() => /no longer exists/.test(document.querySelector("
            "'[data-testid=connection]').textContent)")
        assert status.is_visible()
        assert "Reconnected" not in status.text_content()
    finally:
        context.close()
        srv.stop()


def test_the_class_looks_at_the_dial_the_presenter_picked(
        page: Any, server: Any, new_page: Any) -> None:
    """Each page picked a dial of its own: "look at the selected dial" sent every student to
    other numbers (a student joining later had none). A student may look elsewhere until the
    presenter picks again."""
    sid = open_board(page, server.url)
    presenting(page)
    select_dial(page, "layers.0.weight", [1, 0])
    viewer = new_page("viewer")
    viewer.goto(f"{server.url}/?watch={sid}")
    wait_cost(viewer)
    shown = ("() => document.querySelector('.phase-dial .dial-name code')?.textContent")
    viewer.wait_for_function(f"{shown} === 'layers.0.weight[1, 0]'", timeout=TIMEOUT_MS)
    select_dial(viewer, "layers.1.bias", [0])   # the student looks elsewhere
    viewer.wait_for_function(f"{shown} === 'layers.1.bias[0]'", timeout=TIMEOUT_MS)
    select_dial(page, "layers.1.weight", [0, 1])
    viewer.wait_for_function(f"{shown} === 'layers.1.weight[0, 1]'", timeout=TIMEOUT_MS)
    assert page.evaluate(shown) == "layers.1.weight[0, 1]"


PANEL_NUMBERS = ("() => [...document.querySelectorAll('[data-testid=phase-panel] .num')]"
                 ".map((e) => e.textContent)")
PANEL_PHASE = "() => window.dialboard.state().frame?.phase"


def test_a_student_s_phase_panel_writes_the_projector_s_numbers(
        page: Any, server: Any, new_page: Any) -> None:
    """From half-precision frames a student's phone wrote g′(z) = 0.2466 where the projector
    wrote 0.2465, and a sum whose terms added to −0.2363 as −0.2362. Phase by phase, the
    numbers of a student's phase panel are the presenter's, digit for digit."""
    sid = open_board(page, server.url)
    presenting(page)
    viewer = new_page("viewer")
    viewer.goto(f"{server.url}/?watch={sid}")
    wait_cost(viewer)
    phases = page.evaluate("window.dialboard.state().session.phases")
    for phase in phases:
        page.click("[data-testid=phase]")
        for p in (page, viewer):
            p.wait_for_function(f"() => ({PANEL_PHASE})() === {phase!r}", timeout=TIMEOUT_MS)
        # The panels fill in at the next animation frame: until both write the same state.
        want = page.evaluate(PANEL_NUMBERS)
        assert want, phase
        viewer.wait_for_function(
            f"w => JSON.stringify(({PANEL_NUMBERS})()) === JSON.stringify(w)", arg=want,
            timeout=TIMEOUT_MS)
