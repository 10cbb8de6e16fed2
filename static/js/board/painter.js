// Paints the board at one of four levels of detail, chosen by the dial radius on screen:
//   cells  (r < 3.2 px)  one coloured cell per dial, written straight into an ImageData
//   ticks  (r < 6 px)    the same cells with a needle tick
//   dials  (r < 28 px)   faces and scale ticks (cached), value arcs, needles, update arrows,
//                        and a receptive field's faces tinted by value (tints.js)
//   full                 the dials plus the ±R numbers under every dial and needle caps
// Only dials on the stage are visited. The still parts come from one cached image: panels and
// labels (faces.js) with the dial faces stamped from sprites (sprites.js), rebuilt when the
// view changes; the moving marks (marks.js) go in one batched path per kind and colour, so
// the cost grows with the visible dials and not with canvas state changes. Cells and tints
// are pixels written into a copy of the cached image, which is put on the canvas whole. The
// titles on bands go on last, over the moving marks. Zoomed-in dials sit on whole device
// pixels, so faces are copied without resampling and stay crisp.

import { R_FACE, drawLate, drawPanels } from "./faces.js";
import { writeCells } from "./cells.js";
import { createSprites, dialRadius } from "./sprites.js";
import { drawMarks } from "./marks.js";
import { tintsShown, writeTints } from "./tints.js";

export const LOD_MIN_PX = { cells: 0, ticks: 3.2, dials: 6, full: 28 };   // dial radius, CSS px

export function lodOf(pxPerUnit) {
  const r = R_FACE * pxPerUnit;
  return r >= LOD_MIN_PX.full ? "full" : r >= LOD_MIN_PX.dials ? "dials" : r >= LOD_MIN_PX.ticks ? "ticks" : "cells";
}

export function createPainter(canvas) {
  const ctx = canvas.getContext("2d");
  // A background that pixels are written over is read back at each change: a CPU-side canvas.
  const near = document.createElement("canvas"), far = document.createElement("canvas");
  const nearCtx = near.getContext("2d"), farCtx = far.getContext("2d", { willReadFrequently: true });
  let faces = near, fctx = nearCtx;
  let facesKey = "";
  let late = [];           // titles on bands (faces.js), drawn over the rest at every paint
  let words = [];          // every title and label of the still image, {text, px, role, x, y}: for the tests
  let background = null;   // ImageData of `faces` when pixels are written over it
  let frame = null;
  let vis = new Uint32Array(0);
  let cx = new Float32Array(0), cy = new Float32Array(0);   // centres of vis, device px
  const sprites = createSprites();

  /** The still image; read back as ImageData when pixels are written over it (`pixels`). */
  function cacheFaces(p, detailed, pixels) {
    const key = `${p.facesKey}|${p.lod}|${pixels}|${canvas.width}x${canvas.height}`;
    if (key === facesKey) return;
    facesKey = key;
    [faces, fctx] = pixels ? [far, farCtx] : [near, nearCtx];
    if (faces.width !== canvas.width || faces.height !== canvas.height) {
      faces.width = canvas.width;
      faces.height = canvas.height;
    }
    fctx.setTransform(1, 0, 0, 1, 0, 0);
    fctx.clearRect(0, 0, faces.width, faces.height);
    boardTransform(fctx, p);
    words = [];
    late = drawPanels(fctx, p, words);
    if (detailed) sprites.stamp(fctx, p, p.r);
    background = pixels ? fctx.getImageData(0, 0, faces.width, faces.height) : null;
    if (pixels && (!frame || frame.width !== faces.width || frame.height !== faces.height)) {
      frame = new ImageData(faces.width, faces.height);
    }
  }

  /** The dials whose cell meets the stage, into p.vis[0 … p.nvis), and their centres. */
  function cull(p) {
    const { layout } = p;
    if (vis.length < layout.count) {
      vis = new Uint32Array(layout.count);
      cx = new Float32Array(layout.count);
      cy = new Float32Array(layout.count);
    }
    const u = p.pxPerUnit, w = canvas.width / p.dpr, h = canvas.height / p.dpr;
    const x0 = -p.ox / u - 1, x1 = (w - p.ox) / u + 1, y0 = -p.oy / u - 1, y1 = (h - p.oy) / u + 1;
    const unit = u * p.dpr, ox = p.ox * p.dpr, oy = p.oy * p.dpr;
    let n = 0;
    for (let k = 0; k < layout.count; k++) {
      const x = layout.x[k], y = layout.y[k];
      if (!(x > x0 && x < x1 && y > y0 && y < y1)) continue;
      cx[n] = Math.round(ox + x * unit);
      cy[n] = Math.round(oy + y * unit);
      vis[n++] = k;
    }
    Object.assign(p, { vis, nvis: n, cx, cy });
  }

  function paint(p) {
    p.lod = lodOf(p.pxPerUnit);
    const detailed = p.lod === "dials" || p.lod === "full";
    p.r = dialRadius(p.pxPerUnit, p.dpr);
    cull(p);
    const tinted = detailed && tintsShown(p), pixels = tinted || !detailed;
    cacheFaces(p, detailed, pixels);
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    if (pixels) {
      frame.data.set(background.data);
      if (tinted) writeTints(frame, p, p.r); else writeCells(frame, p, p.lod === "ticks");
      ctx.putImageData(frame, 0, 0);
    } else {
      ctx.clearRect(0, 0, canvas.width, canvas.height);
      ctx.drawImage(faces, 0, 0);
    }
    if (detailed) drawMarks(ctx, p, p.r);
    drawLate(ctx, p, late);
    boardTransform(ctx, p);
    drawRings(ctx, p, detailed);
    return p.lod;
  }

  /** Waits for the canvas to be rasterised (reads one pixel back), for honest timings. */
  function flush() { ctx.getImageData(0, 0, 1, 1); }

  return { paint, flush, words: () => words };
}

function boardTransform(ctx, p) {
  const s = p.pxPerUnit * p.dpr;
  ctx.setTransform(s, 0, 0, s, p.ox * p.dpr, p.oy * p.dpr);
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
