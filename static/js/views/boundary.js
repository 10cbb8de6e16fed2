// What the network has learned, drawn over the data: for two inputs and one output the
// decision boundary (the output over the plane, a = 0.5 outlined) under the training points
// (test points hollow); for one input and one output the fitted curve through the points.

import { forwardBatch } from "../lib/nn.js";
import { readPalette, rgb } from "../lib/palette.js";

const GRID = 72;

export function createBoundary(root) {
  root.innerHTML = `<h2>What it has learned</h2><canvas class="boundary-canvas" role="img"></canvas><p class="boundary-note"></p>`;
  const canvas = root.querySelector("canvas");
  const note = root.querySelector(".boundary-note");

  function update(state) {
    const s = state.session, f = state.frame;
    const kind = s && s.sizes[0] === 2 && s.sizes.at(-1) === 1 ? "plane" : s && s.sizes[0] === 1 && s.sizes.at(-1) === 1 ? "curve" : null;
    root.hidden = !kind || !f;
    if (root.hidden) return;
    const net = netOf(s, f);
    if (!net) return;
    const points = state.points || { inputs: [], targets: [] };
    if (kind === "plane") {
      drawPlane(canvas, net, points);
      canvas.setAttribute("aria-label", "Decision boundary: background shows the network output over the input plane, dots the training examples");
      note.textContent = points.partial
        ? "Background: the output over the plane (blue near 1, orange near 0). Dots: the examples shown so far."
        : `Blue: output near 1 · orange: near 0 · line: output = 0.5 · dots: training examples${points.test?.inputs.length ? " · rings: test examples" : ""}`;
    } else {
      drawCurve(canvas, net, points);
      canvas.setAttribute("aria-label", "The network’s output as a curve through the training examples");
      note.textContent = `Line: the network’s output · dots: training examples${points.test?.inputs.length ? " · rings: test examples" : ""}`;
    }
  }

  return { update };
}

function netOf(s, f) {
  const L = s.sizes.length - 1;
  const weights = [], biases = [];
  for (let l = 0; l < L; l++) {
    weights.push(f.params[`layers.${l}.weight`]);
    biases.push(f.params[`layers.${l}.bias`]);
    if (!weights[l] || !biases[l]) return null;
  }
  return (x, n) => forwardBatch(x, n, s.sizes, weights, biases, s.activation, s.outputActivation);
}

function extent(points, dim) {
  let lo = Infinity, hi = -Infinity;
  for (const row of [...points.inputs, ...testOf(points).inputs]) { lo = Math.min(lo, row[dim]); hi = Math.max(hi, row[dim]); }
  if (!Number.isFinite(lo)) { lo = -1; hi = 1; }
  const pad = Math.max(0.15, (hi - lo) * 0.12);
  return [lo - pad, hi + pad];
}

function prepare(canvas) {
  const w = canvas.clientWidth, h = canvas.clientHeight;
  const dpr = window.devicePixelRatio || 1;
  canvas.width = Math.max(1, Math.round(w * dpr));
  canvas.height = Math.max(1, Math.round(h * dpr));
  const ctx = canvas.getContext("2d");
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  return { ctx, w, h, c: readPalette(canvas) };
}

function drawPlane(canvas, net, points) {
  const { ctx, w, h, c } = prepare(canvas);
  if (w < 10) return;
  const [x0, x1] = extent(points, 0), [y0, y1] = extent(points, 1);
  const xs = new Float32Array(GRID * GRID * 2);
  for (let r = 0; r < GRID; r++) {
    for (let q = 0; q < GRID; q++) {
      xs[(r * GRID + q) * 2] = x0 + ((q + 0.5) / GRID) * (x1 - x0);
      xs[(r * GRID + q) * 2 + 1] = y1 - ((r + 0.5) / GRID) * (y1 - y0);
    }
  }
  const out = net(xs, GRID * GRID);
  const img = new ImageData(GRID, GRID);
  const face = rgb(c.face), pos = rgb(c.pos), neg = rgb(c.neg);
  for (let k = 0; k < GRID * GRID; k++) {
    const t = Math.max(-1, Math.min(1, (out[k] - 0.5) * 2));
    const to = t >= 0 ? pos : neg, f = Math.abs(t) * 0.6;
    for (let ch = 0; ch < 3; ch++) img.data[k * 4 + ch] = face[ch] + (to[ch] - face[ch]) * f;
    img.data[k * 4 + 3] = 255;
  }
  const tmp = new OffscreenCanvas(GRID, GRID);
  tmp.getContext("2d").putImageData(img, 0, 0);
  ctx.imageSmoothingEnabled = true;
  ctx.drawImage(tmp, 0, 0, w, h);
  contour(ctx, out, w, h, c.ink);
  const X = (v) => ((v - x0) / (x1 - x0)) * w, Y = (v) => (1 - (v - y0) / (y1 - y0)) * h;
  drawPoints(ctx, c, points, X, Y);
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

/** The a = 0.5 line, as the grid edges between cells on either side of it. */
function contour(ctx, out, w, h, colour) {
  const sx = w / GRID, sy = h / GRID;
  ctx.strokeStyle = colour;
  ctx.lineWidth = 2;
  ctx.beginPath();
  for (let r = 0; r < GRID - 1; r++) {
    for (let q = 0; q < GRID - 1; q++) {
      const a = out[r * GRID + q] >= 0.5, right = out[r * GRID + q + 1] >= 0.5, down = out[(r + 1) * GRID + q] >= 0.5;
      if (a !== right) { ctx.moveTo((q + 1) * sx, r * sy); ctx.lineTo((q + 1) * sx, (r + 1) * sy); }
      if (a !== down) { ctx.moveTo(q * sx, (r + 1) * sy); ctx.lineTo((q + 1) * sx, (r + 1) * sy); }
    }
  }
  ctx.stroke();
}

function drawCurve(canvas, net, points) {
  const { ctx, w, h, c } = prepare(canvas);
  if (w < 10) return;
  const [x0, x1] = extent(points, 0);
  const n = 200, xs = new Float32Array(n);
  for (let k = 0; k < n; k++) xs[k] = x0 + (k / (n - 1)) * (x1 - x0);
  const ys = net(xs, n);
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
  ctx.strokeStyle = c.pos;
  ctx.lineWidth = 3;
  ctx.beginPath();
  for (let k = 0; k < n; k++) (k ? ctx.lineTo : ctx.moveTo).call(ctx, X(xs[k]), Y(Math.max(lo, Math.min(hi, ys[k]))));
  ctx.stroke();
}
