"""A teacher's class and column names reach the page as text, never as markup.

The server refuses `<` and `>` in names (tests/server), so a hostile tag cannot arrive; `&` can.
Names written as entities (`a&lt;b`, `c&amp;d`) would read `a<b` and `c&d` if a view put them
into HTML unescaped; escaped, every view shows them exactly as the CSV spells them. The node
tests (tests/js/html.test.mjs) check the escaping itself with a real `<img onerror>`.
"""

from __future__ import annotations

from typing import Any

import pytest
from browser_helpers import TIMEOUT_MS, open_board, select_dial, wait_step

pytestmark = pytest.mark.browser

NAMES = ("a&lt;b", "c&amp;d")
CSV = "x&amp;1,x2,kind\n" + "".join(
    f"{k * 0.1:.1f},{(k % 3) * 0.5:.1f},{NAMES[k % 2]}\n" for k in range(12))


def test_class_and_column_names_are_shown_as_the_csv_spells_them(page: Any, server: Any) -> None:
    open_board(page, server.url)
    page.click(".custom-open")
    page.select_option("[data-testid=form-dataset]", "csv")
    page.fill("[data-testid=csv-text]", CSV)
    page.click("[data-testid=csv-read]")
    page.wait_for_selector("[data-testid=csv-columns] table")
    columns = page.locator("[data-testid=csv-columns] th[scope=row]").all_text_contents()
    assert columns == ["x&amp;1", "x2", "kind"]
    assert page.locator("[aria-label='x&amp;1: input']").count() == 1
    before = page.url
    page.click("text=Build the board")
    page.wait_for_function(f"() => location.href !== {before!r}", timeout=TIMEOUT_MS)
    page.wait_for_function("() => document.querySelectorAll('.outputs .out-name').length === 2",
                           timeout=TIMEOUT_MS)
    assert page.locator(".outputs .out-name").all_text_contents() == list(NAMES)

    page.click("[data-testid=step]")
    wait_step(page, 1)
    select_dial(page, "layers.1.weight", [1, 0])
    shown = f"“{NAMES[1]}”"
    page.wait_for_function(
        "(s) => document.querySelector('.phase-dial .dial-name')?.textContent.includes(s)",
        arg=shown, timeout=TIMEOUT_MS)
    for where in ("[data-testid=slice] .probe-dial", "[data-testid=nudges] .probe-dial"):
        page.wait_for_function(
            "([q, s]) => document.querySelector(q)?.textContent.includes(s)",
            arg=[where, shown], timeout=TIMEOUT_MS)
