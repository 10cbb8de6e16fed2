"""A screen reader hears each phase a person steps to, and nothing while the board plays."""

from __future__ import annotations

from typing import Any

import pytest
from browser_helpers import (
    hold_meta,
    open_board,
    release_meta,
    wait_cost,
    wait_meta,
    wait_phase,
    wait_step,
)

pytestmark = pytest.mark.browser

ANNOUNCE = "[data-testid=phase-announce]"


def test_each_phase_is_announced_politely(page: Any, server: Any) -> None:
    open_board(page, server.url)
    region = page.locator(ANNOUNCE)
    assert region.get_attribute("aria-live") == "polite"
    seen = []
    for phase in ("forward:0", "forward:1", "cost", "backward:1"):
        page.click("[data-testid=phase]")
        wait_phase(page, phase)
        page.wait_for_function(
            "([sel, before]) => document.querySelector(sel).textContent !== before",
            arg=[ANNOUNCE, seen[-1] if seen else ""])
        text = region.text_content()
        heading = page.text_content("#phase .phase-title")
        assert text.startswith(heading) and page.text_content("#phase .phase-words") in text
        seen.append(text)
    assert len(set(seen)) == 4
    current = page.locator("#phase [aria-current=step]")   # the chip of the phase just run
    assert current.count() == 1 and current.get_attribute("data-phase") == "backward:1"
    assert "blame" in seen[-1].lower()   # backward: the blame flowing back is said in words


def test_a_phase_stepped_to_before_the_words_arrive_is_read_with_them(page: Any,
                                                                     server: Any) -> None:
    hold_meta(page)
    page.goto(server.url)
    wait_cost(page)
    page.click("[data-testid=phase]")
    wait_phase(page, "forward:0")
    assert page.text_content(ANNOUNCE) == ""   # no words yet: nothing half said
    release_meta(page)
    wait_meta(page)
    page.wait_for_function(f"() => document.querySelector('{ANNOUNCE}').textContent")
    words = str(page.text_content("#phase .phase-words"))
    assert words and words in str(page.text_content(ANNOUNCE))


def test_nothing_is_announced_while_playing(page: Any, server: Any) -> None:
    open_board(page, server.url)
    page.click("[data-testid=step]")
    wait_step(page, 1)
    page.wait_for_function(f"() => document.querySelector('{ANNOUNCE}').textContent")
    page.evaluate("""sel => { window.__said = [];
        new MutationObserver(() => window.__said.push(document.querySelector(sel).textContent))
          .observe(document.querySelector(sel), {childList: true, characterData: true,
                                                 subtree: true}); }""", ANNOUNCE)
    page.click("[data-testid=play]")
    page.wait_for_function("() => window.dialboard.state().frame?.step >= 20")
    page.click("[data-testid=play]")
    page.wait_for_function("() => window.dialboard.state().frame?.playing === false")
    said = page.evaluate("window.__said")
    assert len(said) <= 1, said   # at most the state it stopped in, once


def test_the_screen_says_when_its_number_is_of_an_earlier_step(page: Any, server: Any) -> None:
    """While training runs the screen's figures are refreshed 12 or 13 times a second; a number
    computed for an earlier step than the dials show says which step it is of."""
    open_board(page, server.url, "/?preset=digits-625")
    page.click("[data-testid=play]")
    # Seen while playing: "at step N", N behind the step the dials are at.
    page.wait_for_function("""() => { const el = document.querySelector('[data-testid=cost-step]');
        if (el.hidden) return false;
        const n = Number(el.textContent.match(/\\d+/)[0]);
        return n < Number(document.querySelector('[data-testid=step-count]').textContent); }""")
    page.click("[data-testid=play]")
    page.wait_for_function("() => window.dialboard.state().frame?.playing === false")
    # Still: the figures are of the dials shown, and nothing more is said.
    page.wait_for_function("() => { const f = window.dialboard.state().frame;"
                           " return f.costStep === f.step"
                           " && document.querySelector('[data-testid=cost-step]').hidden; }")
