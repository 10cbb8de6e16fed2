// Zoomed in on receptive fields (a first layer over an image input), every dial's face is
// tinted by its value, as the far-out cells are coloured, so the picture a neuron has learnt
// stays visible under the needles: the 625 dials of one neuron still read as a 25 × 25 image.
// The tints are written straight into the frame's ImageData, over the cached faces: a
// thousand anti-aliased filled arcs took the canvas several times longer than these pixels.

import { signLevel } from "./cells.js";
import { ramp } from "../lib/palette.js";

const RADIUS = 0.62;      // of the dial radius: inside the value arcs (0.64 r … 0.84 r)
const LEAST = 21;         // of 255: a tiny weight still shows its sign (1/12 of the way)

/** Tint level (LEAST … 255) of value v on a ±R scale: the far-out cells' level, floored. */
export function tintLevel(v, R) {
  return Math.max(LEAST, signLevel(v, R));
}

/** True when a dial of a receptive group is among the visible ones. */
export function tintsShown(p) {
  const { layout, vis, nvis } = p;
  const receptive = layout.groups.map((g) => g.kind === "receptive");
  if (!receptive.includes(true)) return false;
  for (let q = 0; q < nvis; q++) if (receptive[layout.layer[vis[q]]]) return true;
  return false;
}

let disc = { rr: -1, rows: new Int32Array(0), edges: new Int32Array(0) };

/**
 * A disc of radius rr device px centred on a pixel corner: `rows` are the fully covered spans
 * (dy, dx0, dx1), `edges` the partly covered pixels (dx, dy, coverage in 256ths), offsets from
 * the centre.
 */
function discOf(rr) {
  if (disc.rr === rr) return disc;
  const h = Math.ceil(rr + 1), rows = [], edges = [];
  for (let dy = -h; dy < h; dy++) {
    let x0 = 0, x1 = 0;
    for (let dx = -h; dx < h; dx++) {
      const a = Math.min(1, Math.max(0, rr + 0.5 - Math.hypot(dx + 0.5, dy + 0.5)));
      if (a >= 1) { if (x1 === x0) x0 = dx; x1 = dx + 1; } else if (a > 0) edges.push(dx, dy, Math.round(a * 256));
    }
    if (x1 > x0) rows.push(dy, x0, x1);
  }
  disc = { rr, rows: Int32Array.from(rows), edges: Int32Array.from(edges) };
  return disc;
}

/** Tints of the visible dials of receptive groups into img, centred on p.cx/p.cy, radius r device px. */
export function writeTints(img, p, r) {
  const { layout, values, ranges, locked, vis, nvis, cx, cy, palette: c } = p;
  const receptive = layout.groups.map((g) => g.kind === "receptive");
  const { rows, edges } = discOf(r * RADIUS);
  const W = img.width, H = img.height, words = new Uint32Array(img.data.buffer);
  const pos = ramp(c.face, c.pos), neg = ramp(c.face, c.neg);
  for (let q = 0; q < nvis; q++) {
    const k = vis[q], v = values[k];
    if (!receptive[layout.layer[k]] || locked[k] || v === 0) continue;
    const colour = (v > 0 ? pos : neg)[tintLevel(v, ranges[layout.layer[k]])];
    const x = cx[q], y = cy[q];
    for (let i = 0; i < rows.length; i += 3) {
      const yy = y + rows[i];
      if (yy < 0 || yy >= H) continue;
      const a = yy * W + Math.max(0, x + rows[i + 1]), b = yy * W + Math.min(W, x + rows[i + 2]);
      for (let o = a; o < b; o++) words[o] = colour;   // spans of a few pixels: a call costs more
    }
    blendEdges(words, W, H, x, y, edges, colour);
  }
}

/**
 * The disc's rim: each pixel moved towards `colour` by its coverage. Words are ABGR; red and
 * blue are blended together in one multiply, green in another (a classic packed-pixel lerp).
 */
function blendEdges(words, W, H, x, y, edges, colour) {
  const crb = colour & 0xff00ff, cg = colour & 0xff00;
  for (let i = 0; i < edges.length; i += 3) {
    const xx = x + edges[i], yy = y + edges[i + 1];
    if (xx < 0 || xx >= W || yy < 0 || yy >= H) continue;
    const o = yy * W + xx, a = edges[i + 2], b = 256 - a, w = words[o];
    const rb = (((w & 0xff00ff) * b + crb * a) >>> 8) & 0xff00ff;
    const g = (((w & 0xff00) * b + cg * a) >>> 8) & 0xff00;
    words[o] = (w & 0xff000000) | rb | g;
  }
}
