// The board's legend: the two sign colours, what the arrows are with their one shared
// magnification ("arrow: the next step ×10"), and how to handle the dials.

import { arrowMeaning } from "./arrows.js";

export function createLegend(el) {
  let key = "";

  /** gain: the arrows' magnification, or 1 when no dial has an arrow. */
  function render(frame, { readOnly, count, gain }) {
    const who = arrowMeaning(frame);
    const hint = readOnly ? "watching: dials are read-only · wheel to zoom" :
      count > 300 ? "wheel: zoom (on the selected dial: turn it) · double-click a neuron or Z: zoom to it · 0: all" :
        "drag · wheel · arrows to turn; double-click to type; right-click or L to lock";
    const next = `${who}|${gain}|${hint}`;
    if (next === key) return;   // rebuilt only when it says something new
    key = next;
    el.innerHTML = `
      <span class="key"><i class="swatch pos"></i>positive</span>
      <span class="key"><i class="swatch neg"></i>negative</span>
      <span class="key"><i class="arrow-glyph">↻</i><span>${who}${gain > 1 ? ` <b>×${gain}</b>` : ""}</span></span>
      <span class="key hint">${hint}</span>`;
  }

  return { render };
}
