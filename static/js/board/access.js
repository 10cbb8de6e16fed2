// The keyboard and screen-reader face of the canvas: role="slider" elements over the dials.
// Small boards get one slider per dial (Tab walks them); big boards get one roving slider
// that [ and ] move from dial to dial, so the page never holds thousands of elements. On
// every board { and } jump to the next neuron's first dial and < and > to the next layer's:
// 13,150 dials one at a time would be no way to get anywhere.

import { dialId, dialLabel } from "../lib/names.js";
import { fmt } from "../lib/format.js";
import { t } from "../lib/i18n.js";

const PER_DIAL_MAX = 300;

/** The first dial of neuron i of weight layer l (its first incoming weight), or −1. */
export function neuronStart(layout, sizes, l, i) {
  if (l < 0 || l >= sizes.length - 1 || i < 0 || i >= sizes[l + 1]) return -1;
  return layout.indexOf(`layers.${l}.weight`, [i, 0]);
}

/** Where each jump key goes from dial k (−1: nowhere). */
export const JUMPS = {
  "]": (k) => k + 1,
  "[": (k) => k - 1,
  "}": (k, c) => { const p = c.layout.paramOf(k); return neuronStart(c.layout, c.sizes, p.layer, p.index[0] + 1); },
  "{": (k, c) => {
    const p = c.layout.paramOf(k), first = neuronStart(c.layout, c.sizes, p.layer, p.index[0]);
    return k > first ? first : neuronStart(c.layout, c.sizes, p.layer, p.index[0] - 1);
  },
  ">": (k, c) => neuronStart(c.layout, c.sizes, c.layout.paramOf(k).layer + 1, 0),
  "<": (k, c) => {
    const l = c.layout.paramOf(k).layer, first = neuronStart(c.layout, c.sizes, l, 0);
    return k > first ? first : neuronStart(c.layout, c.sizes, l - 1, 0);
  },
};

export function createAccess(layer, handlers) {
  let sliders = [];
  let roving = null;
  let ctx = null;       // {layout, sizes, classNames, readOnly}

  /** next.same: the same board laid out again (resized), whose focused dial keeps the focus
   * (a panel filling in beside the board resizes it under a keyboard user's hands). */
  function build(next) {
    const active = document.activeElement;
    const had = next.same && layer.contains(active) ? Number(active.dataset.dial) : -1;
    ctx = next;
    layer.replaceChildren();
    sliders = [];
    roving = null;
    const n = next.layout.count;
    if (n <= PER_DIAL_MAX) {
      for (let k = 0; k < n; k++) sliders.push(makeSlider(k));
    } else {
      roving = makeSlider(0);
    }
    layer.append(...(roving ? [roving] : sliders));
    if (had >= 0 && had < n) elementFor(had).focus({ preventScroll: true });
  }

  function makeSlider(k) {
    const el = document.createElement("div");
    el.className = "dial-slider";
    el.setAttribute("role", "slider");
    el.tabIndex = 0;
    el.dataset.dial = String(k);
    el.addEventListener("focus", () => handlers.focus(Number(el.dataset.dial)));
    el.addEventListener("keydown", (e) => onKey(e, el));
    return el;
  }

  function onKey(e, el) {
    const k = Number(el.dataset.dial);
    const fine = e.shiftKey ? 10 : 1;
    const turns = { ArrowUp: 1, ArrowRight: 1, ArrowDown: -1, ArrowLeft: -1 };
    if (e.key in turns && !e.altKey && !e.ctrlKey && !e.metaKey) {
      handlers.nudge(k, turns[e.key] * fine);
    } else if (e.key === "Enter") handlers.edit(k);
    else if (e.key === "l" || e.key === "L") handlers.toggleLock(k);
    else if (e.key === "z" || e.key === "Z") handlers.zoomTo(k);
    else if (e.key in JUMPS) jump(JUMPS[e.key](k, ctx));
    else if (e.key === "Escape") el.blur();
    else return;
    e.preventDefault();
    e.stopPropagation();
  }

  function jump(k) {
    if (k < 0 || k >= ctx.layout.count) return;
    if (!roving) { sliders[k].focus(); return; }
    roving.dataset.dial = String(k);
    handlers.focus(k);
  }

  function elementFor(k) {
    if (roving) { roving.dataset.dial = String(k); return roving; }
    return sliders[k] || null;
  }

  /** Position over the dials and describe them; `rect(k)` gives CSS px in the board. */
  function sync(values, ranges, locked, rect) {
    if (!ctx) return;
    const list = roving ? [roving] : sliders;
    for (const el of list) {
      const k = Number(el.dataset.dial);
      const { name, index } = ctx.layout.paramOf(k);
      const R = ranges[ctx.layout.layer[k]];
      const r = rect(k);
      el.style.transform = `translate(${r.x}px, ${r.y}px)`;
      el.style.width = el.style.height = `${r.width}px`;
      const label = `${dialLabel(name, index, ctx.sizes, ctx.classNames)} (${dialId(name, index)})`;
      setAttr(el, "aria-label", locked[k] ? t("board.dial_locked", { label }) : label);
      setAttr(el, "aria-valuemin", String(-R));
      setAttr(el, "aria-valuemax", String(R));
      setAttr(el, "aria-valuenow", values[k].toFixed(4));
      setAttr(el, "aria-valuetext", fmt(values[k]));
      setAttr(el, "aria-readonly", ctx.readOnly ? "true" : "false");
    }
  }

  function setAttr(el, name, value) {
    if (el.getAttribute(name) !== value) el.setAttribute(name, value);
  }

  function focus(k) {
    const el = elementFor(k);
    if (el && document.activeElement !== el) el.focus({ preventScroll: true });
  }

  return { build, sync, focus };
}
