"""The arrow on every dial is what the network will do: a step moves each dial by exactly its
arrow (mini-batches with momentum, where −η·∂C/∂w would be wrong), and phase by phase the
arrows appear only as backward reaches each layer."""

from __future__ import annotations

import json
import math
import re
import urllib.request
from typing import Any

import pytest
from browser_helpers import ARTIFACTS, TIMEOUT_MS, presenting, wait_cost

pytestmark = pytest.mark.browser

# Every dial's value and the update its arrow stands for (null: no arrow), read in one go from
# the frame the board last drew.
READ = """() => {
  const d = window.dialboard, f = d.state().frame, out = {};
  for (const p of d.state().session.parameters) {
    const n = p.shape.reduce((a, b) => a * b, 1);
    out[p.name] = { value: Array.from(f.params[p.name]),
                    arrow: Array.from({ length: n }, (_, k) => d.view.arrow(p.name, k)) };
  }
  const stepGrads = {};
  for (const [n, g] of Object.entries(f.stepGrads)) stepGrads[n] = Array.from(g);
  return { step: f.step, phase: f.phase, inStep: f.inStep, layers: f.updateLayers,
           lr: f.learningRate, examples: f.updateExamples,
           batch: f.updateBatch ? f.updateBatch.length : null, stepGrads, dials: out };
}"""

# The board has drawn the newest frame, and that frame satisfies `cond` (a JS expression on f).
DRAWN = """cond => { const d = window.dialboard, f = d.state()?.frame;
  return Boolean(f && d.view.drawn && d.view.drawn.version === f.version
                 && d.view.drawn.precision === f.precision
                 && new Function('f', 'return ' + cond)(f)); }"""


def board_with(page: Any, base_url: str, config: dict[str, Any]) -> None:
    req = urllib.request.Request(f"{base_url}/api/sessions", data=json.dumps(config).encode(),
                                 headers={"content-type": "application/json"}, method="POST")
    with urllib.request.urlopen(req, timeout=5) as res:
        body = json.loads(res.read())
    page.goto(f"{base_url}/?preset={config['preset']}#session={body['id']}&token={body['control_token']}")
    wait_cost(page)
    # The F32 frame of a presenter: the F16 one every socket gets first is off in the 4th
    # digit, and a step compared with it "moved" a dial whose arrow said 0 (seen under load).
    presenting(page)
    wait_drawn(page, "f.step === 0 && f.precision === 'f32'")


def wait_drawn(page: Any, cond: str) -> dict[str, Any]:
    page.wait_for_function(DRAWN, arg=cond, timeout=TIMEOUT_MS)
    return dict(page.evaluate(READ))


def click_and_wait(page: Any, button: str, cond: str) -> dict[str, Any]:
    page.click(f"[data-testid={button}]")
    return wait_drawn(page, cond)


def assert_moved_by_arrows(before: dict[str, Any], after: dict[str, Any]) -> None:
    """after − before == the arrows of `before`, for every dial: the dials are the network's
    own F64, the arrows F32, so to F32's digits."""
    for name, d in before["dials"].items():
        for k, (v0, arrow) in enumerate(zip(d["value"], d["arrow"], strict=True)):
            assert arrow is not None, f"{name}[{k}] has no arrow before the update"
            moved = after["dials"][name]["value"][k] - v0
            tol = 1e-12 * max(1.0, abs(v0))
            assert math.isclose(moved, arrow, rel_tol=1e-6, abs_tol=tol), (
                f"{name}[{k}]: moved {moved!r}, arrow said {arrow!r}")


def test_a_step_moves_every_dial_by_its_arrow(page: Any, server: Any) -> None:
    board_with(page, server.url, {"preset": "circle", "batch_size": 8, "momentum": 0.9})
    for n in (1, 2, 3):
        click_and_wait(page, "step", f"f.step === {n}")
    before = page.evaluate(READ)
    assert before["examples"] == 8 and before["batch"] == 8
    after = click_and_wait(page, "step", "f.step === 4")
    assert_moved_by_arrows(before, after)
    # With momentum the arrow is not −η × this batch's gradient: the board draws the real step.
    lr = before["lr"]
    gap = max(abs(a + lr * g) for name, d in before["dials"].items()
              for a, g in zip(d["arrow"], before["stepGrads"][name], strict=True))
    assert gap > 1e-3, "the arrows look like −η·gradient, not the momentum step"
    legend = page.text_content(".board-legend") or ""
    assert "arrow: the next step" in legend and "×" in legend, legend
    page.screenshot(path=str(ARTIFACTS / "arrows-circle-momentum.png"))


def arrows_by_layer(state: dict[str, Any]) -> dict[int, bool | None]:
    """Per weight layer: True if every dial has an arrow, False if none, None if mixed."""
    out: dict[int, bool | None] = {}
    for name, d in state["dials"].items():
        layer = int(name.split(".")[1])
        has = {a is not None for a in d["arrow"]}
        here = True if has == {True} else False if has == {False} else None
        out[layer] = here if out.get(layer, here) == here else None
    return out


def test_phase_by_phase_the_arrows_follow_backward(page: Any, server: Any) -> None:
    board_with(page, server.url, {"preset": "spiral", "batch_size": 8, "momentum": 0.9})
    click_and_wait(page, "step", "f.step === 1")
    phases = page.evaluate("window.dialboard.state().session.phases")
    n_layers = sum(1 for p in phases if p.startswith("forward:"))
    seen: list[str] = []
    revealed: dict[str, Any] = {}
    for phase in phases:
        state = click_and_wait(page, "phase", f"f.phase === {json.dumps(phase)}")
        seen.append(phase)
        by_layer = arrows_by_layer(state)
        if phase.startswith(("forward:", "cost")):
            assert state["inStep"] and not any(by_layer.values()), (phase, by_layer)
        elif phase.startswith("backward:"):
            l = int(phase.split(":")[1])
            want = {k: k >= l for k in range(n_layers)}
            assert by_layer == want, (phase, by_layer)
            assert sorted(state["layers"], reverse=True) == list(range(n_layers - 1, l - 1, -1))
            revealed = state
        if phase == "backward:0":
            page.screenshot(path=str(ARTIFACTS / "arrows-spiral-backward.png"))
    assert seen[-1] == "update" and revealed
    after = page.evaluate(READ)
    assert after["step"] == 2
    assert_moved_by_arrows(revealed, after)
    assert all(arrows_by_layer(after).values()), "after the update, the next step's arrows"


def test_locked_dial_has_no_arrow(page: Any, server: Any) -> None:
    board_with(page, server.url, {"preset": "circle", "batch_size": 8, "momentum": 0.9,
                                  "locked": [{"name": "layers.0.weight", "index": [1, 0]},
                                             "layers.1.bias"]})
    before = click_and_wait(page, "step", "f.step === 1")
    w = before["dials"]["layers.0.weight"]["arrow"]
    assert w[2] is None and all(a is not None for k, a in enumerate(w) if k != 2), w
    assert before["dials"]["layers.1.bias"]["arrow"] == [None]
    after = click_and_wait(page, "step", "f.step === 2")
    for name, k in (("layers.0.weight", 2), ("layers.1.bias", 0)):
        assert after["dials"][name]["value"][k] == before["dials"][name]["value"][k], name


def test_trial_and_error_arrow_is_the_dial_it_tries(page: Any, server: Any) -> None:
    board_with(page, server.url, {"preset": "xor-trial"})
    before = page.evaluate(READ)
    arrows = [(name, k, a) for name, d in before["dials"].items() for k, a in enumerate(d["arrow"])]
    assert all(a is not None for _, _, a in arrows)
    tried = [(name, k, a) for name, k, a in arrows if a != 0]
    assert len(tried) == 1, tried
    legend = page.text_content(".board-legend") or ""
    assert "the dial it will try next" in legend, legend
    nudged = click_and_wait(page, "phase", "f.phase === 'nudge'")
    assert all(a is None for d in nudged["dials"].values() for a in d["arrow"]), "tried: no arrows"
    assert_moved_by_arrows(before, nudged)


def test_a_viewer_sees_the_presenters_arrows(page: Any, server: Any, new_page: Any) -> None:
    board_with(page, server.url, {"preset": "circle", "batch_size": 8, "momentum": 0.9})
    sid = page.evaluate("window.dialboard.state().session.id")
    viewer = new_page()
    viewer.goto(f"{server.url}/?watch={sid}")
    wait_cost(viewer)
    for n in (1, 2):
        presenter = click_and_wait(page, "step", f"f.step === {n}")
        watched = wait_drawn(viewer, f"f.step === {n}")
        for name, d in presenter["dials"].items():
            seen = watched["dials"][name]["arrow"]
            for k, (a, b) in enumerate(zip(d["arrow"], seen, strict=True)):
                assert a is not None and b is not None, f"{name}[{k}]"
                assert math.isclose(a, b, rel_tol=1e-3, abs_tol=1e-7), (name, k, a, b)  # F16


# Per weight layer: its scale drawn, and every dial's arrow as it stands for and as drawn.
READ_GAINS = """() => {
  const d = window.dialboard, v = d.view, out = {};
  for (const p of d.state().session.parameters) {
    const n = p.shape.reduce((a, b) => a * b, 1), l = Number(p.name.split('.')[1]);
    out[l] ??= { range: v.scalesShown[l], pairs: [] };
    for (let k = 0; k < n; k++) out[l].pairs.push([v.arrow(p.name, k), v.arrowDrawn(p.name, k)]);
  }
  return { layers: out, titles: v.words.filter((w) => w.role === 'title').map((w) => w.text),
           legend: document.querySelector('.board-legend').textContent };
}"""


def gains_read(page: Any) -> tuple[dict[int, float], dict[int, float], list[str], str]:
    """Per layer with arrows: its gain (drawn ÷ update, the same for every dial of the layer)
    and its largest arrow drawn as a share of its dial's scale; the titles; the legend."""
    got = page.evaluate(READ_GAINS)
    gains: dict[int, float] = {}
    shares: dict[int, float] = {}
    for key, layer in got["layers"].items():
        pairs = [(u, d) for u, d in layer["pairs"] if u is not None and u != 0]
        if not pairs:
            continue
        ratios = {float(f"{d / u:.5g}") for u, d in pairs}   # F32 arrays: 7 digits
        assert len(ratios) == 1, (key, ratios)
        gains[int(key)] = ratios.pop()
        shares[int(key)] = max(abs(d) for _, d in pairs) / layer["range"]
    return gains, shares, got["titles"], got["legend"]


def test_each_layer_s_arrows_are_seen_and_its_title_says_their_gain(
        page: Any, server: Any) -> None:
    """XOR's first-layer updates are a few hundredths of its ±2 dials: under the one gain the
    whole board shared, chosen for the output layer's arrows, they were a pixel long in the
    very phase that computes them ("← 1", the layer marked "now"). Each layer now has its own
    1-2-5 gain, said in its title and in the legend."""
    board_with(page, server.url, {"preset": "xor"})
    phases = page.evaluate("window.dialboard.state().session.phases")
    for phase in phases[:phases.index("backward:1") + 1]:
        click_and_wait(page, "phase", f"f.phase === {json.dumps(phase)}")
    gains, shares, titles, _ = gains_read(page)
    assert set(gains) == {1}, gains
    assert not any("↻" in t for t in titles if t.startswith("Layer 1")), titles
    click_and_wait(page, "phase", "f.phase === 'backward:0'")
    gains, shares, titles, legend = gains_read(page)
    assert set(gains) == {0, 1}, gains
    for l, g in gains.items():
        assert g >= 1 and g / 10 ** math.floor(math.log10(g)) in (1, 2, 5), (l, g)
        assert 0.12 <= shares[l] <= 1.2, (l, shares)   # a visible arrow, inside its dial
        title = next(t for t in titles if t.startswith(f"Layer {l + 1}"))
        assert (re.search(f"↻ ?×{g:g}\\b", title) is not None) == (g > 1), (l, g, title)
    # The old shared gain was the output layer's (its arrows are the largest share of their
    # dials): under it, layer 1's largest arrow was a sliver of its dial.
    true_size = {l: shares[l] / gains[l] for l in gains}
    assert true_size[1] > true_size[0] and true_size[0] * gains[1] < 0.05, (true_size, gains)
    low, high = min(gains.values()), max(gains.values())
    assert f"×{low:g}–{high:g}" in legend if low != high else f"×{high:g}" in legend, legend
    page.screenshot(path=str(ARTIFACTS / "arrows-xor-backward-first-layer.png"))


def test_a_layer_without_an_arrow_says_no_gain(page: Any, server: Any) -> None:
    """Trial and error tries one dial: every other layer's updates are 0, and a gain said in
    their titles and the legend ("↻ ×2", "×2–10") spoke of arrows nobody could see."""
    board_with(page, server.url, {"preset": "xor", "learner": "trial_and_error"})
    gains, _, titles, legend = gains_read(page)
    assert len(gains) == 1, gains   # the one layer whose dial it tries next
    (l, g), = gains.items()
    for other in {0, 1} - {l}:
        title = next(t for t in titles if t.startswith(f"Layer {other + 1}"))
        assert "↻" not in title, (other, title)
    assert ("–" not in legend) and ((f"×{g:g}" in legend) == (g > 1)), legend
