"""Issue 10's layout glitches, each read off what the browser really drew.

A spy installed before the page's scripts records every `fillText` (its words, font size and
box from the canvas's own `measureText`, in the canvas's CSS px) and every `arc` per canvas,
starting afresh whenever a canvas is cleared from its corner: so a test reads exactly the
labels of the drawing on show, and asserts that no two of them run into each other.
"""

from __future__ import annotations

import itertools
import math
import re
from typing import Any

import pytest
from browser_helpers import (
    ARTIFACTS,
    SPY,
    TIMEOUT_MS,
    dial_centre,
    next_paint,
    open_board,
    presenting,
    select_dial,
    settled,
    wait_meta,
    wait_step,
)

pytestmark = pytest.mark.browser

# The drawing on one page canvas: its CSS size, bitmap size and what is on it now.
DRAWN = """sel => {
  const c = document.querySelector(sel);
  const e = window.__drawn.find((d) => d.canvas === c) || { texts: [], arcs: [] };
  return { cw: c.clientWidth, ch: c.clientHeight, bw: c.width, bh: c.height,
           dpr: window.devicePixelRatio || 1, texts: e.texts, arcs: e.arcs };
}"""

# Texts on the board: its still layer (the offscreen canvas the size of the board's canvas
# drawn last) and the titles drawn over the dials at every paint.
BOARD_TEXTS = """() => {
  const b = document.querySelector('.board-canvas');
  const still = window.__drawn.filter((d) => d.canvas !== b && d.canvas.width === b.width
    && d.canvas.height === b.height && !d.canvas.className).sort((x, y) => y.at - x.at)[0];
  const board = window.__drawn.find((d) => d.canvas === b);
  return [still, board].filter(Boolean).flatMap((d) => d.texts);
}"""

# Texts drawn on dial sprites (small square canvases of their own), relative to their centre.
SPRITE_TEXTS = """() => window.__drawn.filter((d) => !d.canvas.className && !d.canvas.isConnected
    && d.canvas.width === d.canvas.height && d.canvas.width < 600 && d.texts.length)
  .map((d) => d.texts.map((t) => ({ ...t, half: d.canvas.width / 2 / devicePixelRatio })))"""


def intersect(a: dict[str, float], b: dict[str, float], gap: float = 0.0) -> bool:
    return (a["x0"] < b["x1"] + gap and b["x0"] < a["x1"] + gap
            and a["y0"] < b["y1"] + gap and b["y0"] < a["y1"] + gap)


def clashes(texts: list[dict[str, Any]], gap: float = 0.0) -> list[tuple[str, str]]:
    return [(a["text"], b["text"]) for i, a in enumerate(texts) for b in texts[i + 1:]
            if intersect(a, b, gap)]


def glitch_page(new_page: Any, width: int, height: int) -> Any:
    page = new_page("glitch", viewport={"width": width, "height": height})
    page.add_init_script(SPY)
    return page


def type_value(page: Any, name: str, index: list[int], value: float) -> None:
    """The exact-value field (double-click) sets a dial, as a teacher would."""
    x, y = dial_centre(page, name, index)
    page.mouse.dblclick(x, y)
    page.fill(".board-edit", str(value))
    page.keyboard.press("Enter")
    page.wait_for_function(
        "([n, i, v]) => { const p = window.dialboard.state().frame.params[n];"
        " return p && Math.abs(p[i] - v) < 1e-3 * Math.abs(v); }",
        arg=[name, index[-1] if name.endswith("bias") else index[0] * 2 + index[1], value],
        timeout=TIMEOUT_MS)


def slider_max(page: Any, k: int) -> float:
    return float(page.get_attribute(f"[role=slider][data-dial='{k}']", "aria-valuemax"))


# 1 ------------------------------------------------------------------------------------------
def test_the_cost_charts_labels_never_run_into_each_other(new_page: Any, server: Any) -> None:
    page = glitch_page(new_page, 1280, 720)
    open_board(page, server.url)
    sizes = ((1280, 720), (1010, 720), (1500, 900), (1280, 720), (390, 844), (1280, 720))
    for width, height in sizes:
        page.set_viewport_size({"width": width, "height": height})
        next_paint(page)
        d = page.evaluate(DRAWN, ".screen-chart")
        # Drawn for the size it is shown at: a stretched or squeezed bitmap runs its words
        # into each other ("cost over stestep 1") even when they were apart when drawn.
        shown = (round(d["cw"] * d["dpr"]), round(d["ch"] * d["dpr"]))
        assert (d["bw"], d["bh"]) == shown, (width, d)
        words = [t["text"] for t in d["texts"]]
        assert any(re.fullmatch(r"step \d+", w) for w in words), (width, words)
        assert not clashes(d["texts"], gap=4), (width, d["texts"])
        for t in d["texts"]:
            assert t["x0"] >= 0 and t["x1"] <= d["cw"], (width, t)
            assert t["y0"] >= 0 and t["y1"] <= d["ch"], (width, t)
    page.set_viewport_size({"width": 1280, "height": 720})
    settled(page)
    page.locator(".screen").screenshot(path=str(ARTIFACTS / "glitch-chart-1280.png"))


@pytest.mark.parametrize(("width", "height"), [(1280, 720), (1920, 1080)])
def test_the_projector_writes_the_screens_small_print_large(
        new_page: Any, server: Any, width: int, height: int) -> None:
    """The chart's scale and steps and the screen's "COST over the training set" were 12-13 px
    on the projector too: unreadable past the first rows."""
    page = glitch_page(new_page, width, height)
    open_board(page, server.url, "/?preset=digits-625&projector=1")
    page.click("[data-testid=step]")
    wait_step(page, 1)
    next_paint(page)
    d = page.evaluate(DRAWN, ".screen-chart")
    words = [t["text"] for t in d["texts"]]
    assert "0" in words and any(re.fullmatch(r"step \d+", w) for w in words), words
    assert all(t["px"] >= 17 for t in d["texts"]), d["texts"]
    assert not clashes(d["texts"], gap=4), d["texts"]
    for t in d["texts"]:
        assert t["x0"] >= 0 and t["x1"] <= d["cw"] and t["y0"] >= 0 and t["y1"] <= d["ch"], t
    label = page.evaluate("parseFloat(getComputedStyle(document.querySelector("
                          "'.screen-label')).fontSize)")
    assert label >= 17


# The screen's number block (with its "at step N" line) and the chart, while the line shows.
SCREEN_BOX = """() => ({
  number: Math.round(document.querySelector('.screen-main').getBoundingClientRect().height),
  figures: Math.round(document.querySelector('.screen-stats').getBoundingClientRect().left),
  chart: document.querySelector('.screen-chart').clientWidth,
  at: !document.querySelector('[data-testid=cost-step]').hidden,
})"""


@pytest.mark.parametrize("width, height, projector", [
    (1280, 720, False), (1100, 800, False), (1920, 1080, False), (1280, 720, True),
    (1920, 1080, True)])
def test_the_screen_keeps_its_chart_and_its_size_when_play_begins(
        new_page: Any, server: Any, width: int, height: int, projector: bool) -> None:
    """While playing, the number is named by its step ("at step 512"): that line waits under
    the number from the start, so play never reflows the number block, and the chart keeps a
    readable width beside the figures or under them (it was squeezed to a sliver at 1280 px).
    Nor does the line widen the number's column: the figures and chart jumped 90 px sideways
    as play began and back as it paused."""
    page = glitch_page(new_page, width, height)
    open_board(page, server.url, "/?preset=digits-625" + ("&projector=1" if projector else ""))
    still = page.evaluate(SCREEN_BOX)
    page.locator(".speed input").fill("6")
    page.click("[data-testid=play]")
    handle = page.wait_for_function(f"() => {{ const b = ({SCREEN_BOX})(); return b.at && b; }}",
                                    timeout=TIMEOUT_MS)
    playing = handle.json_value()
    page.click("[data-testid=play]")
    assert not still["at"]
    assert playing["number"] == still["number"], (still, playing)
    assert (playing["figures"], playing["chart"]) == (still["figures"], still["chart"]), (
        still, playing)
    assert min(still["chart"], playing["chart"]) >= 150, (still, playing)


# The board's legend drawn for each magnification in turn (the very module the page runs),
# with the board stage's size after each.
LEGEND_GAINS = """async (gains) => {
  const main = document.querySelector('script[type=module]').src;
  const { createLegend } = await import(main.replace(/main\\.js$/, 'board/legend.js'));
  const stage = document.querySelector('.board-stage'), frame = window.dialboard.state().frame;
  const el = document.querySelector('.board-legend'), legend = createLegend(el);
  return gains.map((gain) => {
    legend.render(frame, { readOnly: false, count: 13150, gain });
    const r = stage.getBoundingClientRect();
    return { gain, width: r.width, height: r.height, text: el.textContent };
  });
}"""


@pytest.mark.parametrize("width, height", [(1280, 720), (1440, 900), (1600, 900), (1920, 1080),
                                           (390, 844)])
def test_the_board_keeps_its_size_when_the_arrows_magnification_changes(
        new_page: Any, server: Any, width: int, height: int) -> None:
    """While training plays the arrows' magnification changes often (×20, ×200, ×5–50 …): the
    legend that says it must not rewrap, or the board jumps by a line and is redrawn whole at
    each new size (it did at 1600 × 900, several times a second)."""
    page = glitch_page(new_page, width, height)
    open_board(page, server.url, "/?preset=digits-625")
    gains = ["", *(f"×{g}" for g in (2, 5, 20, 50, 200, 500, 1000, 5000, 20000)),
             "×5–200", "×1–20000", "×50–20000"]
    sizes = page.evaluate(LEGEND_GAINS, gains)
    assert all(s["gain"] in s["text"] for s in sizes), sizes
    assert len({(s["width"], s["height"]) for s in sizes}) == 1, sizes


SIDE_CANVASES = """() => [...document.querySelectorAll('canvas:not(.board-canvas)')]
  .filter((c) => c.clientWidth >= 10 && c.clientHeight >= 10)
  .map((c) => ({ name: c.className, cw: c.clientWidth, ch: c.clientHeight, bw: c.width,
                 bh: c.height, dpr: window.devicePixelRatio || 1 }))"""


def test_every_panel_is_redrawn_for_the_size_it_is_shown_at(new_page: Any, server: Any) -> None:
    """The panels read their canvas's size from a ResizeObserver (no forced layouts): a new
    size redraws them at once, with no new frame from the server to prompt it."""
    page = glitch_page(new_page, 1280, 720)
    open_board(page, server.url)
    seen: set[str] = set()
    for width, height in ((1280, 720), (1010, 720), (1500, 900), (390, 844), (1920, 1080)):
        page.set_viewport_size({"width": width, "height": height})
        next_paint(page)
        drawn = page.evaluate(SIDE_CANVASES)
        for d in drawn:
            assert (d["bw"], d["bh"]) == (round(d["cw"] * d["dpr"]), round(d["ch"] * d["dpr"])), \
                (width, d)
        seen |= {d["name"] for d in drawn}
    assert {"net-canvas", "boundary-canvas", "screen-chart"} <= seen, seen
    assert any("probe-canvas" in name for name in seen), seen


# 2 ------------------------------------------------------------------------------------------
LAYER_SCALES = """() => {
  const s = window.dialboard.state(), L = s.session.sizes.length - 1, max = new Array(L).fill(0);
  for (const p of s.session.parameters) {
    for (const v of s.frame.params[p.name]) max[p.layer] = Math.max(max[p.layer], Math.abs(v));
  }
  return max;
}"""


def nice_ceil(x: float) -> float:
    p = 10 ** math.floor(math.log10(x))
    return next(m * p for m in (1, 2, 5, 10) if m * p >= x * (1 - 1e-9))


def scale_words(r: float) -> str:
    if r >= 1000:
        return f"±{r / 1000:g}k"
    return f"±{float(f'{r:.3g}'):g}"


@pytest.mark.parametrize(("preset", "width", "height"), [
    ("xor", 1280, 720), ("xor", 390, 844), ("digits-625", 1280, 720), ("digits-625", 390, 844)])
def test_every_dial_group_says_its_scale_at_every_zoom(
        new_page: Any, server: Any, preset: str, width: int, height: int) -> None:
    page = glitch_page(new_page, width, height)
    open_board(page, server.url, f"/?preset={preset}")
    # A fresh board's scales: the 1-2-5 number over each layer's largest |value|, at least 0.1.
    scales = [scale_words(nice_ceil(max(0.1, m * 1.05))) for m in page.evaluate(LAYER_SCALES)]
    stage = page.locator(".board-stage").bounding_box()
    page.evaluate("window.dialboard.view.fit()")
    zooms = 0
    while True:
        next_paint(page)  # the zoom's paint: its words, not the zoom's before
        layers = page.evaluate("window.dialboard.view.visibleLayers")
        said = [t for t in page.evaluate(BOARD_TEXTS)
                if "±" in t["text"] and t["px"] >= 8.5 and t["x1"] > 0 and t["x0"] < stage["width"]
                and t["y0"] >= -1 and t["y1"] <= stage["height"] + 1]
        for layer in layers:
            assert any(scales[layer] in t["text"] for t in said), (
                f"zoom {zooms}: layer {layer + 1} shows no '{scales[layer]}' readable on the stage",
                [t["text"] for t in said])
        assert len(said) >= len(layers), [t["text"] for t in said]
        zoom = page.evaluate("window.dialboard.view.zoom")
        page.evaluate("window.dialboard.view.zoomIn()")
        if page.evaluate("window.dialboard.view.zoom") == zoom:
            break
        zooms += 1
    assert zooms >= 3


# 3 ------------------------------------------------------------------------------------------
def test_a_large_dials_end_labels_never_run_together(new_page: Any, server: Any) -> None:
    page = glitch_page(new_page, 1280, 720)
    open_board(page, server.url)
    type_value(page, "layers.0.weight", [0, 0], 15000)
    page.wait_for_function("() => Number(document.querySelector(\"[data-dial='0']\")"
                           ".getAttribute('aria-valuemax')) >= 15000")
    # ... and drawn: a change of scale glides there over some frames.
    page.wait_for_function("() => window.dialboard.view.scalesShown[0] >= 15000")
    page.mouse.move(5, 5)
    page.evaluate("window.dialboard.view.fit()")
    checked = 0
    while True:
        # A zoom paints at the next animation frame, while `lod` says the new zoom's at once:
        # read before that paint, the first "full" zoom had no sprites yet (1 run in a few
        # beside a busy process).
        next_paint(page)
        lod = page.evaluate("window.dialboard.view.lod")
        if lod == "full":
            # Dials of one row sit this far apart (CSS px), measured on the page.
            a = page.evaluate("window.dialboard.dialRect('layers.0.weight', [0, 0])")
            b = page.evaluate("window.dialboard.dialRect('layers.0.weight', [0, 1])")
            pitch = b["x"] - a["x"]
            big = [ts for ts in page.evaluate(SPRITE_TEXTS)
                   if any("0k" in t["text"] or "000" in t["text"] for t in ts)]
            assert big, "no sprite with the layer's ±R"
            for ts in big:
                own = [{**t, "x0": t["x0"] - t["half"], "x1": t["x1"] - t["half"]} for t in ts]
                right = [{**t, "x0": t["x0"] + pitch, "x1": t["x1"] + pitch} for t in own]
                assert not clashes(own, gap=2), (pitch, own)
                into = [(p, q) for p in own for q in right if intersect(p, q, gap=2)]
                assert not into, (pitch, own)
                assert all(t["px"] >= 8.5 for t in own)
            checked += 1
        zoom = page.evaluate("window.dialboard.view.zoom")
        page.evaluate("window.dialboard.view.zoomIn()")
        if page.evaluate("window.dialboard.view.zoom") == zoom:
            break
    assert checked >= 1
    page.screenshot(path=str(ARTIFACTS / "glitch-large-dial.png"))


@pytest.mark.parametrize(("width", "height"), [(1280, 720), (1600, 900), (390, 844)])
def test_a_zoomed_neurons_name_is_never_under_the_layers_title(
        new_page: Any, server: Any, width: int, height: int) -> None:
    """Zoom to a neuron: its tile's name ("→ h1·1") is on the stage and clear of every other
    text, the layer's title stuck to the stage's top included (it covered the name)."""
    page = glitch_page(new_page, width, height)
    open_board(page, server.url, "/?preset=digits-625")
    stage = page.locator(".board-stage").bounding_box()
    for neuron in (0, 3, 9, 19):
        page.evaluate(f"window.dialboard.view.zoomToNeuron(0, {neuron})")
        next_paint(page)
        texts = [t for t in page.evaluate(BOARD_TEXTS)
                 if t["x1"] > 0 and t["x0"] < stage["width"] and t["y1"] > 0
                 and t["y0"] < stage["height"]]
        name = re.compile(rf"→ h1·{neuron + 1}\b")
        mine = [t for t in texts if name.match(t["text"])]
        assert len(mine) == 1, (neuron, [t["text"] for t in texts])
        label = mine[0]
        assert label["y0"] >= 0 and label["x0"] >= 0, (neuron, label)
        others = [t for t in texts if t is not label]
        assert not [o["text"] for o in others if intersect(label, o, gap=2)], (neuron, texts)


# 4 ------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("width", "height"), [(1280, 720), (390, 844)])
def test_neuron_labels_fit_beside_their_neuron(
        new_page: Any, server: Any, width: int, height: int) -> None:
    page = glitch_page(new_page, width, height)
    open_board(page, server.url)
    # A hidden neuron nearly off: its activation is a few 10⁻⁵, the longest number there is.
    type_value(page, "layers.0.bias", [1], -11)
    page.click("[data-testid=phase]")
    page.wait_for_function("() => window.dialboard.state().frame.activations?.[0]?.[1] < 1e-3")
    page.locator(".net-canvas").scroll_into_view_if_needed()
    next_paint(page)
    d = page.evaluate(DRAWN, ".net-canvas")
    labels = [t for t in d["texts"] if re.match(r"[xho][₀-₉]|out", t["text"])]
    assert any(t["text"].startswith("h₂") for t in labels), [t["text"] for t in d["texts"]]
    discs = [{"x0": a["x"] - a["r"], "x1": a["x"] + a["r"],
              "y0": a["y"] - a["r"], "y1": a["y"] + a["r"]} for a in d["arcs"] if a["r"] > 2]
    for t in labels:
        assert t["x0"] >= 0 and t["x1"] <= d["cw"], t
        hit = [disc for disc in discs if intersect(t, disc)]
        assert not hit, (t, hit)
    assert not clashes(labels), labels
    page.locator(".net-canvas").screenshot(path=str(ARTIFACTS / f"glitch-network-{width}.png"))


def test_the_networks_output_says_the_number_its_bar_says(new_page: Any, server: Any) -> None:
    """The diagram read "out 1.00" over a bar reading 0.998: each a rounding, two numbers.
    Its label now has the bar's three digits where they fit."""
    page = glitch_page(new_page, 1280, 900)
    open_board(page, server.url, "/?preset=circle")
    for _ in range(2):  # forward through both layers: the output's activation is known
        page.click("[data-testid=phase]")
    page.wait_for_function("() => window.dialboard.state().frame.phase === 'forward:1'")
    page.locator(".net-canvas").scroll_into_view_if_needed()
    # The panel repaints at most every 66 ms: wait for the paint that shows the output's value.
    page.wait_for_function("""() => {
      const c = document.querySelector('.net-canvas');
      const e = window.__drawn.find((d) => d.canvas === c);
      return e && e.texts.some((t) => t.text.startsWith('out '));
    }""")
    drawn = [t["text"] for t in page.evaluate(DRAWN, ".net-canvas")["texts"]]
    label = [t for t in drawn if t.startswith("out ")]
    bar = str(page.text_content(".out-val")).split()[0]
    assert label == [f"out {bar}"], (label, bar)


# 5 ------------------------------------------------------------------------------------------
def box_of(r: dict[str, float]) -> dict[str, float]:
    return {"x0": r["x"], "x1": r["x"] + r["width"], "y0": r["y"], "y1": r["y"] + r["height"]}


def tip_box(page: Any) -> dict[str, float] | None:
    if page.locator(".board-tip").is_hidden():
        return None
    return box_of(page.locator(".board-tip").bounding_box())


@pytest.mark.parametrize(("width", "height"), [(1280, 720), (390, 844)])
def test_the_tip_never_covers_the_dial_and_follows_a_zoom(
        new_page: Any, server: Any, width: int, height: int) -> None:
    page = glitch_page(new_page, width, height)
    open_board(page, server.url)
    shown = 0
    dials = (("layers.0.weight", [0, 1]), ("layers.1.weight", [0, 0]), ("layers.0.bias", [1]))
    for name, index in dials:
        x, y = dial_centre(page, name, index)
        dial = box_of(page.evaluate("([n, i]) => window.dialboard.dialRect(n, i)", [name, index]))
        page.mouse.move(x, y)
        page.mouse.down()
        for step in range(1, 6):
            page.mouse.move(x + 6 * step, y - 4 * step)
            next_paint(page)
            tip = tip_box(page)
            if tip is None:   # no room beside the dial on this stage: away, never over it
                continue
            shown += 1
            assert not intersect(tip, dial), (name, tip, dial)
            px, py = x + 6 * step, y - 4 * step
            pointer = {"x0": px - 8, "x1": px + 8, "y0": py - 8, "y1": py + 8}
            assert not intersect(tip, pointer), (name, tip, pointer)
        page.mouse.up()
    assert shown >= 10, f"the tip showed in only {shown} of 15 drag moves"
    # Hover, then zoom: the tip goes with its dial (beside it, not over it) or away.
    x, y = dial_centre(page, "layers.0.weight", [1, 0])
    page.mouse.move(x, y)
    page.wait_for_selector(".board-tip:not([hidden])")
    for _ in range(3):
        page.evaluate("window.dialboard.view.zoomIn()")
        next_paint(page)
        # Where the dial is now (panned back onto the stage if the zoom took it off).
        dial = box_of(page.evaluate("window.dialboard.dialRect('layers.0.weight', [1, 0])"))
        next_paint(page)
        tip = tip_box(page)
        if tip is None:
            continue
        assert not intersect(tip, dial), ("the tip covers its dial after a zoom", tip, dial)
        assert intersect(tip, dial, gap=16), ("the tip stayed behind after a zoom", tip, dial)
    page.screenshot(path=str(ARTIFACTS / f"glitch-tip-{width}.png"))


# The dials around layers.0.weight[0, 0] on XOR's board (its row, column and diagonal), and
# every other dial of the board.
AROUND = (("layers.0.weight", [0, 1]), ("layers.0.weight", [1, 0]), ("layers.0.weight", [1, 1]))
OTHERS = (*AROUND, ("layers.0.bias", [0]), ("layers.0.bias", [1]), ("layers.1.weight", [0, 0]),
          ("layers.1.weight", [0, 1]), ("layers.1.bias", [0]))


@pytest.mark.parametrize(("width", "height", "clear"), [(1280, 720, AROUND), (1920, 1080, OTHERS)])
def test_the_tip_of_a_dial_turned_on_the_projector_leaves_the_other_dials_in_view(
        new_page: Any, server: Any, width: int, height: int, clear: tuple[Any, ...]) -> None:
    """While a dial turns, the room watches the other dials answer (their arrows): the
    projector's large card stood over its neighbours. At 1920 it covers none; at 1280 the
    board's stage has no spot for it clear of every dial, and it leaves the neighbours."""
    page = glitch_page(new_page, width, height)
    open_board(page, server.url, "/?projector=1")
    page.wait_for_function("() => document.body.classList.contains('projector')")
    x, y = dial_centre(page, "layers.0.weight", [0, 0])
    page.mouse.move(x, y)
    page.mouse.down()
    for step in range(1, 5):
        page.mouse.move(x + 3 * step, y - 5 * step)
        page.wait_for_function("() => window.dialboard.state().ui.turn?.holding")
        next_paint(page)
        tip = tip_box(page)
        assert tip is not None, "the turned dial's card found no room"
        for name, index in clear:
            dial = box_of(page.evaluate("([n, i]) => window.dialboard.dialRect(n, i)",
                                        [name, index]))
            assert not intersect(tip, dial), (f"the card covers {name}{index}", tip, dial)
    page.screenshot(path=str(ARTIFACTS / f"glitch-tip-turned-projector-{width}.png"))
    page.mouse.up()


# 6 ------------------------------------------------------------------------------------------
def test_a_drag_keeps_its_layers_scale_and_the_scale_comes_back(new_page: Any, server: Any) -> None:
    page = glitch_page(new_page, 1280, 720)
    open_board(page, server.url)
    first = list(range(6))   # layer 1 of XOR: four weights and two biases
    start = [slider_max(page, k) for k in first]
    assert len(set(start)) == 1, start
    x, y = dial_centre(page, "layers.0.weight", [0, 0])
    page.mouse.move(x, y)
    page.mouse.down()
    for step in range(1, 31):
        page.mouse.move(x + 20 * step, y - 10 * step)
        next_paint(page)
        now = [slider_max(page, k) for k in first]
        assert now == start, f"the scale moved mid-drag at {20 * step} px: {now}"
    value = page.evaluate("window.dialboard.state().frame.params['layers.0.weight'][0]")
    assert value <= start[0] + 1e-6, "the drag left the dial's scale"
    page.mouse.up()
    page.click("[data-testid=reset]")
    wait_step(page, 0)
    page.wait_for_function(
        "([k, r]) => Number(document.querySelector(`[data-dial='${k}']`)"
        ".getAttribute('aria-valuemax')) === r",
        arg=[first[0], start[0]], timeout=TIMEOUT_MS)


RECORD_SCALES = """() => {
  window.__scales = [];
  const sample = () => {
    const s = window.dialboard?.view?.scalesShown;
    if (s && s.length) window.__scales.push(s[0]);
    requestAnimationFrame(sample);
  };
  requestAnimationFrame(sample);
}"""


def glide(page: Any, target: float) -> list[float]:
    """The first layer's drawn scale, frame by frame, from now until it shows `target`."""
    page.evaluate("() => { window.__scales = []; }")
    page.wait_for_function(
        "t => window.__scales.length && window.__scales[window.__scales.length - 1] === t",
        arg=target, timeout=TIMEOUT_MS)
    got: list[float] = page.evaluate("window.__scales")
    return got


# 6b -----------------------------------------------------------------------------------------
def test_a_change_of_scale_glides_from_one_number_to_the_next(new_page: Any, server: Any) -> None:
    page = glitch_page(new_page, 1280, 720)
    open_board(page, server.url)
    start = slider_max(page, 0)
    page.evaluate(RECORD_SCALES)
    type_value(page, "layers.0.weight", [0, 0], 4.2)   # past the scale: it grows to ±5
    up = glide(page, 5.0)
    way = [v for v in up if start < v < 5]
    assert len(way) >= 5, f"no glide from ±{start} to ±5: {up}"
    assert way == sorted(way), f"the glide went back and forth: {way}"
    assert slider_max(page, 0) == 5   # what a screen reader hears is the scale itself
    type_value(page, "layers.0.weight", [0, 0], 0.3)   # settled, the scale comes back down
    down = glide(page, start)
    way = [v for v in down if start < v < 5]
    assert len(way) >= 5 and way == sorted(way, reverse=True), down


@pytest.mark.parametrize(("width", "height", "lang"), [
    (1280, 720, "en"), (1280, 720, "de"), (1366, 768, "de"), (1920, 1080, "de")])
def test_the_projectors_screen_holds_its_chart(width: int, height: int, lang: str,
                                               new_page: Any, server: Any) -> None:
    """At 1280 the number (sized by the window) and the four figures left the chart under its
    160 px minimum: the screen's grid ran 19 px (German: 37) past its edge, the chart's last
    words cut off."""
    page = glitch_page(new_page, width, height)
    open_board(page, server.url, f"/?preset=digits-625&projector=1&lang={lang}")
    settled(page)
    screen_fits(page)
    big = page.evaluate("parseFloat(getComputedStyle(document.querySelector("
                        "'[data-testid=cost]')).fontSize)")
    assert big >= 90
    # A cost under 0.1 has more digits ("0.002458" after a race ran the chart off the screen).
    page.locator(".speed input").fill("6")  # as fast as it goes
    page.click("[data-testid=play]")
    page.wait_for_function("() => document.querySelector('[data-testid=cost]')"
                           ".textContent.length >= 7")
    page.click("[data-testid=play]")
    page.wait_for_function("() => !window.dialboard.state().frame.playing")
    settled(page)
    screen_fits(page)


def screen_fits(page: Any) -> None:
    """The screen's number, figures and chart inside its box, the chart at least 160 px."""
    room = page.evaluate("""() => {
      const screen = document.querySelector('#screen'), cs = getComputedStyle(screen);
      const inner = screen.getBoundingClientRect().right - parseFloat(cs.paddingRight);
      return [...screen.querySelectorAll('.screen-main, .screen-stats, .screen-chart')]
        .map((el) => inner - el.getBoundingClientRect().right);
    }""")
    assert min(room) >= 0, room
    assert page.locator(".screen-chart").bounding_box()["width"] >= 160


@pytest.mark.parametrize(("width", "height", "query"), [
    (1280, 720, "?projector=1"), (1280, 720, "?lang=de"), (390, 844, "")])
def test_play_and_pause_move_nothing_beside_them(width: int, height: int, query: str,
                                                 new_page: Any, server: Any) -> None:
    """"Play" and "Pause" differ in width: the speed and Reset beside the button moved 7 px at
    every play and pause."""
    page = glitch_page(new_page, width, height)
    open_board(page, server.url, "/" + query)
    boxes = """() => ['[data-testid=play]', '.transport .speed', '[data-testid=reset]']
      .map((s) => { const r = document.querySelector(s).getBoundingClientRect();
                    return [Math.round(r.left), Math.round(r.top), Math.round(r.width)]; })"""
    still = page.evaluate(boxes)
    page.click("[data-testid=play]")
    page.wait_for_function("() => window.dialboard.state().frame.playing")
    next_paint(page)
    assert page.evaluate(boxes) == still
    assert page.locator("[data-testid=play]").inner_text().strip() == "Pause"  # en and de
    page.click("[data-testid=play]")
    page.wait_for_function("() => !window.dialboard.state().frame.playing")
    next_paint(page)
    assert page.evaluate(boxes) == still


@pytest.mark.parametrize(("width", "height", "query"), [
    (1280, 720, "&lang=de"), (1280, 720, "&projector=1&lang=de"), (1920, 1080, "&lang=de")])
def test_the_board_keeps_its_size_from_phase_to_phase(width: int, height: int, query: str,
                                                      new_page: Any, server: Any) -> None:
    """Each phase's words for the arrows wrapped the legend to another number of rows, and
    the board under it shrank and grew by 26-50 px, fitted again at every phase."""
    page = glitch_page(new_page, width, height)
    open_board(page, server.url, f"/?preset=digits-625{query}")
    wait_meta(page)
    heights = []
    for _ in range(9):  # a whole step's phases and into the next step
        phase = page.evaluate("window.dialboard.state().frame.phase")
        page.click("[data-testid=phase]")
        page.wait_for_function("p => window.dialboard.state().frame.phase !== p", arg=phase)
        next_paint(page)
        heights.append(page.locator(".board-stage").bounding_box()["height"])
    changes = [b - a for a, b in itertools.pairwise(heights) if abs(b - a) > 1.5]
    assert len(changes) <= 1 and all(c < 0 for c in changes), heights


def test_a_typed_dial_reads_as_the_network_has_it(new_page: Any, server: Any) -> None:
    """The presenter's frames carried the dials as F32: a typed w = 0.3775 (0.37749999… in
    F32) read 0.377 to three digits, where the network's own 0.3775 reads 0.378. This small
    board is written to four digits: 0.37745 (0.37744999… in F32) reads 0.3775, not 0.3774."""
    page = glitch_page(new_page, 1280, 720)
    open_board(page, server.url)
    presenting(page)
    type_value(page, "layers.0.weight", [0, 0], 0.37745)
    page.wait_for_function(
        "() => window.dialboard.state().frame.params['layers.0.weight'][0] === 0.37745",
        timeout=TIMEOUT_MS)
    select_dial(page, "layers.0.weight", [0, 0])
    page.wait_for_function(
        "() => /= 0\\.3775\\b/.test(document.querySelector('.phase-dial .dial-name')"
        "?.textContent || '')", timeout=TIMEOUT_MS)
