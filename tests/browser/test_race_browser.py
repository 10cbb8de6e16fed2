"""The learner race in Chromium: the presenter opens the race panel, starts a race on XOR,
and both the presenter's and a viewer's page draw a line per learner and name the leader;
screenshots at phone, laptop, full HD and projector sizes; every word from the tables."""

from __future__ import annotations

from typing import Any

import pytest
from browser_helpers import (
    ARTIFACTS,
    TIMEOUT_MS,
    hold_meta,
    next_paint,
    open_board,
    presenting,
    release_meta,
    undrawn_viewer,
    wait_meta,
)
from test_glitches import DRAWN as CANVAS_DRAWN
from test_glitches import glitch_page
from test_language import assert_all_wrapped, pseudo_page

pytestmark = pytest.mark.browser
DRAWN = ("() => { const c = document.querySelector('[data-testid=race-chart]');"
         " const s = document.querySelector('[data-testid=race-sentence]');"
         " return c && c.dataset.lines === '3' && s && s.textContent.length > 20"
         " && /race\\.|\\d/.test(s.textContent)"
         " && document.querySelector('[data-testid=race-stop]').hidden; }")
SIZES = [("phone", 390, 844), ("laptop", 1280, 720), ("fullhd", 1920, 1080)]


def start_race(page: Any, budget: int) -> None:
    page.click("[data-testid=race-open]")
    page.wait_for_selector("[data-testid=race]:not([hidden])")
    page.fill("[data-testid=race-budget]", str(budget))
    page.click("[data-testid=race-start]")


def test_a_viewer_never_sees_the_race_opener_even_before_its_page_draws(
        page: Any, new_page: Any, server: Any) -> None:
    """Views draw at the next animation frame; a frame may reach the state before it (a busy
    machine). The opener is the presenter's only, from the start."""
    sid = open_board(page, server.url, "/?preset=xor")
    viewer = undrawn_viewer(new_page, server.url, sid)
    assert viewer.locator("[data-testid=race-open]").is_hidden()
    page.wait_for_selector("[data-testid=race-open]", state="visible", timeout=TIMEOUT_MS)


def test_a_race_started_on_the_page_is_drawn_for_presenter_and_class(
        page: Any, new_page: Any, server: Any) -> None:
    sid = open_board(page, server.url, "/?preset=xor")
    presenting(page)
    viewer = new_page("viewer")
    hold_meta(viewer)   # the class's race is drawn before its page has the learners' titles
    viewer.goto(f"{server.url}/?watch={sid}")
    viewer.wait_for_function("() => window.dialboard?.state().frame", timeout=TIMEOUT_MS)
    assert viewer.locator("[data-testid=race-open]").is_hidden()  # only the presenter races
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "race-closed.png"))  # the opener, out of the way
    start_race(page, 400)
    for p in (page, viewer):
        p.wait_for_function(DRAWN, timeout=TIMEOUT_MS)
    release_meta(viewer)
    wait_meta(viewer)
    sentence = page.text_content("[data-testid=race-sentence]")
    # And drawn again with them, at the page's next frame: read at once, the viewer's sentence
    # could still name the learners by their keys ("Gradient_descent reached …").
    viewer.wait_for_function(
        "s => document.querySelector('[data-testid=race-sentence]').textContent === s",
        arg=sentence, timeout=TIMEOUT_MS)
    titles = page.evaluate("window.dialboard.state().meta.learners.map(l => l.title)")
    assert any(sentence.lower().startswith(f"{x.lower()} reached ") for x in titles), sentence
    assert sentence[0].isupper()
    assert "forward passes" in sentence
    legend = page.locator("[data-testid=race-legend] li")
    assert legend.count() == 3
    assert "Undo" in page.text_content("[data-testid=race-note]")
    page.check("input[name=race-axis][value=seconds]")  # the wall-time axis draws too
    page.wait_for_function("() => document.querySelector('[data-testid=race-chart]')"
                           ".dataset.lines === '3'", timeout=TIMEOUT_MS)
    page.check("input[name=race-axis][value=passes]")
    for name, w, h in SIZES:
        page.set_viewport_size({"width": w, "height": h})
        page.locator("[data-testid=race]").scroll_into_view_if_needed()
        page.wait_for_function(DRAWN, timeout=TIMEOUT_MS)
        page.screenshot(path=str(ARTIFACTS / f"race-{name}.png"))
    viewer.click("[data-testid=projector]")
    viewer.set_viewport_size({"width": 1920, "height": 1080})
    viewer.locator("[data-testid=race]").scroll_into_view_if_needed()
    viewer.wait_for_function(DRAWN, timeout=TIMEOUT_MS)
    viewer.screenshot(path=str(ARTIFACTS / "race-projector.png"))
    said = page.text_content("[data-testid=race-note]")
    title = next(x for x in titles if f"the dials of {x};" in said)
    page.click("[data-testid=race-close]")  # a finished race closed: forgotten for the class
    viewer.wait_for_selector("[data-testid=race]", state="hidden")
    # The screen still says whose steps its dials hold: "step 0" alone read as untrained.
    passes = page.evaluate("window.dialboard.state().frame.origin.passes")
    for p in (page, viewer):
        note = p.locator("[data-testid=origin-note]")
        note.wait_for(state="visible", timeout=TIMEOUT_MS)
        assert note.text_content() == (f"The dials came from the race: {title}, after "
                                       f"{round(passes)} forward passes. Steps count from there.")
    page.click("[data-testid=undo]")
    viewer.locator("[data-testid=origin-note]").wait_for(state="hidden", timeout=TIMEOUT_MS)


def test_the_race_panel_speaks_only_from_the_tables(new_page: Any, server: Any) -> None:
    page = pseudo_page(new_page, "pseudo")
    open_board(page, server.url, "/?lang=pseudo&preset=xor")
    wait_meta(page)
    presenting(page)
    start_race(page, 50)
    page.wait_for_function(DRAWN, timeout=TIMEOUT_MS)
    assert_all_wrapped(page, "race panel after a race")


def test_a_race_waits_for_its_learners(page: Any, server: Any) -> None:
    hold_meta(page)
    open_board(page, server.url, "/?preset=xor")
    page.click("[data-testid=race-open]")
    page.wait_for_selector("[data-testid=race]:not([hidden])")
    start = page.locator("[data-testid=race-start]")
    assert start.is_disabled()   # no learners to race yet (it threw, before)
    release_meta(page)
    wait_meta(page)
    page.wait_for_function(  # the race panel takes the learners at its next draw
        "() => !document.querySelector('[data-testid=race-start]').disabled"
        " && document.querySelectorAll('input[name=use]').length === 3", timeout=TIMEOUT_MS)


@pytest.mark.parametrize("axis", ["passes", "seconds"])
def test_the_race_charts_words_stay_on_the_canvas(axis: str, new_page: Any, server: Any
                                                  ) -> None:
    """The wall-time axis's last tick ("5.0") was centred on the frame's right end and ran
    off the canvas; every word of the chart lies inside it."""
    page = glitch_page(new_page, 1280, 720)
    open_board(page, server.url, "/?preset=xor")
    presenting(page)
    start_race(page, 400)
    page.wait_for_function(DRAWN, timeout=TIMEOUT_MS)
    page.check(f"input[name=race-axis][value={axis}]")
    page.wait_for_function("() => document.querySelector('[data-testid=race-chart]')"
                           ".dataset.lines === '3'", timeout=TIMEOUT_MS)
    d = page.evaluate(CANVAS_DRAWN, "[data-testid=race-chart]")
    assert len(d["texts"]) >= 4, d["texts"]  # the axis's name and its ticks
    for t in d["texts"]:
        assert t["x0"] >= 0 and t["x1"] <= d["cw"] and t["y0"] >= 0 and t["y1"] <= d["ch"], t


def test_the_race_learners_titles_stand_in_one_line(page: Any, server: Any) -> None:
    """Evolution's extra field (its population) made its column taller, and the other columns'
    titles sat lower than its own."""
    page.set_viewport_size({"width": 1280, "height": 720})
    open_board(page, server.url, "/?preset=digits-625")
    wait_meta(page)
    page.click("[data-testid=race-open]")
    page.wait_for_selector("[data-testid=race]:not([hidden])")
    page.wait_for_function("() => document.querySelectorAll('.race-learner').length === 3",
                           timeout=TIMEOUT_MS)
    tops = page.evaluate("""() => [...document.querySelectorAll('.race-learner')]
      .map((l) => l.querySelector('label').getBoundingClientRect().top)""")
    assert max(tops) - min(tops) < 1, tops


@pytest.mark.parametrize(("width", "height"), [(1280, 720), (1920, 1080)])
def test_the_projector_shows_the_race_result_in_its_window(
        width: int, height: int, new_page: Any, server: Any) -> None:
    """The learners' settings came first: on the projector at 1280 they pushed the chart to
    624-884 px and its sentence to 920 px of a 720 px window."""
    page = glitch_page(new_page, width, height)
    open_board(page, server.url, "/?preset=digits-625&projector=1")
    presenting(page)
    wait_meta(page)
    start_race(page, 200)
    page.wait_for_function(DRAWN, timeout=TIMEOUT_MS)
    next_paint(page)
    for part in ("race-start", "race-sentence"):  # whole
        box = page.locator(f"[data-testid={part}]").bounding_box()
        assert box["y"] >= 0 and box["y"] + box["height"] <= height, (part, box)
    chart = page.locator("[data-testid=race-chart]").bounding_box()  # its lanes at least
    assert min(chart["y"] + chart["height"], height) - chart["y"] >= 0.8 * chart["height"], chart
    page.screenshot(path=str(ARTIFACTS / f"race-projector-{width}.png"))
