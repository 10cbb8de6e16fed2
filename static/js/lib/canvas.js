// A canvas ready to draw in CSS pixels: sized to its box at the device's pixel ratio (only
// when that changed: resizing clears and reallocates), scaled, cleared, with the palette and
// the font size the CSS gives it.
//
// Sizes come from a ResizeObserver, not from clientWidth: reading a box after the page's text
// changed forces a synchronous layout, and the panels did that several times every redraw.
// Font size and palette are read once per look of the page (theme, projector mode).

import { readPalette, styleKey } from "./palette.js";

const sizes = new WeakMap();     // canvas → {w, h} in CSS px
const onResize = new WeakMap();  // canvas → what to call when its box changed
const looks = new WeakMap();     // canvas → {key, c, px}
let observer = null;   // made on first use: modules importing this also load in Node's tests

function resized(entries) {
  for (const e of entries) {
    const r = e.contentRect, old = sizes.get(e.target);
    sizes.set(e.target, { w: r.width, h: r.height });
    if (old && (old.w !== r.width || old.h !== r.height)) onResize.get(e.target)?.();
  }
}

/** The canvas's box in CSS px; `redraw` (optional) is called whenever that box changes. */
export function sizeOf(canvas, redraw) {
  if (redraw) onResize.set(canvas, redraw);
  let size = sizes.get(canvas);
  if (!size) {   // the first time only: one layout, then the observer keeps it
    size = { w: canvas.clientWidth, h: canvas.clientHeight };
    sizes.set(canvas, size);
    observer ??= new ResizeObserver(resized);
    observer.observe(canvas);
  }
  return size;
}

/** The palette and font size (px) the CSS gives this canvas, read again when the look changes. */
export function lookOf(canvas) {
  const key = styleKey();
  let look = looks.get(canvas);
  if (!look || look.key !== key) {
    look = { key, c: readPalette(canvas), px: parseFloat(getComputedStyle(canvas).fontSize) || 15 };
    looks.set(canvas, look);
  }
  return look;
}

/** Backing store at w × h CSS px at the device's pixel ratio; a 2D context drawing in CSS px. */
export function sizeCanvas(canvas, w, h) {
  const dpr = window.devicePixelRatio || 1;
  if (canvas.width !== Math.round(w * dpr) || canvas.height !== Math.round(h * dpr)) {
    canvas.width = Math.max(1, Math.round(w * dpr));
    canvas.height = Math.max(1, Math.round(h * dpr));
  }
  const ctx = canvas.getContext("2d");
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  return ctx;
}

export function prepareCanvas(canvas) {
  const { w, h } = sizeOf(canvas);
  const ctx = sizeCanvas(canvas, w, h);
  ctx.clearRect(0, 0, w, h);
  const { c, px } = lookOf(canvas);
  return { ctx, w, h, c, px };
}
