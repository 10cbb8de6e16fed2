"""Students hold dials, in real pages: a phone joins by code, follows the teacher through a
lesson step and a board switch, is handed a dial, turns it by touch and the teacher's board
answers; a dial it was not handed stays as it was."""

from __future__ import annotations

import math
from typing import Any

import pytest
from browser_helpers import ARTIFACTS, TIMEOUT_MS, dial_centre, presenting, wait_cost
from test_classroom import join_by_code, room_code, wait_watching
from test_lessons_browser import wait_step_ready

pytestmark = pytest.mark.browser

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True,
         "device_scale_factor": 2}
LESSON_STEP = "() => document.querySelector('[data-testid=lesson]')?.dataset.step === '{k}'"


def value_on(page: Any, name: str, index: list[int]) -> float:
    """The dial's value in the page's newest frame."""
    value: float = page.evaluate(
        "([n, i]) => { const s = window.dialboard.state(), p = s.session.parameters.find("
        "(q) => q.name === n); const k = i.length === 2 ? i[0] * p.shape[1] + i[1] : i[0];"
        " return s.frame.params[n][k]; }", [name, index])
    return value


def handed(phone: Any) -> tuple[str, list[int]]:
    dial = phone.locator("[data-testid=hand-dial]").first
    dial.wait_for()
    index = [int(i) for i in dial.get_attribute("data-index").split(",")]
    return dial.get_attribute("data-name"), index


def test_a_phone_follows_the_class_and_turns_the_dial_it_was_handed(
        page: Any, new_page: Any, server: Any) -> None:
    page.set_viewport_size({"width": 1280, "height": 720})
    page.goto(f"{server.url}/?lesson=slope-of-one-dial")
    wait_step_ready(page, 0)
    phone = new_page("phone", **PHONE)
    join_by_code(phone, server.url, room_code(page))
    phone.wait_for_function(LESSON_STEP.format(k=0))
    page.click("[data-testid=lesson-next]")
    phone.wait_for_function(LESSON_STEP.format(k=1))
    page.click("[data-testid=lesson-close]")

    first = page.evaluate("window.dialboard.state().session.id")
    page.select_option("[data-testid=preset]", "circle")
    page.wait_for_function(f"() => window.dialboard.state().session?.id !== '{first}'")
    second = page.evaluate("window.dialboard.state().session.id")
    phone.wait_for_function(f"() => window.dialboard.state().session?.id === '{second}'")
    wait_cost(phone)
    wait_watching(page, 1)
    presenting(page)
    assert not phone.locator("[data-testid=hands]").is_visible()   # nothing handed yet

    page.click("[data-testid=handout-button]")
    page.click("[data-testid=handout-everyone]")
    page.wait_for_function("() => document.querySelector('[data-testid=hands-held]')"
                           "?.textContent === '1'")
    page.screenshot(path=str(ARTIFACTS / "hands-teacher-dialog-1280.png"))
    page.click(".handout-close")
    # The screen says it too, for the room: how many of the seats hold dials.
    page.wait_for_function("() => document.querySelector('[data-testid=screen-hands]')"
                           "?.textContent === '1 of 1'")
    page.keyboard.press("p")
    page.screenshot(path=str(ARTIFACTS / "hands-projector-1280.png"))
    page.keyboard.press("p")
    name, index = handed(phone)
    assert phone.locator("[data-testid=hands]").is_visible()
    badge = phone.locator("[data-testid=watching]")   # not "read-only" while it holds a dial
    phone.wait_for_function("() => / you turn 1 dial$/.test("
                            "document.querySelector('[data-testid=watching]').textContent.trim())")
    assert "read-only" not in str(badge.text_content())

    # A finger on the board over another dial: the board is read-only on a phone, so no turn.
    other = ("layers.0.weight", [0, 0]) if (name, index) != ("layers.0.weight", [0, 0]) \
        else ("layers.0.weight", [0, 1])
    before_other = value_on(page, *other)
    x, y = dial_centre(phone, *other)
    phone.touchscreen.tap(x, y)

    # A tap left of the dial's centre: the needle points at −90°, two thirds down the scale.
    svg = phone.locator("[data-testid=hand-dial]").first
    scale = -float(svg.get_attribute("aria-valuemin"))
    svg.scroll_into_view_if_needed()
    box = svg.bounding_box()
    phone.touchscreen.tap(box["x"] + box["width"] * 0.1, box["y"] + box["height"] / 2)
    want = -scale * (math.pi / 2) / (3 * math.pi / 4)
    page.wait_for_function(
        "([n, i, w]) => { const s = window.dialboard.state(), p = s.session.parameters.find("
        "(q) => q.name === n); const k = i.length === 2 ? i[0] * p.shape[1] + i[1] : i[0];"
        " return Math.abs(s.frame.params[n][k] - w) < 0.02 * Math.abs(w); }",
        arg=[name, index, want], timeout=TIMEOUT_MS)
    assert value_on(page, *other) == before_other
    phone.wait_for_function(
        "w => Math.abs(Number(document.querySelector('[data-testid=hand-dial]')"
        ".getAttribute('aria-valuenow')) - w) < 0.02 * Math.abs(w)", arg=want)
    phone.screenshot(path=str(ARTIFACTS / "hands-phone-390.png"))

    page.click("[data-testid=handout-button]")
    page.click("[data-testid=handout-freeze]")
    phone.wait_for_selector(".hands.is-frozen")
    phone.wait_for_function("() => /read-only$/.test("
                            "document.querySelector('[data-testid=watching]').textContent.trim())")
    page.click("[data-testid=handout-back]")
    phone.wait_for_selector("[data-testid=hands]", state="hidden")


def test_one_neuron_each_shows_the_neurons_dials_on_the_phone(
        page: Any, new_page: Any, server: Any) -> None:
    page.goto(f"{server.url}/?preset=circle")
    wait_cost(page)
    phone = new_page("phone", **PHONE)
    join_by_code(phone, server.url, room_code(page))
    wait_watching(page, 1)
    page.click("[data-testid=handout-button]")
    page.select_option("[data-testid=handout-layer]", "0")
    page.click("[data-testid=handout-neuron]")
    sizes = page.evaluate("window.dialboard.state().session.sizes")
    phone.wait_for_function(f"() => document.querySelectorAll('[data-testid=hand-dial]')"
                            f".length === {sizes[0] + 1}")
    names = phone.eval_on_selector_all(
        "[data-testid=hand-dial]", "els => els.map((e) => e.dataset.name + ':' + e.dataset.index)")
    assert names == [f"layers.0.weight:0,{i}" for i in range(sizes[0])] + ["layers.0.bias:0"]
    phone.screenshot(path=str(ARTIFACTS / "hands-phone-neuron-390.png"))
