"""Two fingers pinch the big board, through real touch events (Chrome DevTools Protocol)."""

from __future__ import annotations

from typing import Any

import pytest
from browser_helpers import ARTIFACTS, next_paint, open_board

pytestmark = pytest.mark.browser


def touch(cdp: Any, kind: str, points: list[tuple[float, float]]) -> None:
    cdp.send("Input.dispatchTouchEvent", {
        "type": kind,
        "touchPoints": [{"x": x, "y": y, "id": k} for k, (x, y) in enumerate(points)],
    })


def test_pinching_out_zooms_in_and_pinching_in_zooms_out(page: Any, server: Any) -> None:
    open_board(page, server.url, "/?preset=digits-625")
    page.wait_for_function("() => window.dialboard.view && window.dialboard.view.zoom === 1")
    box = page.locator("[data-testid=board] canvas").first.bounding_box()
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    cdp = page.context.new_cdp_session(page)

    def pinch(start: float, end: float) -> None:
        steps = 12
        touch(cdp, "touchStart", [(cx - start, cy), (cx + start, cy)])
        for k in range(1, steps + 1):   # each touch is dispatched before the call returns
            d = start + (end - start) * k / steps
            touch(cdp, "touchMove", [(cx - d, cy), (cx + d, cy)])
        touch(cdp, "touchEnd", [])
        next_paint(page)   # the page has handled every touch and drawn the result

    pinch(20, 200)  # fingers apart: ten times the distance
    zoomed = page.evaluate("window.dialboard.view.zoom")
    assert zoomed > 4, f"a 10× pinch only zoomed to {zoomed}"
    page.screenshot(path=str(ARTIFACTS / "digits625-pinched.png"))
    pinch(200, 40)  # fingers together
    assert page.evaluate("window.dialboard.view.zoom") < zoomed / 2
