// Dial faces as small pre-rendered images: one per size bucket, level of detail, layer scale
// and lock state, for the current theme. Stamping a face is one integer-aligned drawImage;
// drawing it as paths (disc, outline, five ticks, ±R labels, hatching) costs several times
// more, which made every zoom and pan frame slow. Sizes are quantised so that a zoom gesture
// makes a handful of sprites and a zoom back and forth reuses them.

import { R_FACE, SWEEP, padlock } from "./faces.js";
import { fmtScale } from "../lib/format.js";

const STEPS_PER_OCTAVE = 16;   // radius buckets ~4.4% apart: at most ~2% off the layout
const KEEP = 96;               // sprites kept, least recently used dropped first
// The ±R words' least size, CSS px; the page's for labels where larger (the projector's 15):
// under a dial too small for them there are none (the layer's title says its scale).
const LABEL_MIN_PX = 8.5;

/** The dial radius in device px for a zoom, quantised to its bucket. */
export function dialRadius(pxPerUnit, dpr) {
  const r = R_FACE * pxPerUnit * dpr;
  return 2 ** (Math.round(Math.log2(r) * STEPS_PER_OCTAVE) / STEPS_PER_OCTAVE);
}

export function createSprites() {
  const cache = new Map();   // key → canvas with .half; Map order is recency
  let palette = null;
  const table = [];          // this stamp's sprites by layer × lock, so lookups stay per layer

  function get(r, p, layer, locked) {
    const label = p.lod === "full" ? fmtScale(p.ranges[layer]) : "";   // ±R only at full size
    const least = Math.max(LABEL_MIN_PX, p.labelPx ?? 0);
    const key = `${r}|${p.dpr}|${label}|${locked}|${least}`;
    let s = cache.get(key);
    if (s) { cache.delete(key); cache.set(key, s); return s; }
    s = drawSprite(r, p.dpr, p.palette, label, locked, least);
    cache.set(key, s);
    if (cache.size > KEEP) cache.delete(cache.keys().next().value);
    return s;
  }

  /** Faces of the visible dials, centred on p.cx/p.cy (device px), radius r (device px). */
  function stamp(ctx, p, r) {
    if (p.palette !== palette) { cache.clear(); palette = p.palette; }
    const { layout, locked, vis, nvis, cx, cy } = p;
    table.length = 0;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    for (let q = 0; q < nvis; q++) {
      const k = vis[q], slot = 2 * layout.layer[k] + (locked[k] ? 1 : 0);
      const s = table[slot] || (table[slot] = get(r, p, layout.layer[k], locked[k] ? 1 : 0));
      ctx.drawImage(s, cx[q] - s.half, cy[q] - s.half);
    }
  }

  return { stamp };
}

function drawSprite(r, dpr, c, rangeText, locked, least) {
  const s = document.createElement("canvas");
  let half = Math.ceil(r * 1.06 + dpr + 1);
  const ends = rangeText ? endLabels(s.getContext("2d"), r, dpr, rangeText, least) : null;
  if (ends) half = Math.max(half, Math.ceil(Math.max(ends.reach, r * 0.8 + ends.px * 0.7) + 2));
  s.width = s.height = 2 * half;
  s.half = half;
  const ctx = s.getContext("2d");
  ctx.translate(half, half);
  disc(ctx, r, dpr, c);
  ticks(ctx, r, dpr, c);
  if (locked) hatch(ctx, r, c);
  if (ends) labels(ctx, r, ends, c);
  return s;
}

/**
 * The ±R words under a dial (device px): −R left and +R right of the bottom gap while both
 * pairs fit between this dial and its neighbours (dials sit r / R_FACE apart); else one
 * centred "±R"; else none (the layer's title still says the scale). Never into a neighbour's.
 */
function endLabels(g, r, dpr, rangeText, least) {
  const px = Math.max(least * dpr, (r / R_FACE) * 0.115);
  g.font = `500 ${px}px system-ui, "Segoe UI", Roboto, sans-serif`;
  const pitch = r / R_FACE, gap = Math.max(3 * dpr, 0.1 * r);
  const w = Math.max(g.measureText(`−${rangeText}`).width, g.measureText(`+${rangeText}`).width);
  if (2 * (0.3 * r + w) + gap <= pitch) return { px, font: g.font, two: true, text: rangeText, reach: 0.3 * r + w };
  const one = g.measureText(`±${rangeText}`).width;
  if (one + gap <= pitch) return { px, font: g.font, two: false, text: `±${rangeText}`, reach: one / 2 };
  return null;
}
function disc(ctx, r, dpr, c) {
  ctx.fillStyle = c.face;
  ctx.strokeStyle = c.line;
  ctx.lineWidth = Math.max(0.0625 * r, 0.8 * dpr);
  ctx.beginPath();
  ctx.arc(0, 0, r, 0, 2 * Math.PI);
  ctx.fill();
  ctx.stroke();
}

/** Scale ticks at −R, −R/2, 0, +R/2, +R: the long ones at the ends and at 0. */
function ticks(ctx, r, dpr, c) {
  ctx.strokeStyle = c.muted;
  ctx.lineWidth = Math.max(0.05 * r, 0.7 * dpr);
  ctx.lineCap = "round";
  ctx.beginPath();
  for (let t = -1; t <= 1.001; t += 0.5) {
    const a = -Math.PI / 2 + t * SWEEP;
    const inner = t === 0 || Math.abs(t) === 1 ? 0.76 : 0.84;
    ctx.moveTo(Math.cos(a) * r * inner, Math.sin(a) * r * inner);
    ctx.lineTo(Math.cos(a) * r * 0.95, Math.sin(a) * r * 0.95);
  }
  ctx.stroke();
}

function hatch(ctx, r, c) {
  ctx.save();
  ctx.beginPath();
  ctx.arc(0, 0, r, 0, 2 * Math.PI);
  ctx.clip();
  ctx.globalAlpha = 0.35;
  ctx.strokeStyle = c.lock;
  ctx.lineWidth = 0.075 * r;
  ctx.beginPath();
  for (let d = -1; d <= 1; d += 0.18) { ctx.moveTo(d * r - r, r); ctx.lineTo(d * r + r, -r); }
  ctx.stroke();
  ctx.restore();
  ctx.fillStyle = c.lock;
  ctx.strokeStyle = c.lock;
  padlock(ctx, 0, r * 0.66, r * 0.24);
}

function labels(ctx, r, ends, c) {
  ctx.font = ends.font;
  ctx.fillStyle = c.muted;
  ctx.textBaseline = "middle";
  if (!ends.two) {
    ctx.textAlign = "center";
    ctx.fillText(ends.text, 0, r * 0.8);
    return;
  }
  ctx.textAlign = "right";
  ctx.fillText(`−${ends.text}`, -r * 0.3, r * 0.8);
  ctx.textAlign = "left";
  ctx.fillText(`+${ends.text}`, r * 0.3, r * 0.8);
}
