// Paints the board in batched passes: one cached image of the still parts (faces.js), then
// one path per kind of moving mark (positive arcs, negative arcs, arrows, needles), so the
// cost grows with the number of dials but not with the number of canvas state changes.
// Far out (dials under DETAIL_MIN_PX) every dial is a coloured cell written straight into
// an ImageData, with a needle tick when cells are big enough to show one.

import { R_FACE, SWEEP, angleOf, drawFaces } from "./faces.js";
import { rgb } from "../lib/palette.js";

export const DETAIL_MIN_PX = 11;   // dial radius in CSS px below which cells are drawn

export function createPainter(canvas) {
  const ctx = canvas.getContext("2d");
  // The far-out background is read back once per change, so it gets a CPU-side canvas.
  const near = document.createElement("canvas"), far = document.createElement("canvas");
  const nearCtx = near.getContext("2d"), farCtx = far.getContext("2d", { willReadFrequently: true });
  let faces = near, fctx = nearCtx;
  let facesKey = "";
  let background = null;   // ImageData of `faces`, for the far-out path
  let frame = null;

  function cacheFaces(p, detailed) {
    const key = `${p.facesKey}|${detailed}|${canvas.width}x${canvas.height}`;
    if (key === facesKey) return;
    facesKey = key;
    [faces, fctx] = detailed ? [near, nearCtx] : [far, farCtx];
    faces.width = canvas.width;
    faces.height = canvas.height;
    fctx.setTransform(1, 0, 0, 1, 0, 0);
    fctx.clearRect(0, 0, faces.width, faces.height);
    boardTransform(fctx, p);
    drawFaces(fctx, p, detailed);
    background = detailed ? null : fctx.getImageData(0, 0, faces.width, faces.height);
    frame = detailed ? null : new ImageData(faces.width, faces.height);
  }

  function paint(p) {
    const detailed = R_FACE * p.pxPerUnit >= DETAIL_MIN_PX;
    cacheFaces(p, detailed);
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    if (detailed) {
      ctx.clearRect(0, 0, canvas.width, canvas.height);
      ctx.drawImage(faces, 0, 0);
      boardTransform(ctx, p);
      drawDynamic(ctx, p);
    } else {
      paintCells(p);
      boardTransform(ctx, p);
    }
    drawRings(ctx, p, detailed);
    return detailed;
  }

  function paintCells(p) {
    frame.data.set(background.data);
    writeCells(frame, p);
    ctx.putImageData(frame, 0, 0);
  }

  return { paint };
}

function boardTransform(ctx, p) {
  const s = p.pxPerUnit * p.dpr;
  ctx.setTransform(s, 0, 0, s, p.ox * p.dpr, p.oy * p.dpr);
}

function drawDynamic(ctx, p) {
  const { layout, values, ranges, palette: c } = p;
  const r = R_FACE * 0.74;
  ctx.lineCap = "butt";
  ctx.lineWidth = R_FACE * 0.2;
  for (const sign of [1, -1]) {
    ctx.strokeStyle = sign > 0 ? c.pos : c.neg;
    ctx.beginPath();
    for (let k = 0; k < layout.count; k++) {
      const v = values[k];
      if (!(v * sign > 0)) continue;
      const a = angleOf(v, ranges[layout.layer[k]]);
      const x = layout.x[k], y = layout.y[k];
      ctx.moveTo(x + Math.cos(-Math.PI / 2) * r, y + Math.sin(-Math.PI / 2) * r);
      ctx.arc(x, y, r, -Math.PI / 2, a, sign < 0);
    }
    ctx.stroke();
  }
  drawArrows(ctx, p);
  drawNeedles(ctx, p);
}

function drawNeedles(ctx, p) {
  const { layout, values, ranges, palette: c } = p;
  const len = R_FACE * 0.9;
  ctx.strokeStyle = c.ink;
  ctx.fillStyle = c.ink;
  ctx.lineCap = "round";
  ctx.lineWidth = Math.max(R_FACE * 0.075, 1.6 / p.pxPerUnit);
  ctx.beginPath();
  for (let k = 0; k < layout.count; k++) {
    const a = angleOf(values[k], ranges[layout.layer[k]]);
    const x = layout.x[k], y = layout.y[k];
    ctx.moveTo(x, y);
    ctx.lineTo(x + Math.cos(a) * len, y + Math.sin(a) * len);
  }
  ctx.stroke();
  ctx.beginPath();
  for (let k = 0; k < layout.count; k++) {
    ctx.moveTo(layout.x[k] + R_FACE * 0.11, layout.y[k]);
    ctx.arc(layout.x[k], layout.y[k], R_FACE * 0.11, 0, 2 * Math.PI);
  }
  ctx.fill();
}

/** Arc just outside the face from the needle to where the next descent step puts it. */
function drawArrows(ctx, p) {
  const { layout, values, arrows, ranges, locked, palette: c } = p;
  if (!arrows) return;
  const r = R_FACE * 1.1;
  const heads = [];
  ctx.strokeStyle = c.arrow;
  ctx.lineWidth = R_FACE * 0.1;
  ctx.lineCap = "round";
  ctx.beginPath();
  for (let k = 0; k < layout.count; k++) {
    if (locked[k] || !arrows[k]) continue;
    const R = ranges[layout.layer[k]];
    const a0 = angleOf(values[k], R);
    const a1 = angleOf(values[k] + arrows[k], R);
    if (Math.abs(a1 - a0) < 0.04) continue;
    const x = layout.x[k], y = layout.y[k];
    ctx.moveTo(x + Math.cos(a0) * r, y + Math.sin(a0) * r);
    ctx.arc(x, y, r, a0, a1, a1 < a0);
    heads.push(x, y, a1, a1 > a0 ? 1 : -1);
  }
  ctx.stroke();
  ctx.fillStyle = c.arrow;
  ctx.beginPath();
  const h = R_FACE * 0.28;
  for (let q = 0; q < heads.length; q += 4) {
    const [x, y, a, dir] = heads.slice(q, q + 4);
    const tx = x + Math.cos(a) * r, ty = y + Math.sin(a) * r;
    const dx = -Math.sin(a) * dir, dy = Math.cos(a) * dir;     // tangent, direction of travel
    const nx = Math.cos(a), ny = Math.sin(a);
    ctx.moveTo(tx + dx * h * 0.6, ty + dy * h * 0.6);
    ctx.lineTo(tx - dx * h * 0.5 + nx * h * 0.55, ty - dy * h * 0.5 + ny * h * 0.55);
    ctx.lineTo(tx - dx * h * 0.5 - nx * h * 0.55, ty - dy * h * 0.5 - ny * h * 0.55);
    ctx.closePath();
  }
  ctx.fill();
}

function drawRings(ctx, p, detailed) {
  const { layout, palette: c } = p;
  const ring = (k, colour, width) => {
    if (k < 0 || k >= layout.count) return;
    ctx.strokeStyle = colour;
    ctx.lineWidth = width / p.pxPerUnit;
    ctx.beginPath();
    if (detailed) ctx.arc(layout.x[k], layout.y[k], R_FACE * 1.3, 0, 2 * Math.PI);
    else ctx.rect(layout.x[k] - 0.7, layout.y[k] - 0.7, 1.4, 1.4);
    ctx.stroke();
  };
  ring(p.hover, c.muted, 2);
  ring(p.selected, c.accent, 3.5);
}

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

function writeCells(img, p) {
  const { layout, values, ranges, locked, palette: c } = p;
  const W = img.width, H = img.height;
  const px = new Uint32Array(img.data.buffer);
  const unit = p.pxPerUnit * p.dpr;
  const cell = Math.max(1, Math.floor(unit * 0.86));
  const half = cell / 2;
  const pos = lut(c.face, c.pos), neg = lut(c.face, c.neg), lock = lut(c.face, c.lock);
  const [ir, ig, ib] = rgb(c.ink);
  const ink = (255 << 24) | (ib << 16) | (ig << 8) | ir;
  const tick = cell >= 7 ? half * 0.9 : 0;
  for (let k = 0; k < layout.count; k++) {
    const cx = p.ox * p.dpr + layout.x[k] * unit, cy = p.oy * p.dpr + layout.y[k] * unit;
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

export { SWEEP };
