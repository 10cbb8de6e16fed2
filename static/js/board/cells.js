// The far-out board: one coloured cell per dial written straight into an ImageData, with a
// needle tick when cells are big enough to show one. Writing pixels costs a fraction of
// drawing 13,150 anti-aliased arcs.

import { angleOf } from "./faces.js";
import { rgb } from "../lib/palette.js";

/** Colour lookup: 256 steps from the face colour to full sign colour, as ABGR words. */
const lutCache = new Map();
function lut(from, to) {
  const key = `${from}>${to}`;
  if (lutCache.has(key)) return lutCache.get(key);
  const [r1, g1, b1] = rgb(from), [r2, g2, b2] = rgb(to);
  const table = new Uint32Array(256);
  for (let t = 0; t < 256; t++) {
    const f = t / 255;
    const ch = (u, v) => Math.round(u + (v - u) * f);
    table[t] = (255 << 24) | (ch(b1, b2) << 16) | (ch(g1, g2) << 8) | ch(r1, r2);
  }
  lutCache.set(key, table);
  return table;
}

/** Cells of the visible dials p.vis[0 … p.nvis) into img (device pixels). */
export function writeCells(img, p, ticks) {
  const { layout, values, ranges, locked, palette: c, vis, nvis } = p;
  const W = img.width, H = img.height;
  const px = new Uint32Array(img.data.buffer);
  const unit = p.pxPerUnit * p.dpr;
  const cell = Math.max(1, Math.floor(unit * 0.86));
  const half = cell / 2;
  const pos = lut(c.face, c.pos), neg = lut(c.face, c.neg), lock = lut(c.face, c.lock);
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
    // √ so that small weights still show their sign far out.
    const t = Math.min(255, Math.round(Math.sqrt(Math.abs(v) / R) * 255)) | 0;
    const colour = locked[k] ? lock[128] : (v >= 0 ? pos : neg)[t];
    for (let yy = y0; yy < y0 + cell; yy++) px.fill(colour, yy * W + x0, yy * W + x0 + cell);
    if (tick) needleTick(px, W, cx, cy, angleOf(v, R), tick, ink);
  }
}

function needleTick(px, W, cx, cy, a, len, ink) {
  const dx = Math.cos(a), dy = Math.sin(a);
  for (let s = 0; s <= len; s += 0.7) px[Math.round(cy + dy * s) * W + Math.round(cx + dx * s)] = ink;
}
