"""Time travel in a real page: drag along the cost chart and the board goes back to that step
(the chart keeps the run ahead, dimmed, and says so); keys step through time; a step branches;
undo comes back to the end of the run."""

from __future__ import annotations

from typing import Any

import pytest
from browser_helpers import ARTIFACTS, open_board, presenting, wait_step

pytestmark = pytest.mark.browser

TIMELINE = "() => window.dialboard.state().frame?.timeline"


def timeline(page: Any) -> dict[str, int]:
    got: dict[str, int] = page.evaluate(f"({TIMELINE})()")
    return got


def test_scrub_the_chart_back_in_time_then_branch_and_undo(page: Any, server: Any) -> None:
    page.set_viewport_size({"width": 1280, "height": 720})
    open_board(page, server.url, "/?preset=circle")
    presenting(page)
    page.click("[data-testid=play]")
    page.wait_for_function("() => window.dialboard.state().frame.step >= 40")
    page.click("[data-testid=play]")   # pause
    page.wait_for_function("() => !window.dialboard.state().frame.playing"
                           " && !window.dialboard.state().frame.running")
    last = page.evaluate("window.dialboard.state().frame.step")
    wait_step(page, last)   # drawn
    assert timeline(page) == {"first": 0, "last": last}

    chart = page.locator("[data-testid=cost-chart]")
    assert chart.get_attribute("role") == "slider"
    box = chart.bounding_box()
    x0, x1 = float(chart.get_attribute("data-x0")), float(chart.get_attribute("data-x1"))
    assert int(chart.get_attribute("data-last")) == last
    page.mouse.move(box["x"] + x1 - 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    back = last // 2   # where the hand stops: the last travel of a drag always goes
    page.mouse.move(box["x"] + x0 + back / last * (x1 - x0), box["y"] + box["height"] / 2, steps=8)
    page.mouse.up()
    wait_step(page, back)
    note = page.locator("[data-testid=travel-note]")
    words = note.text_content()
    assert note.is_visible() and f"{back}" in words and f"{last}" in words
    assert chart.get_attribute("aria-valuenow") == str(back)
    page.screenshot(path=str(ARTIFACTS / "timeline-scrubbed-1280.png"))

    chart.focus()   # keys travel one step at a time
    page.keyboard.press("ArrowLeft")
    wait_step(page, back - 1)
    page.keyboard.press("End")
    wait_step(page, last)
    page.keyboard.press("Home")
    wait_step(page, 0)
    page.keyboard.press("Shift+ArrowRight")
    wait_step(page, 10)

    page.click("[data-testid=step]")   # a new future from step 10
    wait_step(page, 11)
    page.wait_for_function(f"() => ({TIMELINE})().last === 11")
    assert not note.is_visible()
    page.click("[data-testid=undo]")
    wait_step(page, 10)
    page.click("[data-testid=undo]")   # the whole scrub is one level: back to the run's end
    wait_step(page, last)
    assert not note.is_visible()
