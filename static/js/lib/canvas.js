// A canvas ready to draw in CSS pixels: sized to its box at the device's pixel ratio (only
// when that changed: resizing clears and reallocates), scaled, cleared, with the palette and
// the font size the CSS gives it.

import { readPalette } from "./palette.js";

export function prepareCanvas(canvas) {
  const w = canvas.clientWidth, h = canvas.clientHeight, dpr = window.devicePixelRatio || 1;
  if (canvas.width !== Math.round(w * dpr) || canvas.height !== Math.round(h * dpr)) {
    canvas.width = Math.max(1, Math.round(w * dpr));
    canvas.height = Math.max(1, Math.round(h * dpr));
  }
  const ctx = canvas.getContext("2d");
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, w, h);
  const px = parseFloat(getComputedStyle(canvas).fontSize) || 15;
  return { ctx, w, h, c: readPalette(canvas), px };
}
