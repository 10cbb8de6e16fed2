// The moving parts of zoomed-in dials: value arcs, update arrows and needles, redrawn every
// frame at the dials' centres in device px. Skia rasterises a 1-device-px anti-aliased line
// (a hairline) several times faster than a wider stroke or a filled shape, so every mark is
// a band of parallel hairlines half a device pixel apart (a whole pixel apart they show as
// stripes), and each kind of mark is one path per colour for all visible dials. With ~1,500 dials on the stage that is what keeps the frame
// inside its budget; wider strokes and filled arrowheads took most of it.

import { angleOf } from "./faces.js";

const TOP = -Math.PI / 2;

let heads = new Float32Array(0);   // arrowheads (x, y, angle, direction), reused every frame

/** Marks of the visible dials p.vis[0 … p.nvis), centred on p.cx/p.cy, radius r device px. */
export function drawMarks(ctx, p, r) {
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  ctx.lineWidth = 1;
  ctx.lineCap = "butt";
  valueArcs(ctx, p, r, 1, p.palette.pos);
  valueArcs(ctx, p, r, -1, p.palette.neg);
  if (p.arrows) arrows(ctx, p, r);
  needles(ctx, p, r);
}

const GAP = 0.5;   // device px between the hairlines of a band

/** A band `width` device px wide: n hairlines, the first at offset `first` from its middle. */
function band(width) {
  // A hairline covers about one pixel itself, so n lines span (n − 1)·GAP + 1.
  const n = Math.max(1, Math.round((width - 1) / GAP) + 1);
  return { n, first: (-(n - 1) / 2) * GAP };
}

/** From 0 at the top to the needle, in the sign's colour, 0.64 r to 0.84 r. */
function valueArcs(ctx, p, r, sign, colour) {
  const { layout, values, ranges, vis, nvis, cx, cy } = p;
  const { n, first } = band(0.2 * r);
  ctx.strokeStyle = colour;
  ctx.beginPath();
  for (let q = 0; q < nvis; q++) {
    const k = vis[q], v = values[k];
    if (!(v * sign > 0)) continue;
    const a = angleOf(v, ranges[layout.layer[k]]), x = cx[q], y = cy[q];
    for (let i = 0; i < n; i++) {
      const ri = 0.74 * r + first + i * GAP;
      ctx.moveTo(x, y - ri);
      ctx.arc(x, y, ri, TOP, a, sign < 0);
    }
  }
  ctx.stroke();
}

/** A line from the centre to 0.9 r, as wide as the old stroke: max(0.075 r, 1.6 CSS px). */
function needles(ctx, p, r) {
  const { layout, values, ranges, palette: c, vis, nvis, cx, cy } = p;
  const { n, first } = band(Math.max(0.075 * r, 1.6 * p.dpr));
  const len = 0.9 * r;
  ctx.strokeStyle = c.ink;
  ctx.beginPath();
  for (let q = 0; q < nvis; q++) {
    const k = vis[q], a = angleOf(values[k], ranges[layout.layer[k]]);
    const dx = Math.cos(a), dy = Math.sin(a);
    for (let i = 0; i < n; i++) {
      const o = first + i * GAP, x = cx[q] - dy * o, y = cy[q] + dx * o;
      ctx.moveTo(x, y);
      ctx.lineTo(x + dx * len, y + dy * len);
    }
  }
  ctx.stroke();
  if (p.lod !== "full") return;
  // At full size the pivot gets a cap; a few hundred small discs are cheap to fill.
  ctx.fillStyle = c.ink;
  ctx.beginPath();
  for (let q = 0; q < nvis; q++) {
    ctx.moveTo(cx[q] + 0.11 * r, cy[q]);
    ctx.arc(cx[q], cy[q], 0.11 * r, 0, 2 * Math.PI);
  }
  ctx.fill();
}

/** Arc just outside the face from the needle to where the next update puts it (magnified). */
function arrows(ctx, p, r) {
  const { layout, values, arrows: turn, ranges, locked, palette: c, vis, nvis, cx, cy } = p;
  const ra = 1.1 * r;
  const { n, first } = band(0.1 * r);
  if (heads.length < 4 * nvis) heads = new Float32Array(4 * layout.count);
  let nh = 0;
  ctx.strokeStyle = c.arrow;
  ctx.beginPath();
  for (let q = 0; q < nvis; q++) {
    const k = vis[q];
    if (locked[k] || !turn[k]) continue;
    const R = ranges[layout.layer[k]];
    const a0 = angleOf(values[k], R), a1 = angleOf(values[k] + turn[k], R);
    if (Math.abs(a1 - a0) < 0.04) continue;
    const x = cx[q], y = cy[q];
    for (let i = 0; i < n; i++) {
      const ri = ra + first + i * GAP;
      ctx.moveTo(x + Math.cos(a0) * ri, y + Math.sin(a0) * ri);
      ctx.arc(x, y, ri, a0, a1, a1 < a0);
    }
    heads[nh++] = x; heads[nh++] = y; heads[nh++] = a1; heads[nh++] = a1 > a0 ? 1 : -1;
  }
  arrowheads(ctx, nh, ra, 0.28 * r);
  ctx.stroke();
}

/** Each head a fan of hairlines from its tip to its base, two per device px of the base. */
function arrowheads(ctx, nh, ra, h) {
  const m = Math.max(2, Math.ceil(1.1 * h / GAP) + 1);
  for (let q = 0; q < nh; q += 4) {
    const x = heads[q], y = heads[q + 1], a = heads[q + 2], dir = heads[q + 3];
    const nx = Math.cos(a), ny = Math.sin(a);
    const tx = x + nx * ra, ty = y + ny * ra;
    const dx = -ny * dir, dy = nx * dir;     // tangent, direction of travel
    const px = tx + dx * h * 0.6, py = ty + dy * h * 0.6;
    const bx = tx - dx * h * 0.5, by = ty - dy * h * 0.5;
    for (let i = 0; i < m; i++) {
      const s = (i / (m - 1) - 0.5) * 1.1 * h;
      ctx.moveTo(px, py);
      ctx.lineTo(bx + nx * s, by + ny * s);
    }
  }
}
