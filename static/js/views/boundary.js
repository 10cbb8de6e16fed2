// What the network has learned, drawn over the data: for two inputs and one output the
// decision boundary (the output over the plane, a = 0.5 outlined) under the training points
// (test points hollow); for one input and one output the fitted curve through the points.
// The output is the server's `grid.output` (the network's own forward pass); nothing here
// computes the network.

import { rgb } from "../lib/palette.js";
import { prepareCanvas, sizeOf } from "../lib/canvas.js";
import { t } from "../lib/i18n.js";

export function createBoundary(root) {
  root.innerHTML = `<h2>${t("boundary.title")}</h2><canvas class="boundary-canvas" role="img"></canvas><p class="boundary-note"></p>`;
  const canvas = root.querySelector("canvas");
  const note = root.querySelector(".boundary-note");
  let last = null;
  sizeOf(canvas, () => last && update(last));

  function update(state) {
    last = state;
    const s = state.session, f = state.frame;
    const kind = s && s.sizes[0] === 2 && s.sizes.at(-1) === 1 ? "plane" : s && s.sizes[0] === 1 && s.sizes.at(-1) === 1 ? "curve" : null;
    root.hidden = !kind || !f;
    if (root.hidden) return;
    const points = state.points || { inputs: [], targets: [] };
    const grid = gridOf(s.dataset?.grid, f.grid, kind);
    const waiting = grid ? "" : t("boundary.waiting");
    const rings = points.test?.inputs.length ? t("boundary.rings") : "";
    if (kind === "plane") {
      drawPlane(canvas, grid, points);
      canvas.setAttribute("aria-label", t("boundary.plane_label"));
      note.textContent = points.partial
        ? t("boundary.plane_partial") + waiting
        : t("boundary.plane_note") + rings + waiting;
    } else {
      drawCurve(canvas, grid, points);
      canvas.setAttribute("aria-label", t("boundary.curve_label"));
      note.textContent = t("boundary.curve_note") + rings + waiting;
    }
  }

  return { update };
}

/**
 * The server's output grid (`grid.output`, computed by the network itself) with its extent
 * from `hello.dataset.grid`: {x: [lo, hi, cols], y?: [lo, hi, rows]}. Output row r is at
 * y = lo + r·(hi − lo)/(rows − 1), column c at x = lo + c·(hi − lo)/(cols − 1).
 * → {x, y, cols, rows, out} or null when either is missing or they disagree.
 */
export function gridOf(decl, out, kind) {
  if (!decl?.x || !out) return null;
  const cols = decl.x[2], rows = kind === "plane" ? decl.y?.[2] : 1;
  if (!(cols > 1) || !(rows >= 1) || out.length !== cols * rows) return null;
  return { kind, x: decl.x, y: decl.y || null, cols, rows, out };
}

/** [lo, hi] of the plot along one input: the grid's cells, or the points padded. */
function extent(grid, points, dim) {
  if (grid) {
    const [lo, hi, n] = dim === 0 ? grid.x : grid.y;
    const half = (hi - lo) / (n - 1) / 2;   // each grid value is the centre of its cell
    return grid.kind === "curve" ? [lo, hi] : [lo - half, hi + half];
  }
  let lo = Infinity, hi = -Infinity;
  for (const row of [...points.inputs, ...testOf(points).inputs]) { lo = Math.min(lo, row[dim]); hi = Math.max(hi, row[dim]); }
  if (!Number.isFinite(lo)) { lo = -1; hi = 1; }
  const pad = Math.max(0.15, (hi - lo) * 0.12);
  return [lo - pad, hi + pad];
}

function drawPlane(canvas, grid, points) {
  const { ctx, w, h, c } = prepareCanvas(canvas);
  if (w < 10) return;
  const [x0, x1] = extent(grid, points, 0), [y0, y1] = extent(grid, points, 1);
  ctx.fillStyle = c.face;
  ctx.fillRect(0, 0, w, h);
  if (grid) shadePlane(ctx, grid, w, h, c);
  const X = (v) => ((v - x0) / (x1 - x0)) * w, Y = (v) => (1 - (v - y0) / (y1 - y0)) * h;
  drawPoints(ctx, c, points, X, Y);
}

/** The output as a colour per grid cell (row 0, the lowest y, at the bottom) and its 0.5 line. */
function shadePlane(ctx, grid, w, h, c) {
  const { cols, rows, out } = grid;
  const img = new ImageData(cols, rows);
  const face = rgb(c.face), pos = rgb(c.pos), neg = rgb(c.neg);
  for (let r = 0; r < rows; r++) {
    for (let q = 0; q < cols; q++) {
      const t = Math.max(-1, Math.min(1, (out[r * cols + q] - 0.5) * 2));
      const to = t >= 0 ? pos : neg, f = Math.abs(t) * 0.6, k = (rows - 1 - r) * cols + q;
      for (let ch = 0; ch < 3; ch++) img.data[k * 4 + ch] = face[ch] + (to[ch] - face[ch]) * f;
      img.data[k * 4 + 3] = 255;
    }
  }
  const tmp = new OffscreenCanvas(cols, rows);
  tmp.getContext("2d").putImageData(img, 0, 0);
  ctx.imageSmoothingEnabled = true;
  ctx.drawImage(tmp, 0, 0, w, h);
  contour(ctx, grid, w, h, c.ink);
}

/** Training points filled, test points as rings, in their target's colour. */
function drawPoints(ctx, c, points, X, Y) {
  const r = points.inputs.length > 50 ? 4 : 7;
  const dot = (p, t, hollow) => {
    ctx.beginPath();
    ctx.arc(X(p[0]), Y(p[1]), r, 0, 2 * Math.PI);
    const colour = t[0] >= 0.5 ? c.pos : c.neg;
    // A light halo under every mark keeps it visible on either shade of the background.
    ctx.strokeStyle = c.panel;
    ctx.lineWidth = hollow ? 4.5 : 1.5;
    if (!hollow) { ctx.fillStyle = colour; ctx.fill(); }
    ctx.stroke();
    if (hollow) { ctx.lineWidth = 2; ctx.strokeStyle = colour; ctx.stroke(); }
  };
  testOf(points).inputs.forEach((p, n) => dot(p, points.test.targets[n], true));
  points.inputs.forEach((p, n) => dot(p, points.targets[n], false));
}

/** Held-out points, drawn hollow; none when the server did not send any. */
function testOf(points) {
  return points.test || { inputs: [], targets: [] };
}

/**
 * The a = 0.5 line by marching squares between the grid's samples (cell centres on screen),
 * each crossing placed by linear interpolation along its square's edge.
 */
function contour(ctx, { cols, rows, out }, w, h, colour) {
  const sx = w / cols, sy = h / rows;
  const v = (i, q) => out[(rows - 1 - i) * cols + q] - 0.5;   // screen row i, top first
  const cross = (x0, y0, a, x1, y1, b) => {
    const t = a / (a - b);
    return [(x0 + (x1 - x0) * t + 0.5) * sx, (y0 + (y1 - y0) * t + 0.5) * sy];
  };
  ctx.strokeStyle = colour;
  ctx.lineWidth = 2;
  ctx.beginPath();
  for (let i = 0; i + 1 < rows; i++) {
    for (let q = 0; q + 1 < cols; q++) {
      const a = v(i, q), b = v(i, q + 1), c = v(i + 1, q + 1), d = v(i + 1, q);
      const pts = [];
      if ((a >= 0) !== (b >= 0)) pts.push(cross(q, i, a, q + 1, i, b));
      if ((b >= 0) !== (c >= 0)) pts.push(cross(q + 1, i, b, q + 1, i + 1, c));
      if ((d >= 0) !== (c >= 0)) pts.push(cross(q, i + 1, d, q + 1, i + 1, c));
      if ((a >= 0) !== (d >= 0)) pts.push(cross(q, i, a, q, i + 1, d));
      for (let k = 0; k + 1 < pts.length; k += 2) { ctx.moveTo(...pts[k]); ctx.lineTo(...pts[k + 1]); }
    }
  }
  ctx.stroke();
}

function drawCurve(canvas, grid, points) {
  const { ctx, w, h, c } = prepareCanvas(canvas);
  if (w < 10) return;
  const [x0, x1] = extent(grid, points, 0);
  let lo = -1.2, hi = 1.2;
  for (const t of [...points.targets, ...testOf(points).targets]) { lo = Math.min(lo, t[0]); hi = Math.max(hi, t[0]); }
  const X = (v) => ((v - x0) / (x1 - x0)) * w, Y = (v) => (1 - (v - lo) / (hi - lo)) * h;
  ctx.fillStyle = c.face;
  ctx.fillRect(0, 0, w, h);
  ctx.fillStyle = c.muted;
  ctx.strokeStyle = c.muted;
  ctx.lineWidth = 1.5;
  const test = testOf(points);
  test.inputs.forEach((p, k) => { ctx.beginPath(); ctx.arc(X(p[0]), Y(test.targets[k][0]), 3.5, 0, 2 * Math.PI); ctx.stroke(); });
  points.inputs.forEach((p, k) => { ctx.beginPath(); ctx.arc(X(p[0]), Y(points.targets[k][0]), 3, 0, 2 * Math.PI); ctx.fill(); });
  if (!grid) return;
  const [gx0, gx1, n] = grid.x;
  ctx.strokeStyle = c.pos;
  ctx.lineWidth = 3;
  ctx.beginPath();
  for (let k = 0; k < n; k++) {
    const x = gx0 + (k / (n - 1)) * (gx1 - gx0);
    (k ? ctx.lineTo : ctx.moveTo).call(ctx, X(x), Y(Math.max(lo, Math.min(hi, grid.out[k]))));
  }
  ctx.stroke();
}
