"""Every word on the page comes from the strings tables, in the language the reader chose.

`?lang=pseudo` is English with every piece of text wrapped in ⟦…⟧ by the server (never
stored). The page is walked in many states: every visible text node, every aria-label, title
and placeholder, the document title and every string drawn on a canvas must be wrapped, apart
from what `ALLOWED` names (numbers, maths, dial names: the notation, not the language).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from browser_helpers import (
    ARTIFACTS,
    REPO_ROOT,
    TIMEOUT_MS,
    dial_centre,
    open_board,
    session_id,
    settled,
    wait_cost,
    wait_meta,
    wait_phase,
    wait_step,
)

from dialboard.server.rooms import CODE_ALPHABET

pytestmark = pytest.mark.browser

STRINGS = REPO_ROOT / "app" / "server" / "strings"
ENGLISH: dict[str, str] = json.loads((STRINGS / "en.json").read_text(encoding="utf-8"))
GERMAN: dict[str, str] = json.loads((STRINGS / "de.json").read_text(encoding="utf-8"))

# Where text is not the interface's language, and why:
ALLOWED_REGIONS = (
    "code",                       # parameter names (`layers.0.weight[1, 0]`): the protocol's
    "[data-testid=share-link]",   # a URL
    ".share-big-link",            # the same URL, large
    ".room-join b",               # the join address in the sentence about it: a URL
    ".room-code",                 # the class code (two groups of three): an identifier
    "#lang-menu option",          # each language named in itself, so a reader finds their own
)
# What may stand outside ⟦…⟧ in a text: numbers, maths and notation. No run of two letters
# survives it except these maths words and the protocol's parameter names (a letter with a
# subscript, aⱼ, is notation: subscripts are modifier letters, not counted).
# A class code ("ACE FHJ") is an identifier read off the projector, not a word either.
CLASS_CODE = rf"\b[{CODE_ALPHABET}]{{3}} [{CODE_ALPHABET}]{{3}}\b"
MATHS_WORDS = r"log|tanh|max|n_out|layers\.\d+\.(?:weight|bias)|" + CLASS_CODE

WALK = (Path(__file__).parent / "untranslated.js").read_text(encoding="utf-8")

# Records every string drawn on any canvas, before the page's own scripts run.
CANVAS_SPY = """
window.__canvasTexts = new Set();
const fill = CanvasRenderingContext2D.prototype.fillText;
CanvasRenderingContext2D.prototype.fillText = function (text, ...rest) {
  window.__canvasTexts.add(String(text));
  return fill.call(this, text, ...rest);
};
"""


def untranslated(page: Any) -> list[str]:
    return list(page.evaluate(WALK, [[], list(ALLOWED_REGIONS), MATHS_WORDS]))


def assert_all_wrapped(page: Any, state: str) -> None:
    found = untranslated(page)
    assert not found, f"{state}: text outside the strings tables:\n" + "\n".join(found)


def pseudo_page(new_page: Any, label: str, **options: Any) -> Any:
    page = new_page(label, locale="en-US", **options)
    page.add_init_script(CANVAS_SPY)
    return page




def test_the_pseudo_language_wraps_every_word_on_the_xor_board(new_page: Any, server: Any) -> None:
    page = pseudo_page(new_page, "pseudo")
    open_board(page, server.url, "/?lang=pseudo")
    wait_meta(page)
    assert page.evaluate("document.documentElement.lang") == "en"
    assert_all_wrapped(page, "xor, fresh")

    x, y = dial_centre(page, "layers.0.weight", [0, 0])
    page.mouse.move(x, y)
    page.wait_for_selector(".board-tip:not([hidden])")
    assert_all_wrapped(page, "xor, a dial's tip")
    page.mouse.move(5, 5)

    for phase in ("forward:0", "forward:1", "cost", "backward:1"):
        page.click("[data-testid=phase]")
        wait_phase(page, phase)
        assert_all_wrapped(page, f"xor, mid-step after {phase}")
    page.click("[data-testid=step]")
    wait_step(page, 1)
    page.wait_for_selector("[data-testid=slice] .probe-words b")
    page.wait_for_selector("[data-testid=nudges] .probe-words b")
    assert_all_wrapped(page, "xor, after a step")

    page.keyboard.press("?")
    page.wait_for_selector("[data-testid=help][open]")
    assert_all_wrapped(page, "help dialog")
    page.keyboard.press("Escape")
    page.click("[data-testid=share-button]")
    page.wait_for_selector(".share-dialog[open]")
    assert_all_wrapped(page, "share dialog")
    page.click(".share-large")
    page.wait_for_selector(".share-big:not([hidden])")
    assert_all_wrapped(page, "share link, large")
    page.keyboard.press("Escape")

    page.keyboard.press("p")
    page.wait_for_selector("body.projector")
    assert_all_wrapped(page, "projector mode")
    page.keyboard.press("p")

    page.select_option("[data-testid=learner]", "trial_and_error")
    page.wait_for_function("() => window.dialboard.state().frame.learner === 'trial_and_error'")
    page.click("[data-testid=phase]")
    wait_phase(page, "nudge")
    assert_all_wrapped(page, "trial and error, mid-step")
    page.click("[data-testid=step]")
    wait_step(page, 2)
    assert_all_wrapped(page, "trial and error, after a step")

    viewer = pseudo_page(new_page, "pseudo-viewer")
    viewer.goto(f"{server.url}/?watch={session_id(page)}&lang=pseudo")
    viewer.wait_for_selector("[data-testid=watching]:not([hidden])")
    wait_meta(viewer)
    page.click("[data-testid=step]")
    viewer.wait_for_function("() => window.dialboard.state().frame?.step >= 3")
    assert_all_wrapped(viewer, "viewer via a share link")


def test_the_pseudo_language_wraps_every_word_on_the_digits_board(
        new_page: Any, server: Any) -> None:
    page = pseudo_page(new_page, "pseudo-digits")
    open_board(page, server.url, "/?lang=pseudo&preset=digits-625")
    wait_meta(page)
    page.evaluate("() => window.dialboard.view.zoomToNeuron(0, 0)")
    settled(page)
    assert_all_wrapped(page, "digits-625, a neuron's receptive field")
    page.click("[data-testid=step]")
    wait_step(page, 1)
    page.evaluate("() => window.dialboard.view.fit()")
    settled(page)
    assert_all_wrapped(page, "digits-625 after a step")


# A small table of one's own: two number columns, a text column that cannot be an input and a
# numeric target that may be read as classes or as a number (so the form offers both). Column
# names are the teacher's data, not the interface's words: these are notation, so the walker
# sees only the form's own words around them.
SMALL_CSV = "x1,x2,x3,y\n0.5,1.2,a,1\n0.7,0.3,b,2\n0.1,0.9,c,1\n0.4,0.4,d,2\n"


def test_the_pseudo_language_wraps_the_board_menu_the_forms_and_the_outputs(
        new_page: Any, server: Any) -> None:
    page = pseudo_page(new_page, "pseudo-forms")
    open_board(page, server.url, "/?lang=pseudo")
    wait_meta(page)
    page.wait_for_function(
        "() => document.querySelectorAll('[data-testid=preset] option').length > 2",
        timeout=TIMEOUT_MS)
    page.wait_for_selector("#network .outputs .out-row")
    page.wait_for_selector("[data-testid=save-board]")
    assert page.evaluate("document.querySelector('[data-testid=preset]').selectedOptions[0]"
                         ".textContent").startswith("⟦"), "the preset's title is translated"
    assert_all_wrapped(page, "board menu, board-file buttons and the network's outputs")

    page.click(".custom-open")
    page.wait_for_selector(".custom-dialog[open]")
    assert_all_wrapped(page, "new-board form")
    page.select_option("[data-testid=form-dataset]", "csv")
    page.wait_for_selector("[data-testid=csv-data]:not([hidden])")
    page.click(".custom-form button.primary")
    page.wait_for_selector(".custom-form .form-error:not([hidden])")
    assert_all_wrapped(page, "new-board form, CSV chosen, nothing read yet")

    page.fill("[data-testid=csv-text]", SMALL_CSV)
    page.click("[data-testid=csv-read]")
    page.wait_for_selector("[data-testid=csv-columns] table")
    page.wait_for_selector(".csv-task:not([hidden])")
    assert_all_wrapped(page, "new-board form, a CSV's columns")
    ARTIFACTS.mkdir(exist_ok=True)
    for width, height in ((390, 844), (1280, 720)):
        page.set_viewport_size({"width": width, "height": height})
        page.screenshot(path=str(ARTIFACTS / f"language-pseudo-csv-form-{width}x{height}.png"))
    page.set_viewport_size({"width": 1600, "height": 900})
    page.uncheck("[data-testid=csv-columns] [data-input='0']")
    page.uncheck("[data-testid=csv-columns] [data-input='1']")
    page.wait_for_selector("[data-testid=csv-summary].is-error")
    assert_all_wrapped(page, "new-board form, a CSV with no input ticked")
    page.click(".custom-form button[value=cancel]")
    page.wait_for_selector(".custom-dialog:not([open])", state="attached")

    page.select_option("[data-testid=preset]", "digits")
    page.wait_for_function(
        "() => window.dialboard.state().session?.sizes?.at(-1) === 10", timeout=TIMEOUT_MS)
    page.wait_for_function(
        "() => document.querySelectorAll('#network .outputs .out-row').length === 10",
        timeout=TIMEOUT_MS)
    assert_all_wrapped(page, "ten outputs and the network view")


# A CSV the server refuses: its last row lacks a value. Column names of single letters and
# digits, so the refusal's parameters (row, column) are notation, not words.
SHORT_ROW_CSV = "x1,x2,y\n0.5,1.2,1\n0.7,0.3\n"


def test_the_pseudo_language_wraps_the_servers_refusals(
        new_page: Any, server: Any, errors: Any) -> None:
    """Refusals come by key and are said in the page's language: a refused undo, a refused
    board setting and a refused CSV in the New board dialog, and a divergence (the screen's
    sentence and its toast). A board with named outputs and no momentum: the words here are
    the refusals'."""
    errors.allow("status of 422")  # Chromium logs every refused request
    page = pseudo_page(new_page, "pseudo-refusals")
    open_board(page, server.url, "/?lang=pseudo&preset=digits")
    wait_meta(page)
    page.keyboard.press("PageUp")  # nothing to undo on a fresh board
    page.wait_for_selector("[data-testid=error]")
    assert page.text_content("[data-testid=error]").startswith("⟦")
    assert_all_wrapped(page, "a refused undo's toast")

    page.click(".custom-open")
    page.wait_for_selector(".custom-dialog[open]")
    page.fill(".custom-form [name=batch_size]", "100000")  # more than the data has
    page.click(".custom-form button.primary")
    page.wait_for_selector(".custom-form .form-error:not([hidden])")
    assert "100000" in page.text_content(".custom-form .form-error")
    assert_all_wrapped(page, "new-board form, a setting the server refused")
    page.select_option("[data-testid=form-dataset]", "csv")
    page.fill("[data-testid=csv-text]", SHORT_ROW_CSV)
    page.click("[data-testid=csv-read]")
    page.wait_for_selector("[data-testid=csv-error]:not([hidden])")
    assert "'y'" in page.text_content("[data-testid=csv-error]"), "it names the column"
    assert_all_wrapped(page, "new-board form, a CSV the server refused")
    page.click(".custom-form button[value=cancel]")
    page.wait_for_selector(".custom-dialog:not([open])", state="attached")

    lr = page.locator("[data-testid=learning-rate]")
    lr.fill("1e12")  # the first update pushes a weight past ±1e8
    lr.press("Enter")
    page.wait_for_function("() => window.dialboard.state().frame.learningRate === 1e12")
    page.click("[data-testid=step]")
    page.wait_for_selector(".screen-diverged:not([hidden])")
    page.wait_for_function("() => window.dialboard.state().frame.diverged")
    assert page.text_content(".screen-diverged").startswith("⟦")
    assert_all_wrapped(page, "a diverged board, its sentence and its toast")
    ARTIFACTS.mkdir(exist_ok=True)
    for width, height in ((390, 844), (1280, 720), (1920, 1080)):
        page.set_viewport_size({"width": width, "height": height})
        page.screenshot(path=str(ARTIFACTS / f"language-pseudo-diverged-{width}x{height}.png"))


def test_the_walker_finds_a_word_outside_the_tables(new_page: Any, server: Any) -> None:
    """The check itself can fail: an English word added to the page is reported."""
    page = pseudo_page(new_page, "pseudo-control")
    open_board(page, server.url, "/?lang=pseudo")
    page.evaluate("""() => {
      document.querySelector('.screen-label').append(' hello');
      document.querySelector('[data-testid=step]').title = 'Step';
      document.querySelector('.board-canvas').getContext('2d').fillText('bias', 0, 0);
    }""")
    found = untranslated(page)
    assert any(f.startswith("text in <div") and f.endswith(": hello") for f in found), found
    assert any(f.startswith("title of <button") and f.endswith(": Step") for f in found), found
    assert "drawn on a canvas: bias" in found, found


def visible_text(page: Any) -> str:
    return str(page.evaluate("""() => {
      const out = [];
      const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
      for (let n = walker.nextNode(); n; n = walker.nextNode()) {
        if (n.parentElement.checkVisibility()) out.push(n.textContent);
      }
      return out.join(" ");
    }"""))


def plain(text: str) -> str:
    return re.sub(r"<[^>]+>", "", text)


def test_german_is_shown_with_lang_de_and_laid_out_at_phone_and_laptop_sizes(
        new_page: Any, server: Any) -> None:
    for width, height in ((390, 844), (1280, 720)):
        page = new_page(f"de-{width}", locale="en-US")
        page.set_viewport_size({"width": width, "height": height})
        open_board(page, server.url, "/?lang=de")
        wait_meta(page)
        assert page.evaluate("document.documentElement.lang") == "de"
        assert page.text_content("[data-testid=step]").strip() == GERMAN["transport.step"]
        assert page.text_content(".screen-label").startswith(GERMAN["screen.cost"])
        assert page.get_attribute("#board", "aria-label") == GERMAN["region.board"]
        assert page.input_value("[data-testid=language]") == "de"
        learners = page.eval_on_selector_all(
            "[data-testid=learner] option", "os => os.map(o => o.text)")
        assert learners[0] == GERMAN["meta.learner.gradient_descent.title"]
        page.click("[data-testid=step]")
        wait_step(page, 1)
        page.wait_for_selector("[data-testid=slice] .probe-words b")
        text = visible_text(page)
        english_only = [plain(v) for k, v in ENGLISH.items() if GERMAN[k] != v and
                        "{" not in v and len(v) > 12]
        shown_english = [v for v in english_only if v in text]
        assert not shown_english, f"English shown on the German page: {shown_english}"
        assert plain(GERMAN["phase.step_done"]).replace("{n}", "1") in text
        settled(page)
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"language-de-{width}x{height}.png"), full_page=True)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"the German page is {overflow} px wider than a {width} px window"


def test_the_language_follows_the_browser_the_menu_and_the_memory(
        new_page: Any, server: Any) -> None:
    english = new_page("browser-en", locale="en-US")
    open_board(english, server.url)
    assert english.evaluate("document.documentElement.lang") == "en"
    assert "lang=" not in english.url
    assert english.evaluate("navigator.language").startswith("en")

    german = new_page("browser-de", locale="de-DE")
    open_board(german, server.url)
    assert german.evaluate("document.documentElement.lang") == "de"
    assert "lang=de" in german.url

    page = new_page("menu", locale="en-US")
    sid = open_board(page, server.url)
    with page.expect_navigation():
        page.select_option("[data-testid=language]", "de")
    page.wait_for_function("() => document.documentElement.lang === 'de'")
    wait_cost(page)
    assert session_id(page) == sid, "switching language keeps the presenter's board"
    assert page.evaluate("localStorage.getItem('dialboard-lang')") == "de"
    page.goto(server.url + "/")
    page.wait_for_function("() => document.documentElement.lang === 'de'")
    assert "lang=de" in page.url, "the remembered language wins over the browser's"

