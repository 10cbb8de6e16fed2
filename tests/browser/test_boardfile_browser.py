"""Board files through the real page: Save board downloads the file, Load board… and a dropped
file bring it back; the server's refusals show in the status toast."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from browser_helpers import (
    ARTIFACTS,
    TIMEOUT_MS,
    open_board,
    presenting,
    session_id,
    wait_step,
)
from safetensors.numpy import load, load_file, save

pytestmark = pytest.mark.browser

SHOWN_PARAMS = """() => { const f = window.dialboard.state().frame; if (!f) return null;
  return Object.fromEntries(Object.entries(f.params).map(([k, v]) => [k, Array.from(v)])); }"""
# True once every dial the page shows is the given value (frames carry F32).
SHOWS = """(want) => { const f = window.dialboard.state().frame; if (!f) return false;
  return Object.entries(want).every(([k, v]) => f.params[k] && v.every((x, i) =>
    Math.abs(f.params[k][i] - x) <= 1e-6 * Math.max(1, Math.abs(x)))); }"""


def ours(arrays: dict[str, np.ndarray]) -> dict[str, list[float]]:
    """nn.Sequential names → the board's, flattened as the page holds them."""
    return {f"layers.{int(k.split('.')[0]) // 2}.{k.split('.')[1]}": v.ravel().tolist()
            for k, v in arrays.items()}


def assert_server_holds(base: str, sid: str, arrays: dict[str, np.ndarray]) -> None:
    """The board's parameters on the server are exactly the file's (F64)."""
    with urllib.request.urlopen(f"{base}/api/sessions/{sid}/state.safetensors") as res:
        state = load(res.read())
    for name, values in arrays.items():
        layer, kind = name.split(".")
        np.testing.assert_array_equal(state[f"layers.{int(layer) // 2}.{kind}"], values)


def board_file(base: str, preset: str) -> bytes:
    post = urllib.request.Request(f"{base}/api/sessions", method="POST",
                                  data=json.dumps({"preset": preset}).encode(),
                                  headers={"Content-Type": "application/json"})
    sid = json.load(urllib.request.urlopen(post))["id"]
    with urllib.request.urlopen(f"{base}/api/sessions/{sid}/board.safetensors") as res:
        return bytes(res.read())


def drop(page: Any, name: str, blob: bytes) -> None:
    """Drop a file on the board, as a person dragging it from their files would."""
    transfer = page.evaluate_handle(
        "([name, bytes]) => { const t = new DataTransfer();"
        " t.items.add(new File([new Uint8Array(bytes)], name)); return t; }", [name, list(blob)])
    page.dispatch_event("[data-testid=board]", "dragover", {"dataTransfer": transfer})
    assert page.locator(".boardfile-drop").is_visible()
    page.dispatch_event("[data-testid=board]", "drop", {"dataTransfer": transfer})


def test_save_then_load_returns_the_board_to_the_saved_dials(page: Any, server: Any,
                                                             tmp_path: Path) -> None:
    sid = open_board(page, server.url)
    for n in (1, 2, 3):
        page.click("[data-testid=step]")
        wait_step(page, n)
    with page.expect_download() as got:
        page.click("[data-testid=save-board]")
    download = got.value
    assert download.suggested_filename == "dialboard-xor-2-2-1-step3.safetensors"
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    saved = load_file(str(path))
    assert sorted(saved) == ["0.bias", "0.weight", "2.bias", "2.weight"]
    page.wait_for_function(SHOWS, arg=ours(saved))

    for n in (4, 5, 6):
        page.click("[data-testid=step]")
        wait_step(page, n)
    assert not page.evaluate(SHOWS, ours(saved))
    with page.expect_file_chooser() as chooser:
        page.click("[data-testid=load-board]")
    chooser.value.set_files(str(path))
    page.wait_for_function(SHOWS, arg=ours(saved))
    notice = page.locator("[data-testid=notice]", has_text="into this board")
    notice.wait_for()
    assert path.name in notice.text_content()
    assert_server_holds(server.url, sid, saved)
    assert session_id(page) == sid and page.text_content("[data-testid=step-count]") == "6"
    page.keyboard.press("PageUp")   # the load was one undo level: the dials of step 6 return
    page.wait_for_function(f"() => !({SHOWS})({json.dumps(ours(saved))})")


def test_a_dropped_file_of_another_network_opens_as_a_new_board(page: Any, server: Any) -> None:
    sid = open_board(page, server.url)
    blob = board_file(server.url, "circle")
    drop(page, "circle.safetensors", blob)
    page.wait_for_function("() => document.querySelector('[data-testid=board]')"
                           ".dataset.dialCount === '17'", timeout=TIMEOUT_MS)
    page.locator("[data-testid=notice]", has_text="opened as a new board").wait_for()
    new = session_id(page)
    assert new != sid
    page.wait_for_function(SHOWS, arg=ours(load(blob)))
    assert_server_holds(server.url, new, load(blob))


def test_a_file_that_does_not_fit_is_explained_by_name_and_shape(page: Any, server: Any,
                                                                 errors: Any) -> None:
    errors.allow("status of 422")   # Chromium logs every refused request
    open_board(page, server.url)
    presenting(page)
    before = page.evaluate(SHOWN_PARAMS)
    rng = np.random.default_rng(0)
    wider = save({"0.weight": rng.normal(size=(3, 2)), "0.bias": np.zeros(3),
                  "2.weight": rng.normal(size=(1, 3)), "2.bias": np.zeros(1)})
    drop(page, "wider.safetensors", wider)
    toast = page.locator("[data-testid=error]", has_text="wider.safetensors")
    toast.wait_for()
    for words in ("'0.weight'", "expected shape [2, 2], got [3, 2]", "'2.weight'",
                  "expected shape [1, 2], got [1, 3]"):
        assert words in toast.text_content(), toast.text_content()
    drop(page, "notes.txt", b"these are my notes, not a board")
    page.locator("[data-testid=error]", has_text="not a board file").wait_for()
    assert page.evaluate(SHOWN_PARAMS) == before
    assert page.locator(".boardfile-drop").is_hidden()


@pytest.mark.parametrize("size", [(390, 844), (1280, 720), (1920, 1080)])
def test_the_buttons_fit_phones_and_projectors(browser: Any, server: Any, errors: Any,
                                               size: tuple[int, int]) -> None:
    width, height = size
    context = browser.new_context(viewport={"width": width, "height": height})
    try:
        page = errors.watch(context.new_page())
        open_board(page, server.url)
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"boardfile-{width}x{height}.png"))
        # Beside the board menu (wider than 900 px) they must not push the last button out.
        for testid in ("save-board", "load-board", *(["help-button"] if width > 900 else [])):
            box = page.locator(f"[data-testid={testid}]").bounding_box()
            assert box and box["x"] >= 0 and box["x"] + box["width"] <= width, (testid, box)
    finally:
        context.close()


def test_a_student_watching_can_save_the_board_but_not_load_into_it(
        page: Any, server: Any, new_page: Any, tmp_path: Path) -> None:
    sid = open_board(page, server.url)
    page.click("[data-testid=step]")
    wait_step(page, 1)
    viewer = new_page("viewer")
    viewer.goto(f"{server.url}/?watch={sid}")
    wait_step(viewer, 1)
    assert viewer.locator("[data-testid=load-board]").is_hidden()
    with viewer.expect_download() as got:
        viewer.click("[data-testid=save-board]")
    path = tmp_path / "watched.safetensors"
    got.value.save_as(path)
    saved = load_file(str(path))
    assert_server_holds(server.url, sid, saved)
    other = board_file(server.url, "xor")
    drop(viewer, "other.safetensors", other)
    viewer.locator("[data-testid=notice]", has_text="read-only").wait_for()
    assert session_id(viewer) == sid
    assert_server_holds(server.url, sid, saved)
