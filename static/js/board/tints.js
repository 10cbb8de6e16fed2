// Zoomed in on receptive fields (a first layer over an image input), every dial's face is
// tinted by its value, as the far-out cells are coloured, so the picture a neuron has learnt
// stays visible under the needles: the 625 dials of one neuron still read as a 25 × 25 image.
// One filled path per colour step and sign: the cost grows with the visible dials, not with
// canvas state changes.

import { mix } from "../lib/palette.js";

const STEPS = 12;       // colour steps per sign, from the face colour to the full sign colour
const RADIUS = 0.62;    // of the dial radius: inside the value arcs (0.64 r … 0.84 r)

/** Colour step (1 … STEPS) of value v on a ±R scale: √ so small weights still show their sign. */
export function tintStep(v, R) {
  return Math.max(1, Math.min(STEPS, Math.ceil(Math.sqrt(Math.abs(v) / R) * STEPS)));
}

/** Tints of the visible dials of receptive groups, centred on p.cx/p.cy, radius r device px. */
export function drawTints(ctx, p, r) {
  const { layout, values, ranges, locked, vis, nvis, cx, cy, palette: c } = p;
  const receptive = layout.groups.map((g) => g.kind === "receptive");
  if (!receptive.includes(true)) return;
  const at = [[], []];   // [sign][step] → visible-dial slots q
  for (let q = 0; q < nvis; q++) {
    const k = vis[q];
    if (!receptive[layout.layer[k]] || locked[k] || values[k] === 0) continue;
    const s = values[k] > 0 ? 0 : 1, step = tintStep(values[k], ranges[layout.layer[k]]);
    (at[s][step] ||= []).push(q);
  }
  const rr = r * RADIUS;
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  at.forEach((steps, s) => steps.forEach((qs, step) => {
    if (!qs) return;
    ctx.fillStyle = mix(c.face, s === 0 ? c.pos : c.neg, step / STEPS);
    ctx.beginPath();
    for (const q of qs) {
      ctx.moveTo(cx[q] + rr, cy[q]);
      ctx.arc(cx[q], cy[q], rr, 0, 2 * Math.PI);
    }
    ctx.fill();
  }));
}
