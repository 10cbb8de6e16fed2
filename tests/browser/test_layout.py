"""Every size works: phones to 4K, presenter and student, and the projector that explains.
Boxes are measured in a real page: nothing overlaps, nothing scrolls sideways, fingers fit."""

from __future__ import annotations

from typing import Any

import pytest
from browser_helpers import (
    ARTIFACTS,
    SPY,
    next_paint,
    open_board,
    settled,
    wait_cost,
    wait_meta,
    wait_phase,
)

pytestmark = pytest.mark.browser

SIZES = [(360, 640), (390, 844), (820, 1180), (1280, 720), (1920, 1080), (3840, 2160)]
REGIONS = ("#screen", "#transport", "#board", "#phase", "#network", ".topbar")
FINGER = 44  # px: the smallest touch target, both ways (the zoom buttons were 35 px wide)

# Boxes of the regions shown, and every control a finger may need, measured in the page.
MEASURE = """([regions, finger]) => {
  const box = (el) => {
    const r = el.getBoundingClientRect();
    return [r.left, r.top, r.right, r.bottom];
  };
  const shown = (el) => el && el.checkVisibility({ visibilityProperty: true })
    && el.getBoundingClientRect().width > 0;
  const out = { regions: {}, small: [], scroll: document.documentElement.scrollWidth - innerWidth };
  for (const sel of regions) {
    const el = document.querySelector(sel);
    if (shown(el)) out.regions[sel] = box(el);
  }
  const controls = "button, select, input:not([type=hidden]), summary, a[href]";
  for (const el of document.querySelectorAll(controls)) {
    if (!shown(el) || el.closest(".skip, dialog:not([open])")) continue;
    const r = el.getBoundingClientRect();
    if (r.height >= finger && r.width >= finger) continue;
    const name = el.dataset.testid || el.className || el.textContent.trim().slice(0, 20);
    const size = `${Math.round(r.width)}×${Math.round(r.height)}px`;
    out.small.push(`${el.tagName.toLowerCase()} ${name} ${size}`);
  }
  return out;
}"""


def overlaps(a: list[float], b: list[float]) -> bool:
    return a[0] < b[2] - 1 and b[0] < a[2] - 1 and a[1] < b[3] - 1 and b[1] < a[3] - 1


def check(page: Any, what: str, phone: bool) -> dict[str, Any]:
    m: dict[str, Any] = page.evaluate(MEASURE, [list(REGIONS), FINGER])
    assert m["scroll"] <= 0, f"{what}: scrolls sideways by {m['scroll']} px"
    boxes = m["regions"]
    clash = [(a, b) for i, a in enumerate(boxes) for b in list(boxes)[i + 1:]
             if overlaps(boxes[a], boxes[b])]
    assert not clash, f"{what}: regions overlap: {clash}"
    if phone:
        assert not m["small"], f"{what}: touch targets under {FINGER} px: {m['small']}"
    return m


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_presenter_and_student_at_every_size(width: int, height: int, new_page: Any,
                                              server: Any) -> None:
    phone = width < 900
    teacher = new_page("teacher", viewport={"width": width, "height": height}, has_touch=phone)
    open_board(teacher, server.url)
    teacher.click("[data-testid=phase]")
    wait_phase(teacher, "forward:0")
    wait_meta(teacher)
    check(teacher, f"presenter {width}×{height}", phone)
    settled(teacher)
    teacher.screenshot(path=str(ARTIFACTS / f"layout-presenter-{width}x{height}.png"))

    teacher.wait_for_function("() => window.dialboard.state().room?.code")
    code = teacher.evaluate("window.dialboard.state().room.code")
    student = new_page("student", viewport={"width": width, "height": height}, has_touch=phone)
    student.goto(f"{server.url}/join/{code}")
    wait_cost(student)
    wait_phase(student, "forward:0")
    wait_meta(student)
    m = check(student, f"student {width}×{height}", phone)
    # What a student needs in view order: the number, the chart, what this phase means, the board.
    for sel in ("#screen", "#phase", "#board"):
        assert sel in m["regions"], f"student {width}×{height}: {sel} not shown"
    assert student.locator(".screen-chart, [data-testid=chart]").first.is_visible()
    assert student.locator("#phase .phase-words").is_visible()
    next_paint(student)  # (its "live" dot pulses for ever: nothing to settle)
    student.screenshot(path=str(ARTIFACTS / f"layout-student-{width}x{height}.png"))


@pytest.mark.parametrize(("width", "height", "explain_px"), [(1920, 1080, 24), (1280, 720, 20)])
def test_the_projector_explains(width: int, height: int, explain_px: int, page: Any,
                                server: Any) -> None:
    page.set_viewport_size({"width": width, "height": height})
    open_board(page, server.url, "/?projector=1")
    for phase in ("forward:0", "forward:1", "cost", "backward:1"):  # blame: the words and δ
        page.click("[data-testid=phase]")
        wait_phase(page, phase)
    wait_meta(page)
    m = check(page, f"projector {width}×{height}", phone=False)
    for sel in ("#screen", "#phase", "#network", "#board"):
        assert sel in m["regions"], f"projector: {sel} hidden"
    page.wait_for_function("() => window.dialboard.state().room?.code")
    badge = page.locator("[data-testid=room-badge]").bounding_box()
    screen = page.locator("#screen").bounding_box()
    assert badge["x"] >= screen["x"] + screen["width"] or badge["y"] >= screen["y"] + screen[
        "height"], "the class badge covers the screen"
    words = page.evaluate("parseFloat(getComputedStyle(document.querySelector("
                          "'#phase .phase-words')).fontSize)")
    number = page.evaluate("parseFloat(getComputedStyle(document.querySelector("
                           "'#phase .num')).fontSize)")
    assert words >= explain_px and number > words * 0.99
    settled(page)
    page.screenshot(path=str(ARTIFACTS / f"layout-projector-{width}x{height}.png"))


@pytest.mark.parametrize(("width", "beside"), [(390, False), (820, True), (1280, True)])
def test_the_screens_figures_stand_beside_its_number_where_there_is_room(
        width: int, beside: bool, page: Any, server: Any) -> None:
    """A tablet's single column is wide enough: the figures beside the number, the chart under
    both (they were stacked as on a phone, the screen half empty)."""
    page.set_viewport_size({"width": width, "height": 900})
    open_board(page, server.url)
    number = page.locator("#screen .screen-main").bounding_box()
    figures = page.locator("#screen .screen-stats").bounding_box()
    assert (figures["x"] >= number["x"] + number["width"]) is beside, (number, figures)
    assert (figures["y"] < number["y"] + number["height"]) is beside, (number, figures)


@pytest.mark.parametrize(("width", "height"), [(390, 844), (360, 740), (820, 1180)])
def test_a_students_live_badge_covers_nothing_wherever_the_page_is_scrolled(
        width: int, height: int, new_page: Any, server: Any) -> None:
    """Floating at the window's foot, it covered a row of whatever scrolled under it (and the
    page's last row, until the page left room for it)."""
    teacher = new_page("teacher")
    open_board(teacher, server.url, "/?preset=digits-625")
    sid = teacher.evaluate("window.dialboard.state().session.id")
    student = new_page("student", viewport={"width": width, "height": height}, has_touch=True)
    student.goto(f"{server.url}/?watch={sid}")
    wait_cost(student)
    badge = student.locator("[data-testid=watching]")
    badge.wait_for(state="visible")
    wait_meta(student)
    student.wait_for_function("() => document.querySelectorAll('#network .out-row').length == 10")
    for at in (0.0, 0.3, 0.6, 1.0):  # of the way down
        under = student.evaluate("""(at) => {
          scrollTo(0, at * (document.documentElement.scrollHeight - innerHeight));
          const b = document.querySelector('[data-testid=watching]').getBoundingClientRect();
          return [...document.querySelectorAll('.layout section, .layout .panel')]
            .filter((el) => el.checkVisibility())
            .filter((el) => { const r = el.getBoundingClientRect();
              return r.left < b.right && b.left < r.right
                && r.top < b.bottom && b.top < r.bottom; })
            .map((el) => el.id || el.className);
        }""", at)
        assert not under, f"{width} px, {at:.0%} down: the live badge covers {under}"


@pytest.mark.parametrize(("width", "height"), [(1280, 720), (1920, 1080)])
def test_a_wide_page_never_scrolls_as_a_whole(width: int, height: int, page: Any,
                                                server: Any) -> None:
    """Its columns scroll, the page does not: the phase panel's words for screen readers,
    placed against the page rather than inside their scrolling column, stood 53 px below a
    1280×720 window, and the page scrolled the top bar half away when a lesson opened."""
    page.set_viewport_size({"width": width, "height": height})
    open_board(page, server.url, "/?preset=digits-625")
    for phase in ("forward:0", "forward:1", "forward:2", "cost"):
        page.click("[data-testid=phase]")
        wait_phase(page, phase)
    wait_meta(page)
    settled(page)
    overflow = page.evaluate("document.documentElement.scrollHeight - innerHeight")
    assert overflow <= 0, f"the page scrolls by {overflow} px"


# The rows the top bar's shown controls stand in: their vertical centres, 20 px apart or more.
TOP_ROWS = """() => {
  const centres = [...document.querySelectorAll(
      '.topbar .brand, .topbar button, .topbar select, .topbar a[href]')]
    .filter((el) => !el.closest('dialog') && el.checkVisibility({ visibilityProperty: true })
      && el.getBoundingClientRect().width > 0)
    .map((el) => { const r = el.getBoundingClientRect(); return (r.top + r.bottom) / 2; })
    .sort((a, b) => a - b);
  return centres.filter((c, i) => i === 0 || c - centres[i - 1] >= 20).length;
}"""


@pytest.mark.parametrize(("width", "height", "lang", "teacher_rows", "student_rows"), [
    (360, 640, "en", 4, 2), (390, 844, "en", 4, 1), (390, 844, "de", 4, 1), (360, 640, "de", 4, 2),
    (820, 1180, "en", 2, 1), (820, 1180, "de", 2, 1), (1024, 768, "de", 2, 1),
    (1280, 720, "en", 1, 1), (1280, 720, "de", 1, 1), (1600, 900, "de", 1, 1),
    (1920, 1080, "en", 1, 1)])
def test_the_top_bar_takes_few_rows(width: int, height: int, lang: str, teacher_rows: int,
                                    student_rows: int, new_page: Any, server: Any) -> None:
    """Phones' top bar took five rows (the brand alone in the first) and a tablet's four,
    pushing the screen to a third of the way down; at 1920 the buttons' names made two, and
    at 1280 a presenter's controls did (46 px less for the board on a 720 px laptop)."""
    phone = width < 900
    teacher = new_page("teacher", viewport={"width": width, "height": height}, has_touch=phone)
    open_board(teacher, server.url, f"/?lang={lang}")
    teacher.wait_for_function("() => window.dialboard.state().room?.code")
    settled(teacher)
    assert teacher.evaluate(TOP_ROWS) <= teacher_rows
    check(teacher, f"presenter {width}×{height} {lang}", phone)
    code = teacher.evaluate("window.dialboard.state().room.code")
    student = new_page("student", viewport={"width": width, "height": height}, has_touch=phone)
    student.goto(f"{server.url}/join/{code}?lang={lang}")
    wait_cost(student)
    badge = student.locator("[data-testid=watching]")
    badge.wait_for(state="visible")
    next_paint(student)  # (its "live" dot pulses for ever: nothing to settle)
    assert student.evaluate(TOP_ROWS) <= student_rows
    check(student, f"student {width}×{height} {lang}", phone)
    # The live badge in one line (two covered twice the rows it floats over).
    line = badge.evaluate("(el) => parseFloat(getComputedStyle(el).lineHeight) || "
                          "1.2 * parseFloat(getComputedStyle(el).fontSize)")
    assert badge.bounding_box()["height"] < 2 * line + 16, badge.bounding_box()
    bar, box = student.locator(".topbar").bounding_box(), badge.bounding_box()
    assert box["y"] + box["height"] <= bar["y"] + bar["height"], (box, bar)  # not over the page


@pytest.mark.parametrize("lang", ["en", "de"])
@pytest.mark.parametrize("width", [1920, 2560])
def test_a_wide_top_bar_names_the_whole_board(width: int, lang: str, page: Any,
                                              server: Any) -> None:
    """At 1920 the board menu read "The explanation'" with hundreds of pixels free beside it:
    a teacher could not tell which board was loaded."""
    page.set_viewport_size({"width": width, "height": 1080})
    open_board(page, server.url, f"/?preset=digits-625&lang={lang}")
    wait_meta(page)
    # Narrower than its cap: the menu has its own width, that of its longest name, whole.
    width, cap, text = page.evaluate("""() => {
      const s = document.querySelector('[data-testid=preset]'), cap = getComputedStyle(s).maxWidth;
      return [s.offsetWidth, parseFloat(cap), s.options[s.selectedIndex].text];
    }""")
    assert "625-20-20-10" in text and width < cap, (text, width, cap)
    assert page.evaluate(TOP_ROWS) == 1


@pytest.mark.parametrize("width", [390, 820])
def test_the_race_button_stands_under_the_transport_on_one_column(width: int, page: Any,
                                                                   server: Any) -> None:
    """In one column the race's button stood above the screen, first thing on the page."""
    page.set_viewport_size({"width": width, "height": 900})
    open_board(page, server.url)
    race = page.locator("[data-testid=race-open]")
    race.wait_for(state="visible")
    transport = page.locator("#transport").bounding_box()
    assert race.bounding_box()["y"] >= transport["y"] + transport["height"]
    assert race.bounding_box()["y"] < page.locator("#board").bounding_box()["y"]


@pytest.mark.parametrize(("width", "height"), [(360, 640), (1280, 720)])
def test_the_help_sheet_opens_at_its_top(width: int, height: int, page: Any,
                                          server: Any) -> None:
    """It focused its Close button, at the end, and so opened scrolled to the bottom: its
    title and first keys out of sight."""
    page.set_viewport_size({"width": width, "height": height})
    open_board(page, server.url)
    page.click("[data-testid=help-button]")
    page.locator("[data-testid=help][open]").wait_for()
    settled(page)
    assert page.evaluate("document.querySelector('[data-testid=help]').scrollTop") == 0
    title = page.locator("#help-title").bounding_box()
    box = page.locator("[data-testid=help]").bounding_box()
    assert box["y"] <= title["y"] and title["y"] + title["height"] <= box["y"] + box["height"]
    page.keyboard.press("Escape")
    page.locator("[data-testid=help][open]").wait_for(state="detached")


@pytest.mark.parametrize("lang", ["en", "de"])
def test_the_race_settings_fit_a_small_phone(lang: str, new_page: Any, server: Any) -> None:
    """In German at 360 px a label and its field, whole, were wider than the panel: the
    close button, the budget's field and the axis's second choice ran 7-20 px out of it."""
    page = new_page("teacher", viewport={"width": 360, "height": 640}, has_touch=True)
    open_board(page, server.url, f"/?preset=digits-625&lang={lang}")
    page.click("[data-testid=race-open]")
    page.locator("[data-testid=race]").wait_for()
    wait_meta(page)
    out = page.evaluate("""() => {
      const panel = document.querySelector('[data-testid=race]');
      const right = panel.getBoundingClientRect().right;
      return [...panel.querySelectorAll('*')].filter((el) => el.checkVisibility()
        && el.getBoundingClientRect().right > right + 0.5)
        .map((el) => [el.className || el.tagName, el.getBoundingClientRect().right - right]);
    }""")
    assert not out, out
    assert page.evaluate("document.documentElement.scrollWidth - innerWidth") <= 0


@pytest.mark.parametrize("lang", ["en", "de"])
def test_a_phones_board_gives_its_dials_the_room(lang: str, new_page: Any, server: Any) -> None:
    """At 360 px the legend stood beside the zoom buttons, squeezed to a 140 px column that
    pushed the layers side by side and the dials down to 20 px; its hint spoke of a wheel, a
    right button and keys a phone has not."""
    page = new_page("teacher", viewport={"width": 360, "height": 640}, has_touch=True,
                    is_mobile=True)
    open_board(page, server.url, f"/?lang={lang}")
    wait_meta(page)
    page.locator("#board").scroll_into_view_if_needed()
    next_paint(page)
    legend = page.locator(".board-legend").bounding_box()
    bar = page.locator(".board-bar").bounding_box()
    assert legend["width"] >= 0.9 * bar["width"], (legend, bar)
    dial = page.evaluate("window.dialboard.dialRect('layers.0.weight', [0, 0])")
    assert dial["width"] >= 24, dial
    hint = page.locator(".board-legend .hint").inner_text()
    words = {"en": ("wheel", "right-click"), "de": ("Mausrad", "Rechtsklick")}[lang]
    assert not any(w in hint for w in words), hint


SMALL_PRINT = """() => [...document.querySelectorAll('body *')]
  .filter((el) => el.checkVisibility() && [...el.childNodes].some(
    (n) => n.nodeType === 3 && n.textContent.trim()))
  .map((el) => [el.textContent.trim().slice(0, 30), parseFloat(getComputedStyle(el).fontSize)])
  .filter(([, px]) => px < 15)
  .concat(window.__drawn.flatMap((d) => d.texts.filter((w) => w.px < 15)
    .map((w) => [d.canvas.className || "offscreen", w.text, w.px])))"""


@pytest.mark.parametrize(("width", "height"), [(1280, 720), (1920, 1080)])
def test_no_word_on_the_projector_is_small_print(width: int, height: int, page: Any,
                                                 server: Any) -> None:
    """The network's example and its buttons, the outputs' heading and the race's opener were
    13 px on the projector, unread past the first rows of a classroom; so were the network's
    neuron labels (12 px on its canvas), the race's settings, legend and chart (12.8–14 px),
    a lesson card's head (13 px), a dial's tip (12–13 px; the same tip as while it turns) and
    the ±R under each dial (8.5–12.5 px)."""
    page.set_viewport_size({"width": width, "height": height})
    page.add_init_script(SPY)  # the words on every canvas, the ±R on the dials' sprites too
    open_board(page, server.url, "/?preset=xor&projector=1")
    wait_meta(page)
    page.click("[data-testid=phase]")  # the network labels its neurons with their values
    wait_phase(page, "forward:0")
    assert page.evaluate("window.__drawn.some((d) => d.canvas.matches('.net-canvas')"
                         " && d.texts.length)")
    assert not page.evaluate(SMALL_PRINT), "the board"
    x, y = page.evaluate("Object.values(window.dialboard.dialRect('layers.0.weight', [0, 0]))"
                         ".slice(0, 2)")
    page.mouse.move(x + 5, y + 5)  # the dial's tip
    page.wait_for_selector(".board-tip:not([hidden])")
    assert not page.evaluate(SMALL_PRINT), "a dial's tip"
    page.click("[data-testid=race-open]")
    page.wait_for_selector("[data-testid=race]:not([hidden])")
    page.fill("[data-testid=race-budget]", "200")
    page.click("[data-testid=race-start]")
    page.wait_for_function("() => document.querySelector('[data-testid=race-chart]')"
                           ".dataset.lines !== '0'")
    assert not page.evaluate(SMALL_PRINT), "the race"
    page.goto(f"{server.url}/?lesson=dial-board&projector=1")
    page.locator(".lesson-head").wait_for()
    wait_meta(page)
    assert not page.evaluate(SMALL_PRINT), "a lesson"


@pytest.mark.parametrize(("width", "height"), [(1280, 720), (1920, 1080)])
@pytest.mark.parametrize(("preset", "first"), [("digits-625", "Layer 1: inputs"),
                                               ("circle", "Layer 1")])
def test_the_boards_titles_on_the_projector_are_read_from_the_back(
        width: int, height: int, preset: str, first: str, page: Any, server: Any) -> None:
    """The titles drawn on the board's canvas (each layer's name and its dials' scale) were
    11–13 px on the projector: a shorter title now, rather than a smaller one."""
    page.set_viewport_size({"width": width, "height": height})
    open_board(page, server.url, f"/?preset={preset}&projector=1")
    page.wait_for_function("() => window.dialboard.view.words.length >= 2")
    words = page.evaluate("window.dialboard.view.words")  # the titles, and any labels
    assert words[0]["role"] == "title" and words[0]["text"].startswith(first), words
    assert all(w["px"] >= 15 for w in words), words  # as every word there


@pytest.mark.parametrize(("width", "height"), [(1280, 720), (1920, 1080)])
def test_the_boards_labels_on_the_projector_zoomed_to_a_neuron(
        width: int, height: int, page: Any, server: Any) -> None:
    """Zoomed to a neuron on the projector, the tiles' labels ("→ h1·4  dials ±0.2") and the
    grids' row and column labels were some 10 px, and the layer's title was drawn left of the
    stage, where its panel's left edge was. Now each label is 15 px or more, or a neuron's
    number where its name does not fit, and the title is on the stage."""
    page.set_viewport_size({"width": width, "height": height})
    open_board(page, server.url, "/?preset=digits-625&projector=1")
    page.wait_for_function("() => window.dialboard.view.words.length >= 2")
    box = page.locator("#board .board-canvas").bounding_box()
    for layer, roles in ((0, {"title", "tile"}), (1, {"title", "row", "col"})):
        page.evaluate(f"window.dialboard.view.zoomToNeuron({layer}, 3)")
        next_paint(page)
        words = page.evaluate("window.dialboard.view.words")
        shown = [w for w in words
                 if 0 <= w["x"] <= box["width"] and 0 <= w["y"] <= box["height"]]
        assert {w["role"] for w in shown} >= roles, (layer, shown)
        assert all(w["px"] >= 15 for w in words), (layer, words)
        title = [w for w in words if w["role"] == "title"][layer]
        assert title in shown, (layer, title, box)
        if layer == 1:  # h1·4 over its column, or its number where the name does not fit
            assert {w["text"] for w in shown if w["role"] == "col"} & {"h1·4", "4"}, shown


@pytest.mark.parametrize(("width", "height"), [(1280, 720), (1920, 1080)])
def test_the_projectors_side_column_scrolls_below_the_class_badge(
        width: int, height: int, page: Any, server: Any) -> None:
    """The badge stands over the side column's top; the column was padded under it, so as
    it scrolled (a lesson scrolls it to the panel it shows) its words slid under the badge."""
    page.set_viewport_size({"width": width, "height": height})
    open_board(page, server.url, "/?preset=digits-625&projector=1")
    page.wait_for_function("() => window.dialboard.state().room?.code")
    page.click("[data-testid=phase]")
    wait_phase(page, "forward:0")
    page.evaluate("document.querySelector('.side-col').scrollTop = 150")
    settled(page)
    assert page.evaluate("document.querySelector('.side-col').scrollTop") > 0  # it scrolls
    badge = page.locator("[data-testid=room-badge]").bounding_box()
    side = page.locator(".side-col").bounding_box()
    assert side["y"] >= badge["y"] + badge["height"], (side, badge)


def test_the_share_dialog_on_a_small_phone(new_page: Any, server: Any) -> None:
    """At 360 × 640 its buttons (copy, show large, done) stood below the window, and the
    join link broke inside the class code ("…/join/E7CN" over "PF")."""
    page = new_page("teacher", viewport={"width": 360, "height": 640}, has_touch=True)
    open_board(page, server.url, "/?preset=digits-625")
    page.wait_for_function("() => window.dialboard.state().room?.code")
    code = page.evaluate("window.dialboard.state().room.code")
    page.click("[data-testid=share-button]")
    page.locator(".share-dialog[open]").wait_for()
    settled(page)
    for button in (".share-copy", ".share-large", ".share-close"):
        box = page.locator(button).bounding_box()
        assert box["y"] >= 0 and box["y"] + box["height"] <= 640, (button, box)
    # The code's letters on one line: every one of its characters' boxes at one height.
    tops = page.evaluate("""(code) => {
      const a = document.querySelector('[data-testid=share-link]'), text = a.textContent;
      const at = text.indexOf(code), range = document.createRange(), out = [];
      const walker = document.createTreeWalker(a, NodeFilter.SHOW_TEXT);
      let seen = 0;
      for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        for (let i = 0; i < node.length; i++, seen++) {
          if (seen < at || seen >= at + code.length) continue;
          range.setStart(node, i); range.setEnd(node, i + 1);
          out.push(Math.round(range.getBoundingClientRect().top));
        }
      }
      return out;
    }""", code.replace(" ", ""))
    assert len(tops) == len(code.replace(" ", "")) and len(set(tops)) == 1, tops
    page.click(".share-close")


@pytest.mark.parametrize("who", ["teacher", "student"])
def test_a_tablet_shows_the_dials_on_its_first_screen(who: str, new_page: Any,
                                                      server: Any) -> None:
    """What the phase means stood between the transport and the board: the board's top at
    1,174 px of a 1,180 px window."""
    teacher = new_page("teacher", viewport={"width": 820, "height": 1180}, has_touch=True)
    open_board(teacher, server.url, "/?preset=digits-625")
    page = teacher
    if who == "student":
        teacher.wait_for_function("() => window.dialboard.state().room?.code")
        code = teacher.evaluate("window.dialboard.state().room.code")
        page = new_page("student", viewport={"width": 820, "height": 1180}, has_touch=True)
        page.goto(f"{server.url}/join/{code}")
        wait_cost(page)
    wait_meta(page)
    board = page.locator("#board").bounding_box()
    assert board["y"] + 300 <= 1180, board
    assert page.locator("#phase").bounding_box()["y"] >= board["y"] + board["height"]


@pytest.mark.parametrize("lang", ["en", "de"])
def test_a_laptops_board_keeps_its_height_in_every_language(lang: str, page: Any,
                                                            server: Any) -> None:
    """In German at 1280×720 the transport took two rows and the legend three (its gestures'
    line, and the backward phase's words), and the board's stage had 162 px: row labels 8.7 px
    and dials 24 px, where English had 264 px."""
    page.set_viewport_size({"width": 1280, "height": 720})
    open_board(page, server.url, f"/?preset=xor&lang={lang}")
    for phase in ("forward:0", "forward:1", "cost", "backward:1", "backward:0"):
        page.click("[data-testid=phase]")
        wait_phase(page, phase)
    settled(page)
    buttons = page.evaluate("""() => new Set([...document.querySelectorAll(
        '.transport-buttons button, .transport-buttons input')].filter((el) => el.checkVisibility())
        .map((el) => Math.round(el.getBoundingClientRect().top / 20))).size""")
    stage = page.evaluate("document.querySelector('.board-stage').getBoundingClientRect().height")
    assert buttons == 1, f"the transport's buttons take {buttons} rows"
    assert stage >= 250, f"the board's stage has {stage:.0f} px"
