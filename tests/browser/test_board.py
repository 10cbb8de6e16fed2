"""The presenter's page against a real server: load, step, phases, dials, keys, projector."""

from __future__ import annotations

from typing import Any

import pytest
from browser_helpers import (
    ARTIFACTS,
    dial_centre,
    open_board,
    server_session,
    settled,
    shown_cost,
    shown_step,
    wait_cost,
    wait_for_server_cost,
    wait_phase,
    wait_step,
)

pytestmark = pytest.mark.browser


def test_opens_ready_with_xor(page: Any, server: Any) -> None:
    sid = open_board(page, server.url)
    board = page.locator("[data-testid=board]")
    assert board.get_attribute("data-dial-count") == "9"
    assert shown_step(page) == 0
    wait_for_server_cost(page, server.url, sid)
    for testid in ("step", "phase", "play", "undo", "reset"):
        assert page.locator(f"[data-testid={testid}]").is_visible(), testid
    renders = page.evaluate("performance.getEntriesByName('board-render').length")
    assert renders >= 1
    assert page.locator("[role=slider][data-dial]").count() == 9
    assert page.locator("[data-testid=phase-panel]").get_attribute("data-phase") == "idle"


def test_preset_from_the_address(page: Any, server: Any) -> None:
    open_board(page, server.url, "/?preset=circle")
    assert page.locator("[data-testid=board]").get_attribute("data-dial-count") == "17"
    assert page.locator("#boundary").is_visible()
    # The menu's options come from GET /api/presets, which may answer after the board opened.
    page.wait_for_function(
        "() => document.querySelector('[data-testid=preset]').value === 'circle'")


def test_step_shows_the_servers_cost(page: Any, server: Any) -> None:
    sid = open_board(page, server.url)
    before = shown_cost(page)
    page.click("[data-testid=step]")
    wait_step(page, 1)
    after = wait_for_server_cost(page, server.url, sid)
    assert after != before
    page.click("[data-testid=undo]")
    wait_step(page, 0)
    wait_for_server_cost(page, server.url, sid)


SCREEN_FIGURES = """() => [...document.querySelectorAll('#screen .screen-stats dd')]
  .filter((dd) => dd.checkVisibility())
  .map((dd) => ({ text: dd.textContent, lines: dd.getBoundingClientRect().height
                  / parseFloat(getComputedStyle(dd).lineHeight) }))"""


@pytest.mark.parametrize(("width", "height", "projector"),
                         [(1280, 720, True), (1920, 1080, True), (360, 640, False)])
def test_the_screen_shows_training_and_test_accuracy_each_figure_whole(
        width: int, height: int, projector: bool, page: Any, server: Any) -> None:
    """Each its own row, as the server computes it; no figure broken over two lines (the two
    accuracies shared one row, which broke word by word on the projector)."""
    page.set_viewport_size({"width": width, "height": height})
    sid = open_board(page, server.url, "/?preset=digits-625" + ("&projector=1" if projector
                                                                   else ""))
    page.click("[data-testid=step]")
    wait_step(page, 1)
    s = server_session(server.url, sid)
    assert s["step"] == 1 and 0 <= s["accuracy"] <= 1 and 0 <= s["test_accuracy"] <= 1
    train, test = (f"{s[k] * 100:.1f}%" for k in ("accuracy", "test_accuracy"))
    page.wait_for_function(
        "([train, test]) => document.querySelector('#screen .v-acc').textContent === train"
        " && document.querySelector('#screen .v-test-acc').textContent === test",
        arg=[train, test])
    shown = page.evaluate(SCREEN_FIGURES)
    texts = [f["text"] for f in shown]  # step, test cost, accuracy, test accuracy
    assert len(texts) == 4 and texts[0] == "1" and texts[2:] == [train, test], texts
    assert all(f["lines"] < 1.5 for f in shown), shown


@pytest.mark.parametrize(("width", "height", "query"), [
    (390, 844, "&lang=de"), (1280, 720, "&lang=de&projector=1"), (1280, 720, "")])
def test_the_screens_figures_line_up_whatever_the_longest_name(
        width: int, height: int, query: str, page: Any, server: Any) -> None:
    """German's "Testgenauigkeit" outgrew the names' fixed width and pushed its figure out of
    line with the others."""
    page.set_viewport_size({"width": width, "height": height})
    open_board(page, server.url, "/?preset=digits-625" + query)
    lefts = page.evaluate("""() => [...document.querySelectorAll('#screen .screen-stats dd')]
      .filter((dd) => dd.checkVisibility()).map((dd) => dd.getBoundingClientRect().left)""")
    assert len(lefts) == 4 and max(lefts) - min(lefts) < 1, lefts


def test_a_board_without_a_test_set_shows_no_test_accuracy(page: Any, server: Any) -> None:
    sid = open_board(page, server.url)  # xor: four examples, all for training
    assert server_session(server.url, sid)["test_accuracy"] is None
    assert page.locator("#screen .v-acc").is_visible()
    assert not page.locator("#screen .v-test-acc").is_visible()


def test_phase_through_a_whole_step(page: Any, server: Any) -> None:
    open_board(page, server.url)
    panel = page.locator("[data-testid=phase-panel]")
    phases = page.evaluate("window.dialboard.state().session.phases")
    assert phases == ["forward:0", "forward:1", "cost", "backward:1", "backward:0", "update"]
    words = {"forward": "forward", "cost": "cost", "backward": "blame", "update": "nudge"}
    # The panel explains the selected dial's neuron, and a board opens on the dial with the
    # largest next update (an output's, here): choose a dial into a hidden neuron.
    page.locator("[role=slider][data-dial]").first.focus()
    page.wait_for_function(
        "() => document.querySelector('[data-testid=phase-panel]').textContent"
        ".includes('layers.0.weight[0, 0]')")
    for name in phases:
        page.click("[data-testid=phase]")
        wait_phase(page, name)
        text = panel.text_content()
        assert words[name.split(":")[0]] in text.lower(), (name, text)
        current = panel.locator(".phase-strip li.current")
        assert current.get_attribute("data-phase") == name
        if name == "backward:0":
            assert "δⱼ = (Σₖ wₖⱼ δₖ) · g′(zⱼ)" in text, text
    wait_step(page, 1)
    maths = panel.locator(".phase-dial").text_content()
    assert "∂C/∂w = δⱼ · aᵢ" in maths


def test_drag_a_dial_and_the_screen_follows(page: Any, server: Any) -> None:
    sid = open_board(page, server.url)
    before = shown_cost(page)
    x, y = dial_centre(page, "layers.1.weight", [0, 1])
    page.mouse.move(x, y)
    page.mouse.down()
    for k in range(1, 16):
        page.mouse.move(x + 4 * k, y - 4 * k)
    wait_for_server_cost(page, server.url, sid)   # mid-drag: the screen is the server's
    page.mouse.up()
    after = wait_for_server_cost(page, server.url, sid)
    assert abs(after - before) > 1e-4
    state = server_session(server.url, sid)
    assert state["step"] == 0
    tip = page.locator(".board-tip")
    assert "weight from h₂ to out" in tip.text_content()


def test_wheel_and_double_click_turn_a_dial(page: Any, server: Any) -> None:
    sid = open_board(page, server.url)
    x, y = dial_centre(page, "layers.0.bias", [0])
    page.mouse.move(x, y)
    page.mouse.wheel(0, -100)
    before = wait_for_server_cost(page, server.url, sid)
    page.mouse.dblclick(x, y)
    editor = page.locator(".board-edit")
    editor.fill("1.5")
    editor.press("Enter")
    page.wait_for_function(
        "() => window.dialboard.state().frame.params['layers.0.bias'][0] === 1.5")
    assert wait_for_server_cost(page, server.url, sid) != before


def test_keyboard_and_clicker_keys(page: Any, server: Any) -> None:
    sid = open_board(page, server.url)
    page.keyboard.press("PageDown")
    wait_step(page, 1)
    page.keyboard.press("ArrowRight")
    wait_step(page, 2)
    page.keyboard.press("Shift+ArrowRight")
    wait_phase(page, "forward:0")
    page.keyboard.press("PageUp")
    wait_phase(page, "idle")
    page.keyboard.press("ArrowLeft")
    wait_step(page, 1)
    page.keyboard.press("Space")
    page.wait_for_function("() => window.dialboard.state().frame.playing")
    page.keyboard.press("Space")
    page.wait_for_function("() => !window.dialboard.state().frame.playing")
    assert page.get_attribute("[data-testid=play]", "aria-pressed") == "false"

    slider = page.locator("[role=slider][data-dial]").first
    slider.focus()
    before = float(slider.get_attribute("aria-valuenow"))
    slider.press("ArrowUp")
    slider.press("Shift+ArrowUp")
    page.wait_for_function(
        "v => Number(document.querySelector('[role=slider][data-dial]')"
        ".getAttribute('aria-valuenow')) > v",
        arg=before + 0.01)
    wait_for_server_cost(page, server.url, sid)
    step = shown_step(page)
    turned = float(slider.get_attribute("aria-valuenow"))
    slider.press("ArrowRight")   # on a dial the arrows turn it; they do not step
    slider.press("l")   # a later message: the frame that shows it shows all sent before it
    page.wait_for_function(
        "() => window.dialboard.state().frame.locked['layers.0.weight']?.[0] === 1")
    assert page.evaluate("window.dialboard.state().frame.step") == step  # the same frame
    page.wait_for_function(
        "() => document.querySelector('[role=slider][data-dial]').getAttribute('aria-label')"
        ".includes('locked')")
    assert shown_step(page) == step
    page.wait_for_function(
        "v => Number(document.querySelector('[role=slider][data-dial]')"
        ".getAttribute('aria-valuenow')) > v",
        arg=turned + 0.001)
    wait_for_server_cost(page, server.url, sid)
    assert server_session(server.url, sid)["step"] == step

    page.locator("body").focus()
    page.keyboard.press("?")
    assert page.locator("[data-testid=help]").is_visible()
    assert "PageDown" in page.locator("[data-testid=help]").text_content()
    page.keyboard.press("Escape")


def test_projector_mode(page: Any, server: Any) -> None:
    open_board(page, server.url)
    page.keyboard.press("p")
    page.wait_for_function("() => document.body.classList.contains('projector')")
    assert "projector=1" in page.url
    # The explanation stays (tests/browser/test_layout.py measures it); one dial's probes go.
    assert page.locator("[data-testid=phase-panel]").is_visible()
    assert not page.locator("[data-testid=slice]").is_visible()
    for hidden in (".share-open", "#setup", "#help-btn", "#projector-btn"):
        assert not page.locator(hidden).is_visible(), hidden
    # The class code and how many watch stay, large, in a corner.
    badge = page.locator("[data-testid=room-badge]")
    page.wait_for_function("() => window.dialboard.state().room?.code")
    code = page.evaluate("window.dialboard.state().room.code")
    assert badge.is_visible() and code[:3] in badge.text_content()
    assert "0 watching" in badge.text_content()
    for visible in ("[data-testid=cost]", "[data-testid=board]", "[data-testid=step]"):
        assert page.locator(visible).is_visible()
    size = page.evaluate(
        "parseFloat(getComputedStyle(document.querySelector('[data-testid=cost]')).fontSize)")
    assert size >= 100
    page.keyboard.press("t")
    page.wait_for_function("() => document.documentElement.dataset.theme === 'dark'")
    settled(page)
    page.screenshot(path=str(ARTIFACTS / "projector-dark.png"))
    page.keyboard.press("t")
    page.keyboard.press("p")
    page.wait_for_function("() => !document.body.classList.contains('projector')")


def test_projector_from_the_address(page: Any, server: Any) -> None:
    open_board(page, server.url, "/?projector=1")
    assert page.evaluate("document.body.classList.contains('projector')")
    page.keyboard.press("PageDown")
    wait_step(page, 1)


def test_reload_resumes_as_presenter(page: Any, server: Any) -> None:
    sid = open_board(page, server.url)
    page.click("[data-testid=step]")
    wait_step(page, 1)
    page.reload()
    wait_cost(page)
    wait_step(page, 1)
    assert server_session(server.url, sid)["step"] == 1
    page.click("[data-testid=step]")
    wait_step(page, 2)



# Each choice of the dialog's menus, and each field's hint, wider than its box (px, text width
# plus padding, and a menu's arrow) where it would be cut.
CUT_CHOICES = """() => {
  const ctx = document.createElement('canvas').getContext('2d'), out = [];
  for (const el of document.querySelectorAll('.custom-form select, .custom-form input')) {
    if (!el.checkVisibility()) continue;
    const cs = getComputedStyle(el), room = el.clientWidth - parseFloat(cs.paddingLeft)
      - parseFloat(cs.paddingRight) - (el.tagName === 'SELECT' ? 20 : 0);
    ctx.font = `${cs.fontWeight} ${cs.fontSize} ${cs.fontFamily}`;
    const texts = el.tagName === 'SELECT' ? [...el.options].map((o) => o.text) : [el.placeholder];
    for (const text of texts) {
      if (ctx.measureText(text).width > room) out.push(`${el.name}: ${text}`);
    }
  }
  return out;
}"""


@pytest.mark.parametrize(("width", "lang"), [(1280, "en"), (1280, "de"), (390, "en")])
def test_the_new_board_dialog_shows_every_choice_whole(
        width: int, lang: str, page: Any, server: Any) -> None:
    """The top bar's narrow menus held the dialog's too: "gradient descen", "quadratic ½‖y −",
    "all (full b"."""
    page.set_viewport_size({"width": width, "height": 900})
    open_board(page, server.url, f"/?lang={lang}")
    page.click(".custom-open")
    page.locator(".custom-dialog").wait_for()
    page.wait_for_function("() => document.querySelector('.custom-form select[name=learner]')"
                           ".options.length > 1")
    cut = page.evaluate(CUT_CHOICES)
    assert not cut, cut


def test_custom_board_form(page: Any, server: Any, errors: Any) -> None:
    errors.allow("status of 422")   # the refused board below, logged by Chromium
    open_board(page, server.url)
    page.click("text=New board…")
    form = page.locator(".custom-form")
    form.locator("select[name=dataset]").select_option("gaussian")
    form.locator("input[name=layers]").fill("2, 3, 2")
    form.locator("button[value=create]").click()
    error = form.locator(".form-error")
    error.wait_for()
    assert "layers" in error.text_content()
    form.locator("input[name=layers]").fill("2, 3, 1")
    form.locator("input[name=batch_size]").fill("8")
    form.locator("button[value=create]").click()
    page.wait_for_function(
        "() => document.querySelector('[data-testid=board]').dataset.dialCount === '13'")
    wait_cost(page)
    assert not page.locator(".custom-dialog").is_visible()
    assert "preset=" not in page.url
