// Paints the board at one of four levels of detail, chosen by the dial radius on screen:
//   cells  (r < 3.2 px)  one coloured cell per dial, written straight into an ImageData
//   ticks  (r < 6 px)    the same cells with a needle tick
//   dials  (r < 28 px)   faces and scale ticks (cached), value arcs, needles, gradient arrows
//   full                 the dials plus the ±R numbers under every dial and needle caps
// Only dials on the stage are visited. The still parts come from one cached image (faces.js);
// the moving marks go in one batched path per kind, so the cost grows with the visible dials
// and not with canvas state changes.

import { R_FACE, SWEEP, angleOf, drawFaces } from "./faces.js";
import { writeCells } from "./cells.js";

export const LOD_MIN_PX = { cells: 0, ticks: 3.2, dials: 6, full: 28 };   // dial radius, CSS px

export function lodOf(pxPerUnit) {
  const r = R_FACE * pxPerUnit;
  return r >= LOD_MIN_PX.full ? "full" : r >= LOD_MIN_PX.dials ? "dials" : r >= LOD_MIN_PX.ticks ? "ticks" : "cells";
}

export function createPainter(canvas) {
  const ctx = canvas.getContext("2d");
  // The far-out background is read back once per change, so it gets a CPU-side canvas.
  const near = document.createElement("canvas"), far = document.createElement("canvas");
  const nearCtx = near.getContext("2d"), farCtx = far.getContext("2d", { willReadFrequently: true });
  let faces = near, fctx = nearCtx;
  let facesKey = "";
  let background = null;   // ImageData of `faces`, for the cell levels
  let frame = null;
  let vis = new Uint32Array(0);

  function cacheFaces(p, detailed) {
    const key = `${p.facesKey}|${p.lod}|${canvas.width}x${canvas.height}`;
    if (key === facesKey) return;
    facesKey = key;
    [faces, fctx] = detailed ? [near, nearCtx] : [far, farCtx];
    if (faces.width !== canvas.width || faces.height !== canvas.height) {
      faces.width = canvas.width;
      faces.height = canvas.height;
    }
    fctx.setTransform(1, 0, 0, 1, 0, 0);
    fctx.clearRect(0, 0, faces.width, faces.height);
    boardTransform(fctx, p);
    drawFaces(fctx, p, detailed);
    background = detailed ? null : fctx.getImageData(0, 0, faces.width, faces.height);
    if (!detailed && (!frame || frame.width !== faces.width || frame.height !== faces.height)) {
      frame = new ImageData(faces.width, faces.height);
    }
  }

  /** The dials whose cell meets the stage, into p.vis[0 … p.nvis). */
  function cull(p) {
    const { layout } = p;
    if (vis.length < layout.count) vis = new Uint32Array(layout.count);
    const u = p.pxPerUnit, w = canvas.width / p.dpr, h = canvas.height / p.dpr;
    const x0 = -p.ox / u - 1, x1 = (w - p.ox) / u + 1, y0 = -p.oy / u - 1, y1 = (h - p.oy) / u + 1;
    let n = 0;
    for (let k = 0; k < layout.count; k++) {
      const x = layout.x[k], y = layout.y[k];
      if (x > x0 && x < x1 && y > y0 && y < y1) vis[n++] = k;
    }
    p.vis = vis;
    p.nvis = n;
  }

  function paint(p) {
    p.lod = lodOf(p.pxPerUnit);
    const detailed = p.lod === "dials" || p.lod === "full";
    cull(p);
    cacheFaces(p, detailed);
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    if (detailed) {
      ctx.clearRect(0, 0, canvas.width, canvas.height);
      ctx.drawImage(faces, 0, 0);
      boardTransform(ctx, p);
      drawDynamic(ctx, p);
    } else {
      frame.data.set(background.data);
      writeCells(frame, p, p.lod === "ticks");
      ctx.putImageData(frame, 0, 0);
      boardTransform(ctx, p);
    }
    drawRings(ctx, p, detailed);
    return p.lod;
  }

  return { paint };
}

function boardTransform(ctx, p) {
  const s = p.pxPerUnit * p.dpr;
  ctx.setTransform(s, 0, 0, s, p.ox * p.dpr, p.oy * p.dpr);
}

function drawDynamic(ctx, p) {
  const { layout, values, ranges, palette: c, vis, nvis } = p;
  const r = R_FACE * 0.74;
  ctx.lineCap = "butt";
  ctx.lineWidth = R_FACE * 0.2;
  for (const sign of [1, -1]) {
    ctx.strokeStyle = sign > 0 ? c.pos : c.neg;
    ctx.beginPath();
    for (let q = 0; q < nvis; q++) {
      const k = vis[q], v = values[k];
      if (!(v * sign > 0)) continue;
      const a = angleOf(v, ranges[layout.layer[k]]);
      const x = layout.x[k], y = layout.y[k];
      ctx.moveTo(x, y - r);
      ctx.arc(x, y, r, -Math.PI / 2, a, sign < 0);
    }
    ctx.stroke();
  }
  drawArrows(ctx, p);
  drawNeedles(ctx, p);
}

function drawNeedles(ctx, p) {
  const { layout, values, ranges, palette: c, vis, nvis } = p;
  const len = R_FACE * 0.9;
  ctx.strokeStyle = c.ink;
  ctx.fillStyle = c.ink;
  ctx.lineCap = "round";
  ctx.lineWidth = Math.max(R_FACE * 0.075, 1.6 / p.pxPerUnit);
  ctx.beginPath();
  for (let q = 0; q < nvis; q++) {
    const k = vis[q], a = angleOf(values[k], ranges[layout.layer[k]]);
    const x = layout.x[k], y = layout.y[k];
    ctx.moveTo(x, y);
    ctx.lineTo(x + Math.cos(a) * len, y + Math.sin(a) * len);
  }
  ctx.stroke();
  if (p.lod !== "full") return;
  ctx.beginPath();
  for (let q = 0; q < nvis; q++) {
    const k = vis[q];
    ctx.moveTo(layout.x[k] + R_FACE * 0.11, layout.y[k]);
    ctx.arc(layout.x[k], layout.y[k], R_FACE * 0.11, 0, 2 * Math.PI);
  }
  ctx.fill();
}

let heads = new Float32Array(0);   // arrowheads (x, y, angle, direction), reused every frame

/** Arc just outside the face from the needle to where the next descent step puts it. */
function drawArrows(ctx, p) {
  const { layout, values, arrows, ranges, locked, palette: c, vis, nvis } = p;
  if (!arrows) return;
  const r = R_FACE * 1.1;
  if (heads.length < 4 * nvis) heads = new Float32Array(4 * layout.count);
  let nh = 0;
  ctx.strokeStyle = c.arrow;
  ctx.lineWidth = R_FACE * 0.1;
  ctx.lineCap = "round";
  ctx.beginPath();
  for (let q = 0; q < nvis; q++) {
    const k = vis[q];
    if (locked[k] || !arrows[k]) continue;
    const R = ranges[layout.layer[k]];
    const a0 = angleOf(values[k], R);
    const a1 = angleOf(values[k] + arrows[k], R);
    if (Math.abs(a1 - a0) < 0.04) continue;
    const x = layout.x[k], y = layout.y[k];
    ctx.moveTo(x + Math.cos(a0) * r, y + Math.sin(a0) * r);
    ctx.arc(x, y, r, a0, a1, a1 < a0);
    heads[nh++] = x; heads[nh++] = y; heads[nh++] = a1; heads[nh++] = a1 > a0 ? 1 : -1;
  }
  ctx.stroke();
  ctx.fillStyle = c.arrow;
  ctx.beginPath();
  const h = R_FACE * 0.28;
  for (let q = 0; q < nh; q += 4) {
    const x = heads[q], y = heads[q + 1], a = heads[q + 2], dir = heads[q + 3];
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

export { SWEEP };
