"""The keyboard gets anywhere on the 13,150-dial board: { } by neuron, < > by layer."""

from __future__ import annotations

from typing import Any

import pytest
from browser_helpers import open_board

pytestmark = pytest.mark.browser

def press_to(page: Any, key: str, want: tuple[str, list[int]]) -> None:
    page.keyboard.press(key)
    page.wait_for_function(
        "([n, i]) => { const s = window.dialboard.state().ui.selected;"
        " return s && s.name === n && String(s.index) === String(i); }", arg=list(want))
    page.wait_for_function(   # the focused slider names the dial (what a screen reader says)
        "id => document.activeElement.getAttribute('aria-label')?.includes(id)",
        arg=f"{want[0]}[{', '.join(map(str, want[1]))}]")


def test_jumps_on_the_big_board(page: Any, server: Any) -> None:
    open_board(page, server.url, "/?preset=digits-625")
    slider = page.locator("[role=slider][data-dial]")
    assert slider.count() == 1   # one roving slider, not 13,150 elements
    slider.focus()
    press_to(page, "]", ("layers.0.weight", [0, 1]))
    press_to(page, "}", ("layers.0.weight", [1, 0]))     # the next neuron of the layer
    press_to(page, "}", ("layers.0.weight", [2, 0]))
    press_to(page, "{", ("layers.0.weight", [1, 0]))
    press_to(page, ">", ("layers.1.weight", [0, 0]))     # the next layer
    press_to(page, ">", ("layers.2.weight", [0, 0]))
    for i in range(1, 10):
        press_to(page, "}", ("layers.2.weight", [i, 0]))
    page.keyboard.press("}")   # past the last neuron: it stays ...
    press_to(page, "]", ("layers.2.weight", [9, 1]))   # ... as the next dial shows
    press_to(page, "<", ("layers.2.weight", [0, 0]))   # first back to this layer's start,
    press_to(page, "<", ("layers.1.weight", [0, 0]))   # then a layer back


def test_jumps_on_a_small_board_move_the_focus(page: Any, server: Any) -> None:
    open_board(page, server.url)
    assert page.locator("[role=slider][data-dial]").count() == 9
    page.locator("[role=slider][data-dial]").first.focus()
    press_to(page, "}", ("layers.0.weight", [1, 0]))
    press_to(page, ">", ("layers.1.weight", [0, 0]))
    press_to(page, "<", ("layers.0.weight", [0, 0]))


@pytest.mark.parametrize("preset", ["xor", "digits-625"])   # a slider per dial, and one roving
def test_the_focused_dial_keeps_the_focus_when_the_board_is_laid_out_again(
        page: Any, server: Any, preset: str) -> None:
    open_board(page, server.url, f"/?preset={preset}")
    page.locator("[role=slider][data-dial]").first.focus()
    press_to(page, "}", ("layers.0.weight", [1, 0]))
    width = page.evaluate("document.querySelector('#board .board-canvas').style.width")
    page.set_viewport_size({"width": 1000, "height": 700})   # a panel beside it grew, say
    page.wait_for_function("w => document.querySelector('#board .board-canvas').style.width !== w",
                           arg=width)
    press_to(page, "{", ("layers.0.weight", [0, 0]))   # the keys still reach the board
