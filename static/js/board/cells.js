// The far-out board: one coloured cell per dial written straight into an ImageData, with a
// needle tick when cells are big enough to show one. Writing pixels costs a fraction of
// drawing 13,150 anti-aliased arcs.

import { angleOf } from "./faces.js";
import { ramp, rgb } from "../lib/palette.js";

/** Colour level (0 … 255, of the way from the face colour to the sign's) of value v on a ±R
 * scale: √ so that small weights still show their sign far out. */
export function signLevel(v, R) {
  return Math.min(255, Math.round(Math.sqrt(Math.abs(v) / R) * 255)) | 0;
}

/** Cells of the visible dials p.vis[0 … p.nvis) into img (device pixels). */
export function writeCells(img, p, ticks) {
  const { layout, values, ranges, locked, palette: c, vis, nvis } = p;
  const W = img.width, H = img.height;
  const px = new Uint32Array(img.data.buffer);
  const unit = p.pxPerUnit * p.dpr;
  const cell = Math.max(1, Math.floor(unit * 0.86));
  const half = cell / 2;
  const pos = ramp(c.face, c.pos), neg = ramp(c.face, c.neg), lock = ramp(c.face, c.lock);
  const [ir, ig, ib] = rgb(c.ink);
  const ink = (255 << 24) | (ib << 16) | (ig << 8) | ir;
  const tick = ticks ? half * 0.9 : 0;
  const ox = p.ox * p.dpr, oy = p.oy * p.dpr;
  for (let q = 0; q < nvis; q++) {
    const k = vis[q];
    const cx = ox + layout.x[k] * unit, cy = oy + layout.y[k] * unit;
    const x0 = Math.round(cx - half), y0 = Math.round(cy - half);
    if (x0 < 0 || y0 < 0 || x0 + cell > W || y0 + cell > H) continue;
    const R = ranges[layout.layer[k]], v = values[k];
    const t = signLevel(v, R);
    const colour = locked[k] ? lock[128] : (v >= 0 ? pos : neg)[t];
    for (let yy = y0; yy < y0 + cell; yy++) px.fill(colour, yy * W + x0, yy * W + x0 + cell);
    if (tick) needleTick(px, W, cx, cy, angleOf(v, R), tick, ink);
  }
}

function needleTick(px, W, cx, cy, a, len, ink) {
  const dx = Math.cos(a), dy = Math.sin(a);
  for (let s = 0; s <= len; s += 0.7) px[Math.round(cy + dy * s) * W + Math.round(cx + dx * s)] = ink;
}
