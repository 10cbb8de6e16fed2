// The board's legend: the two sign colours, what the arrows are with their magnification
// ("arrow: the next step ×10", or "×5–200" when the layers' differ), and how to handle the
// dials. The magnification keeps one width whatever its digits, so that its changing while
// training plays never rewraps the legend: that moved the board up and down and redrew it at
// each new size.

import { arrowMeaning } from "./arrows.js";
import { t } from "../lib/i18n.js";

// A finger has no wheel, right button or keys: a phone's hint says what a finger does.
const TOUCH = typeof matchMedia === "function" ? matchMedia("(pointer: coarse)") : { matches: false };

export function createLegend(el) {
  let key = "", size = "", tallest = 0;

  /** gain: the arrows' magnification in words (arrows.js `gainText`), "" at true size. */
  function render(frame, { readOnly, count, gain }) {
    const who = arrowMeaning(frame);
    const hint = TOUCH.matches ? t(readOnly ? "legend.hint_viewer_touch" : "legend.hint_touch")
      : readOnly ? t("legend.hint_viewer") : count > 300 ? t("legend.hint_big") : t("legend.hint");
    const now = `${innerWidth}|${document.body.className}`;
    const next = `${who}|${gain}|${hint}|${now}`;
    if (next === key) return;   // rebuilt only when it says something new
    key = next;
    if (now !== size) { size = now; tallest = 0; el.style.minHeight = ""; }
    fill(who, gain, hint);
    // It never shrinks at one size: each phase's words wrapped it to another row count, and
    // the board under it was fitted again at every phase (26-50 px up and down).
    tallest = Math.max(tallest, el.offsetHeight);
    el.style.minHeight = `${tallest}px`;
  }

  function fill(who, gain, hint) {
    el.innerHTML = `
      <span class="key"><i class="swatch pos"></i>${t("legend.positive")}</span>
      <span class="key"><i class="swatch neg"></i>${t("legend.negative")}</span>
      <span class="key"><i class="arrow-glyph">↻</i><span>${who} <b class="gain">${gain}</b></span></span>
      <span class="key hint">${hint}</span>`;
  }

  return { render };
}
