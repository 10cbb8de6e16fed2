"""The explanation's own board: 13,150 dials of digits-625, zoomed out, into a neuron, live."""

from __future__ import annotations

import math
from typing import Any

import pytest
from browser_helpers import (
    ARTIFACTS,
    dial_centre,
    open_board,
    settled,
    wait_cost,
    wait_for_server_cost,
    wait_step,
)

pytestmark = pytest.mark.browser

BOARD = "[data-testid=board]"


def lod(page: Any) -> str:
    return str(page.get_attribute(BOARD, "data-lod"))


def test_digits_625_whole_board_and_zoom_to_a_neuron(page: Any, server: Any) -> None:
    sid = open_board(page, server.url, "/?preset=digits-625")
    assert page.get_attribute(BOARD, "data-dial-count") == "13150"
    page.wait_for_function("() => document.querySelector('[data-testid=board]').dataset.lod")
    assert lod(page) in ("cells", "ticks")
    page.screenshot(path=str(ARTIFACTS / "digits625-whole.png"))

    slider = page.locator("[role=slider][data-dial]")
    slider.focus()   # the roving slider starts on layers.0.weight[0, 0], a weight into h1·1
    slider.press("z")
    page.wait_for_function("() => ['dials', 'full'].includes("
                           "document.querySelector('[data-testid=board]').dataset.lod)")
    r = page.evaluate("window.dialboard.dialRect('layers.0.weight', [0, 0])")
    assert r["width"] >= 12, r   # a dial of at least 12 px across: face, scale, needle, arrow
    page.mouse.move(5, 5)
    settled(page)
    page.screenshot(path=str(ARTIFACTS / "digits625-neuron.png"))

    # Turning a dial on the big board moves the screen's number.
    before = wait_for_server_cost(page, server.url, sid)
    x, y = dial_centre(page, "layers.2.bias", [3])
    page.mouse.move(x, y)
    page.mouse.down()
    for k in range(1, 12):
        page.mouse.move(x + 5 * k, y - 5 * k)
    page.mouse.up()
    assert wait_for_server_cost(page, server.url, sid) != before

    page.locator("body").focus()
    page.keyboard.press("0")
    page.wait_for_function("() => window.dialboard.view.zoom === 1")
    assert lod(page) in ("cells", "ticks")


def test_plain_wheel_zooms_the_big_board(page: Any, server: Any) -> None:
    open_board(page, server.url, "/?preset=digits-625")
    box = page.locator(".board-canvas").bounding_box()
    page.mouse.move(box["x"] + box["width"] * 0.3, box["y"] + box["height"] * 0.45)
    for _ in range(8):
        page.mouse.wheel(0, -120)
    page.wait_for_function("() => window.dialboard.view.zoom > 4")
    settled(page)
    page.screenshot(path=str(ARTIFACTS / "digits625-mid-zoom.png"))
    for _ in range(10):
        page.mouse.wheel(0, -120)
    page.wait_for_function("() => window.dialboard.view.zoom > 10")
    assert lod(page) in ("dials", "full")
    page.click("[data-testid=zoom-fit]")
    page.wait_for_function("() => window.dialboard.view.zoom === 1")


def test_digits_625_projector_and_viewer(page: Any, server: Any, new_page: Any) -> None:
    sid = open_board(page, server.url, "/?preset=digits-625&projector=1")
    assert page.evaluate("document.body.classList.contains('projector')")
    page.keyboard.press("PageDown")
    wait_step(page, 1)
    settled(page)
    page.screenshot(path=str(ARTIFACTS / "digits625-projector.png"))

    viewer = new_page("viewer")
    viewer.goto(f"{server.url}/?watch={sid}")
    wait_cost(viewer)
    assert viewer.get_attribute(BOARD, "data-dial-count") == "13150"
    page.keyboard.press("PageDown")
    wait_step(viewer, 2)
    viewer.wait_for_function(
        "c => document.querySelector('[data-testid=cost]').textContent === c",
        arg=page.text_content("[data-testid=cost]"))


@pytest.mark.parametrize("preset", ["circle", "spiral"])
def test_points_under_the_boundary(page: Any, server: Any, preset: str) -> None:
    open_board(page, server.url, f"/?preset={preset}")
    page.wait_for_function("() => window.dialboard.state().points?.test?.inputs.length > 0")
    assert "rings: test examples" in page.text_content(".boundary-note")
    page.locator("#boundary").screenshot(path=str(ARTIFACTS / f"boundary-{preset}.png"))


# Reads, in one go (no paint between), the drawn pixel straight below each dial's pivot, at
# 0.4 of its radius: inside its tint, where no needle (the 90° gap), value arc or arrow goes.
UNDER_PIVOTS = """(dials) => {
  const canvas = document.querySelector('.board-canvas'), box = canvas.getBoundingClientRect();
  const dpr = canvas.width / box.width, g = canvas.getContext('2d'), out = [];
  for (const [name, index] of dials) {
    const r = window.dialboard.dialRect(name, index);
    const x = Math.round((r.x + r.width / 2 - box.left) * dpr);
    const y = Math.round((r.y + r.height / 2 - box.top) * dpr) + Math.floor(0.2 * r.width * dpr);
    const flat = index[0] * 625 + index[1];
    const rgb = Array.from(g.getImageData(x, y, 1, 1).data.slice(0, 3));
    out.push({ value: window.dialboard.state().frame.params[name][flat], rgb });
  }
  const css = getComputedStyle(document.body), colour = (k) => css.getPropertyValue(k).trim();
  const range = window.dialboard.view.scalesShown[0];
  return { out, range, face: colour('--face'), pos: colour('--pos'), neg: colour('--neg') };
}"""


def _rgb(hex_colour: str) -> list[int]:
    return [int(hex_colour.lstrip("#")[i:i + 2], 16) for i in (0, 2, 4)]


def test_a_neurons_dials_are_tinted_by_their_values(page: Any, server: Any) -> None:
    """Zoomed in on a receptive field, each face shows its weight's sign and size as colour:
    face → sign colour by √(|w| / R), at least 1/12 of the way, as the far-out cells do."""
    open_board(page, server.url, "/?preset=digits-625")
    page.click("[data-testid=step]")
    wait_step(page, 1)
    page.evaluate("window.dialboard.view.zoomToNeuron(0, 0)")
    page.mouse.move(5, 5)
    settled(page)
    page.screenshot(path=str(ARTIFACTS / "digits625-tints.png"))
    dials = [["layers.0.weight", [0, j]] for j in range(300, 325)]   # the image's middle row
    got = page.evaluate(UNDER_PIVOTS, dials)
    face = _rgb(got["face"])
    signs = set()
    for d in got["out"]:
        v = d["value"]
        level = max(21, min(255, round(math.sqrt(abs(v) / got["range"]) * 255))) / 255
        ink = _rgb(got["pos"] if v > 0 else got["neg"])
        want = [round(f + (c - f) * level) for f, c in zip(face, ink, strict=True)]
        assert d["rgb"] == (face if v == 0 else want), d
        signs.add(v > 0)
    assert signs == {True, False}, got   # both colours are on the row


@pytest.mark.parametrize(("width", "height"), [(1920, 1080), (1280, 720)])
def test_a_neuron_zoomed_to_stays_shown_when_the_projector_comes_on(
        width: int, height: int, page: Any, server: Any) -> None:
    """The stage changed size under the zoom: the tile's bottom rows fell below it and the
    next neuron was cut at the right. It is shown as a zoom to it on that stage shows it (at
    1920 whole; at 1280 its top left, at the least size of readable dials)."""
    page.set_viewport_size({"width": width, "height": height})
    open_board(page, server.url, "/?preset=digits-625")
    page.wait_for_function("() => document.querySelector('[data-testid=board]').dataset.lod")
    rect = "() => window.dialboard.view.neuronRect(0, 4)"
    page.evaluate("window.dialboard.view.zoomToNeuron(0, 4)")
    for _ in range(2):   # on, and off again
        size = page.evaluate("document.querySelector('.board-stage').clientHeight")
        page.keyboard.press("p")
        page.wait_for_function(
            "h => document.querySelector('.board-stage').clientHeight !== h", arg=size)
        settled(page)
        shown = page.evaluate(rect)
        page.evaluate("window.dialboard.view.zoomToNeuron(0, 4)")
        anew = page.evaluate(rect)
        assert all(abs(shown[k] - anew[k]) < 1 for k in anew), (shown, anew)
        if width == 1920:
            assert shown["y"] >= 0 and shown["y"] + shown["height"] <= shown["stageH"], shown
    page.screenshot(path=str(ARTIFACTS / f"digits625-neuron-projector-{width}.png"))
