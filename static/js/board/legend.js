// The board's legend: the two sign colours, what the arrows are with their one shared
// magnification ("arrow: the next step ×10"), and how to handle the dials. The magnification
// keeps one width whatever its digits, so that its changing while training plays never
// rewraps the legend: that moved the board up and down and redrew it at each new size.

import { arrowMeaning } from "./arrows.js";
import { t } from "../lib/i18n.js";

// A finger has no wheel, right button or keys: a phone's hint says what a finger does.
const TOUCH = typeof matchMedia === "function" ? matchMedia("(pointer: coarse)") : { matches: false };

export function createLegend(el) {
  let key = "";

  /** gain: the arrows' magnification, or 1 when no dial has an arrow. */
  function render(frame, { readOnly, count, gain }) {
    const who = arrowMeaning(frame);
    const hint = TOUCH.matches ? t(readOnly ? "legend.hint_viewer_touch" : "legend.hint_touch")
      : readOnly ? t("legend.hint_viewer") : count > 300 ? t("legend.hint_big") : t("legend.hint");
    const next = `${who}|${gain}|${hint}`;
    if (next === key) return;   // rebuilt only when it says something new
    key = next;
    el.innerHTML = `
      <span class="key"><i class="swatch pos"></i>${t("legend.positive")}</span>
      <span class="key"><i class="swatch neg"></i>${t("legend.negative")}</span>
      <span class="key"><i class="arrow-glyph">↻</i><span>${who} <b class="gain">${gain > 1 ? `×${gain}` : ""}</b></span></span>
      <span class="key hint">${hint}</span>`;
  }

  return { render };
}
