"""Real knobs: a synthetic MIDI controller, injected into the page, turns the selected
neuron's dials (with soft takeover) and steps and plays the board with its pads."""

from __future__ import annotations

import urllib.request
from typing import Any

import pytest
from browser_helpers import ARTIFACTS, open_board, presenting, shown_step, wait_step
from safetensors.numpy import load
from test_language import assert_all_wrapped, pseudo_page

pytestmark = pytest.mark.browser

# A fake Web MIDI: one input whose messages the test sends with window.__midi.send(bytes).
FAKE_MIDI = """
(() => {
  const input = { id: "fake", name: "Test knobs", manufacturer: "test", type: "input",
                  state: "connected", connection: "open", onmidimessage: null };
  const access = { inputs: new Map([["fake", input]]), outputs: new Map(), onstatechange: null,
                   sysexEnabled: false };
  navigator.requestMIDIAccess = () => Promise.resolve(access);
  window.__midi = { send: (bytes) => input.onmidimessage?.({ data: Uint8Array.from(bytes) }) };
})();
"""

DIAL = ("layers.0.weight", [1, 0])   # the XOR board's h₂ ← x₁: knob 0 of neuron h₂


def midi_note(page: Any, action: str) -> int:
    note: int = page.evaluate(
        "a => import('/static/js/lib/midimap.js').then(m => Number(Object.entries(m.MIDI_MAP.notes)"
        ".find(([, v]) => v === a)[0]))", action)
    return note


def cc(page: Any, knob: int, value: int) -> None:
    page.evaluate("([k, v]) => import('/static/js/lib/midimap.js').then(m =>"
                  " window.__midi.send([0xb0, m.MIDI_MAP.firstController + k, v]))", [knob, value])


def server_value(base: str, sid: str) -> float:
    with urllib.request.urlopen(f"{base}/api/sessions/{sid}/state.safetensors") as res:
        state = load(res.read())
    return float(state[DIAL[0]][tuple(DIAL[1])])


def click_dial(page: Any, name: str, index: list[int]) -> None:
    r = page.evaluate("([n, i]) => window.dialboard.dialRect(n, i)", [name, index])
    page.mouse.click(r["x"] + r["width"] / 2, r["y"] + r["height"] / 2)
    page.wait_for_function(
        "([n, i]) => { const s = window.dialboard.state().ui.selected;"
        " return s?.name === n && String(s.index) === String(i); }", arg=[name, index])


def wait_cue(page: Any, want: str, knob: int = 0, same: bool = True) -> None:
    """Until knob's cue is `want` (or, with same=False, anything but `want`)."""
    page.wait_for_function(
        "([k, w, same]) =>"
        " (document.querySelector(`[data-knob='${k}']`)?.dataset.cue === w) === same",
        arg=[knob, want, same])


def pad(page: Any, action: str, velocity: int = 100) -> None:
    note = midi_note(page, action)
    page.evaluate("([n, v]) => window.__midi.send([0x90, n, v])", [note, velocity])


def wait_playing(page: Any, playing: bool) -> None:
    page.wait_for_function(
        "want => document.querySelector('[data-testid=play]')"
        ".getAttribute('aria-pressed') === want",
        arg=str(playing).lower())


def cue(page: Any, knob: int) -> str:
    got: str = page.get_attribute(f"[data-testid=midi-panel] [data-knob='{knob}']", "data-cue")
    return got


def test_knobs_take_over_and_pads_step_and_play(page: Any, server: Any) -> None:
    page.add_init_script(FAKE_MIDI)
    sid = open_board(page, server.url)
    presenting(page)
    click_dial(page, *DIAL)
    page.click("[data-testid=midi]")
    page.wait_for_selector("[data-testid=midi][data-status=connected]")
    page.wait_for_selector("[data-testid=midi-panel] [data-knob='0']")
    assert page.locator("[data-testid=midi-panel] .midi-knob").count() == 3   # 2 weights + bias

    start = server_value(server.url, sid)
    R: float = page.evaluate("import('/static/js/lib/midimap.js').then(m =>"
                             " m.layerScale(window.dialboard.state().frame.params, 0))")
    at = (start + R) * 127 / (2 * R)   # where the dial sits on the knob's 0…127
    assert at > 8, "the test needs room below the dial"
    cc(page, 0, 0)   # far below the dial: nothing turns, the cue says which way to go
    wait_cue(page, "up")
    below = int(at) - 3
    cc(page, 0, below)
    assert cue(page, 0) == "up"
    assert page.evaluate("() => window.dialboard.state().ui.turn") is None   # no set was sent
    assert server_value(server.url, sid) == start

    target = min(127, int(at) + 12)   # crosses the dial: the knob takes over and turns it
    cc(page, 0, target)
    wait_cue(page, "live")
    want = -R + 2 * R * target / 127
    page.wait_for_function(
        "([n, i, w]) => Math.abs(window.dialboard.state().frame.params[n][i[0] * 2 + i[1]] - w)"
        " < 1e-6",
        arg=[DIAL[0], DIAL[1], want])
    assert abs(server_value(server.url, sid) - want) < 1e-6
    page.screenshot(path=str(ARTIFACTS / "midi-live.png"))

    steps = shown_step(page)
    pad(page, "step")
    wait_step(page, steps + 1)
    pad(page, "step", velocity=0)   # a release: nothing
    pad(page, "play")
    wait_playing(page, True)
    pad(page, "play")
    wait_playing(page, False)
    # Another neuron: the knobs map onto its dials, each to be taken over afresh.
    click_dial(page, "layers.0.bias", [0])
    wait_cue(page, "unknown")


def test_no_knobs_button_without_web_midi(page: Any, server: Any) -> None:
    page.add_init_script("delete Navigator.prototype.requestMIDIAccess;")
    open_board(page, server.url)
    assert page.locator("[data-testid=midi]").count() == 0


def test_knobs_on_every_screen_size(browser: Any, server: Any, errors: Any) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    for w, h in ((390, 844), (1280, 720), (1920, 1080)):
        context = browser.new_context(viewport={"width": w, "height": h})
        page = errors.watch(context.new_page(), f"{w}x{h}")
        page.add_init_script(FAKE_MIDI)
        open_board(page, server.url)
        page.click("[data-testid=midi]")
        page.wait_for_selector("[data-testid=midi-panel] [data-knob='0']")
        cc(page, 0, 0)
        wait_cue(page, "unknown", same=False)
        page.screenshot(path=str(ARTIFACTS / f"midi-{w}x{h}.png"))
        context.close()


def test_the_knobs_panel_speaks_the_pages_language(new_page: Any, server: Any) -> None:
    page = pseudo_page(new_page, "pseudo")
    page.add_init_script(FAKE_MIDI)
    open_board(page, server.url, "/?lang=pseudo")
    page.click("[data-testid=midi]")
    page.wait_for_selector("[data-testid=midi-panel] [data-knob='0']")
    cc(page, 0, 0)
    wait_cue(page, "unknown", same=False)
    assert_all_wrapped(page, "the knobs panel")
