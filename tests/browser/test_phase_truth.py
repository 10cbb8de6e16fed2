"""What the board shows is what the network does: the phase panel, the transport, the screen
and the custom-board form against a real server. Every wait is on a condition, never a sleep."""

from __future__ import annotations

import json
import re
import urllib.request
from typing import Any

import pytest
from browser_helpers import (
    TIMEOUT_MS,
    dial_centre,
    open_board,
    select_dial,
    shown_step,
    wait_meta,
    wait_phase,
    wait_step,
)

pytestmark = pytest.mark.browser

PANEL = "[data-testid=phase-panel]"
CHIPS = "els => els.map(e => e.dataset.phase)"
# The layers whose δ and this step's change the panel shows, read from its tagged numbers.
SHOWN_LAYERS = """() => {
  const panel = document.querySelector('[data-testid=phase-panel]');
  const layers = (what) => [...panel.querySelectorAll(`[data-what=${what}]`)]
    .filter((el) => !el.closest('[hidden]')).map((el) => Number(el.dataset.layer));
  return {delta: layers('delta'), update: layers('step-update'), grad: layers('step-grad')};
}"""


TURN_READING_MATCHES = """() => {
  const st = window.dialboard.state(), turn = st.ui.turn;
  const number = document.querySelector('[data-testid=cost]').textContent;
  const change = document.querySelector('[data-testid=cost-change]').textContent.split(' ')[0];
  if (!turn) return false;
  const decimals = (number.split('.')[1] || '').length, unit = 10 ** -decimals;
  const read = (t) => Number(t.replace('−', '-').replace('±', ''));
  return Math.abs(read(number) - st.frame.cost) <= unit
    && Math.abs(read(change) - (st.frame.cost - turn.baseCost)) <= unit;
}"""


def meta(base_url: str) -> dict[str, Any]:
    with urllib.request.urlopen(f"{base_url}/api/meta", timeout=5) as res:
        return dict(json.loads(res.read()))




def heading(page: Any) -> str:
    return str(page.text_content(f"{PANEL} .phase-title"))


def test_mini_batch_phases_show_blame_only_after_backward(page: Any, server: Any) -> None:
    open_board(page, server.url, "/?preset=circle")   # 2-4-1, mini-batches of 16
    wait_meta(page)
    select_dial(page, "layers.0.weight", [1, 0])
    phases = ["forward:0", "forward:1", "cost", "backward:1", "backward:0", "update"]
    done: list[int] = []
    for name in phases:
        page.click("[data-testid=phase]")
        wait_phase(page, name)
        assert page.get_attribute(f"{PANEL} .phase-strip li.current", "data-phase") == name
        if name.startswith("backward:"):
            done.append(int(name.split(":")[1]))
        shown = page.evaluate(SHOWN_LAYERS)
        if name != "update":
            for what in ("delta", "update", "grad"):
                early = [l for l in shown[what] if l not in done]
                assert not early, f"after {name} the panel shows {what} of layers {early}"
            assert heading(page).startswith("Step 1 · "), heading(page)
            assert shown_step(page) == 0
        dial = str(page.text_content(f"{PANEL} .phase-dial"))
        if 0 not in done:
            assert "not computed yet" in dial, (name, dial)
        else:
            assert "over these 16 examples" in dial, (name, dial)
        if name == "cost":
            assert "16 examples" in str(page.text_content(f"{PANEL} .phase-maths"))
        maths = str(page.text_content(f"{PANEL} .phase-maths"))
        below = str(page.text_content(f"{PANEL} .phase-neuron"))
        if name == "backward:0":  # the selected dial's neuron (h₂), whose blame is below
            assert "Blame of h₂ and of its neighbours: see below" in maths, maths
            assert "h₂" in below, below
        if name == "backward:1":  # it said "Blame of out …: see below" over h₂'s section
            assert "blame of layer 2’s neurons: select one of their dials to see its neuron’s δ" \
                in maths, maths
    wait_step(page, 1)
    assert heading(page).startswith("Step 1 done"), heading(page)
    # Between steps the selected dial's next change is the next step's, over its own batch.
    dial = str(page.text_content(f"{PANEL} .phase-dial"))
    assert "The next step turns it by" in dial and "over these 16 examples" in dial, dial
    assert "Slope of the screen’s cost (all" in dial, dial


def test_trial_and_error_in_its_own_words(page: Any, server: Any) -> None:
    open_board(page, server.url, "/?preset=xor-trial")
    wait_meta(page)
    words = meta(server.url)
    trial = next(l for l in words["learners"] if l["name"] == "trial_and_error")
    assert page.locator("[data-testid=step-size]").is_visible()
    assert not page.locator("[data-testid=learning-rate]").is_visible()
    assert page.locator("[data-testid=learner] option:checked").text_content() == trial["title"]
    chips = page.eval_on_selector_all(f"{PANEL} .phase-strip li", CHIPS)
    assert chips == [p["kind"] for p in trial["phases"]]
    for name in ("nudge", "cost", "keep"):
        page.click("[data-testid=phase]")
        wait_phase(page, name)
        text = str(page.text_content(PANEL))
        for sign in ("δ", "η", "∂", "batch"):
            assert sign not in text, f"{name}: the panel says {sign!r}: {text}"
        # The screen shows the try's cost only once `cost` has weighed it; until then the
        # dials' before the try, and says so.
        f = page.evaluate("() => { const f = window.dialboard.state().frame;"
                          " return {cost: f.cost, base: f.baseCost, trial: f.trialCost}; }")
        note = page.locator("[data-testid=cost-step]")
        if name == "nudge":
            assert heading(page).startswith("Step 1 · ") and shown_step(page) == 0
            assert "Cost before the turn" in text and "Turned:" in text, text
            assert f["cost"] == f["base"] and f["trial"] is None, f
            assert note.is_visible() and "before the turn" in str(note.text_content())
        if name == "cost":
            assert page.locator(f"{PANEL} [data-what=trial-cost]").count() == 1
            assert f["cost"] == f["trial"] != f["base"], f
            assert not note.is_visible()
    wait_step(page, 1)
    assert heading(page).startswith("Step 1 done"), heading(page)   # the screen says step 1
    assert "Next try: turn" in str(page.text_content(PANEL))
    page.fill("[data-testid=step-size]", "0.25")
    page.press("[data-testid=step-size]", "Enter")
    page.wait_for_function(
        "() => window.dialboard.state().frame.stepSize === '0.25'", timeout=TIMEOUT_MS)
    page.wait_for_function(
        "p => /by 0\\.2500\\b/.test(document.querySelector(p).textContent)",  # four digits: xor
        arg=PANEL, timeout=TIMEOUT_MS)


def test_switching_learner_switches_the_phase_strip(page: Any, server: Any) -> None:
    open_board(page, server.url)
    wait_meta(page)
    page.click("[data-testid=phase]")
    wait_phase(page, "forward:0")
    page.select_option("[data-testid=learner]", "evolution")
    page.wait_for_function(
        "() => document.querySelector('[data-testid=phase-panel]').dataset.learner === 'evolution'",
        timeout=TIMEOUT_MS)
    chips = page.eval_on_selector_all(f"{PANEL} .phase-strip li", CHIPS)
    assert chips == ["nudge", "cost", "keep"]
    assert page.locator("[data-testid=step-size]").is_visible()
    page.click("[data-testid=phase]")
    wait_phase(page, "nudge")
    assert page.get_attribute(f"{PANEL} .phase-strip li.current", "data-phase") == "nudge"


def test_the_screen_answers_a_turn_on_the_625_board(page: Any, server: Any) -> None:
    open_board(page, server.url, "/?preset=digits-625")
    page.evaluate("window.dialboard.view.zoomToNeuron(0, 0)")
    x, y = dial_centre(page, "layers.0.weight", [0, 312])   # the image's centre pixel
    before = str(page.text_content("[data-testid=cost]"))
    page.mouse.move(x, y)
    page.mouse.down()
    for k in range(1, 9):
        page.mouse.move(x + 3 * k, y - 3 * k)
    page.wait_for_function(
        "b => { const c = document.querySelector('[data-testid=cost-change]');"
        " return c && !c.hidden && !/^±0/.test(c.textContent)"
        " && document.querySelector('[data-testid=cost]').textContent !== b; }",
        arg=before, timeout=TIMEOUT_MS)
    # Once the frames catch up with the pointer, the reading is the cost and its change since
    # the turn began, to the digits shown.
    page.wait_for_function(TURN_READING_MATCHES, timeout=TIMEOUT_MS)
    shown = str(page.text_content("[data-testid=cost]"))
    change = str(page.text_content("[data-testid=cost-change]"))
    assert len(shown.replace(".", "").lstrip("0")) >= 6, shown   # at least 6 significant digits
    assert "since the turn began" in change
    page.mouse.up()
    # After the turn the screen settles back to its four digits.
    page.wait_for_function(
        "() => document.querySelector('[data-testid=cost-change]').hidden", timeout=TIMEOUT_MS)


def test_the_examples_are_counted_alike_in_every_panel(page: Any, server: Any) -> None:
    """The phase panel listed the next step's examples from 0 ("training examples 1409,
    1021, …") and the network panel from 1 ("example 1410 of 1438"): the same example, two
    numbers. Both count from 1 now, as the nudges do."""
    open_board(page, server.url, "/?preset=digits-625")
    page.wait_for_function(
        "() => /training examples \\d/.test(document.querySelector('#phase').textContent)"
        " && /example \\d+ of/.test(document.querySelector('#network').textContent)")
    batch = page.evaluate("Array.from(window.dialboard.state().frame.updateBatch)")
    listed = re.search(r"training examples ([\d, ]+)", page.text_content("#phase") or "")
    assert listed, page.text_content("#phase")
    numbers = [int(v) for v in listed.group(1).split(",") if v.strip()]
    assert numbers == [i + 1 for i in batch[:8]]
    page.click("[data-testid=phase]")  # forward: the network shows the step's first example
    wait_phase(page, "forward:0")
    page.wait_for_function(f"() => document.querySelector('#network').textContent"
                           f".includes('example {numbers[0]} of 1438')")


def test_setup_form_offers_the_servers_lists(page: Any, server: Any) -> None:
    open_board(page, server.url)
    wait_meta(page)
    words = meta(server.url)
    page.click(".custom-open")
    for testid, key in (("form-activation", "hidden_activations"),
                        ("form-output-activation", "output_activations"),
                        ("form-loss", "losses"), ("form-learner", "learners")):
        values = page.eval_on_selector_all(
            f"[data-testid={testid}] option", "els => els.map(e => e.value)")
        assert values == [e["name"] for e in words[key]], testid
    page.select_option("[data-testid=form-output-activation]", "linear")
    disabled = page.eval_on_selector_all(
        "[data-testid=form-loss] option:disabled", "els => els.map(e => e.value)")
    accepts = {e["name"] for e in words["losses"] if "linear" in e["outputs"]}
    assert set(disabled) == {e["name"] for e in words["losses"]} - accepts
    page.select_option("[data-testid=form-learner]", "trial_and_error")
    assert page.locator(".custom-form [name=step_size]").is_visible()
    assert not page.locator(".custom-form [name=learning_rate]").is_visible()


def test_divergence_is_said_and_play_stops(page: Any, server: Any) -> None:
    open_board(page, server.url)
    page.fill("[data-testid=learning-rate]", "1e12")
    page.press("[data-testid=learning-rate]", "Enter")
    page.wait_for_function(
        "() => window.dialboard.state().frame.learningRate === 1e12", timeout=TIMEOUT_MS)
    page.click("[data-testid=play]")
    page.wait_for_function(
        "() => { const d = document.querySelector('.screen-diverged');"
        " return d && !d.hidden && d.textContent.length > 20; }", timeout=TIMEOUT_MS)
    page.wait_for_function(
        "() => document.querySelector('[data-testid=play]')"
        ".getAttribute('aria-pressed') === 'false'", timeout=TIMEOUT_MS)
    assert page.text_content("[data-testid=cost]") == "diverged"


def test_after_a_steps_last_phase_the_strip_marks_the_next_as_after_step(
        page: Any, server: Any) -> None:
    """Phase by phase, the step's last phase left no chip marked next (after Step, → 1 was):
    the strip did not say what the next Shift+→ does."""
    open_board(page, server.url)
    wait_meta(page)
    page.click("[data-testid=step]")
    wait_step(page, 1)
    marked = (f"() => [...document.querySelectorAll('{PANEL} .phase-strip li.next')]"
              ".map((li) => li.dataset.phase)")
    page.wait_for_function(f"() => ({marked})().join() === 'forward:0'", timeout=TIMEOUT_MS)
    for phase in ("forward:0", "forward:1", "cost", "backward:1", "backward:0", "update"):
        page.click("[data-testid=phase]")
        wait_phase(page, phase)
    page.wait_for_function(f"() => ({marked})().join() === 'forward:0'", timeout=TIMEOUT_MS)
    assert page.get_attribute(f"{PANEL} .phase-strip li.current", "data-phase") == "update"
