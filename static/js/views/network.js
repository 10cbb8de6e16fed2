// The network for the example on display: neurons coloured by their activation, the dials
// between them as lines, the input as an image when it is one, and the outputs against
// the targets as bars. The layer the phase works on is highlighted.

import { fmt, stepDigits } from "../lib/format.js";
import { firstThatFits } from "../board/labels.js";
import { escapeHtml } from "../lib/html.js";
import { t } from "../lib/i18n.js";
import { neuronLabel, parsePhase } from "../lib/names.js";
import { rgb } from "../lib/palette.js";
import { lookOf, sizeCanvas, sizeOf } from "../lib/canvas.js";

const MAX_EDGES = 600;
const MAX_DRAWN = 32;   // neurons drawn per column; wider layers are drawn as a strip
const PAINT_INTERVAL_MS = 66;

export function createNetwork(root, actions) {
  root.innerHTML = `
    <div class="net-head">
      <h2>${t("region.network")}</h2>
      <div class="example-nav presenter-only">
        <button type="button" data-dir="-1" aria-label="${t("network.previous")}">◀</button>
        <span class="example-label"></span>
        <button type="button" data-dir="1" aria-label="${t("network.next")}">▶</button>
      </div>
    </div>
    <canvas class="net-canvas" role="img" aria-label="${t("network.diagram")}"></canvas>
    <div class="outputs" aria-label="${t("network.outputs_label")}"></div>`;
  const canvas = root.querySelector(".net-canvas");
  const outputs = root.querySelector(".outputs");
  const label = root.querySelector(".example-label");
  let last = null;
  let hits = [];

  root.querySelector(".example-nav").addEventListener("click", (e) => {
    const dir = Number(e.target.closest("button")?.dataset.dir || 0);
    if (!dir || !last) return;
    const n = last.session.dataset?.n_train || 1;
    actions.example((((last.frame.example ?? 0) + dir) % n + n) % n);
  });
  canvas.addEventListener("click", (e) => {
    const r = canvas.getBoundingClientRect();
    const hit = hits.find((h) => Math.hypot(h.x - (e.clientX - r.left), h.y - (e.clientY - r.top)) < h.r + 4);
    if (hit && hit.k > 0) actions.select({ name: `layers.${hit.k - 1}.weight`, index: [hit.j, 0] });
  });

  // A side panel: ~15 paints a second read as live, and at 60 frames a second its edge
  // strokes cost the board frames. A trailing paint always shows the newest state.
  let painted = 0, timer = null;
  sizeOf(canvas, () => last && paint());
  function update(state) {
    if (!state.frame || !state.session) return;
    last = state;
    const wait = PAINT_INTERVAL_MS - (performance.now() - painted);
    if (wait <= 0) paint();
    else if (timer === null) timer = setTimeout(() => { timer = null; paint(); }, wait);
  }

  function paint() {
    painted = performance.now();
    const state = last, f = state.frame, s = state.session;
    // `last` is the page's one state: a paint due after another board was chosen finds no
    // frame yet (it threw), and the new board's first frame paints again.
    if (!f || !s) return;
    root.querySelector(".example-nav").hidden = state.ui.readOnly;
    label.textContent = t("network.example", { n: (f.example ?? 0) + 1, of: s.dataset?.n_train ?? "?" });
    hits = draw(canvas, state);
    renderOutputs(outputs, f, s);
  }

  return { update };
}

function columnsOf(state) {
  const s = state.session, f = state.frame;
  return s.sizes.map((n, k) => ({
    n, k, values: k === 0 ? f.input : f.activations[k - 1],
    deltas: k === 0 ? null : f.deltas[k - 1],
    image: k === 0 && s.dataset?.input_shape?.length === 2 ? s.dataset.input_shape : null,
  }));
}

function draw(canvas, state) {
  const { w, h } = sizeOf(canvas);
  if (w < 10 || h < 10) return [];
  // Its words at the size the CSS gives the canvas (larger on the projector).
  const ctx = sizeCanvas(canvas, w, h), look = lookOf(canvas);
  const c = { ...look.c, px: look.px, font: `${look.px}px system-ui, sans-serif` };
  ctx.clearRect(0, 0, w, h);
  const cols = columnsOf(state);
  const ph = parsePhase(state.frame.phase);
  const pos = placeNeurons(cols, w, h);
  drawHighlight(ctx, c, pos, ph, h);
  drawEdges(ctx, c, state, pos);
  const hits = [];
  for (const col of cols) {
    if (col.image) { drawImage(ctx, c, col, pos[col.k], pos.length > 1 ? pos[1].x - pos[0].x : w); continue; }
    drawColumn(ctx, c, state, col, pos[col.k], ph, hits, (y) => labelRoom(pos, col.k, w, y));
  }
  return hits;
}

/** Width (px) a label at height y may take: to the canvas edge, or to a next column's disc in its way. */
function labelRoom(pos, k, w, y) {
  const p = pos[k], next = pos[k + 1];
  if (k === 0) return p.x - p.r - 4 - 2;
  const blocked = next && next.ys.some((ny) => Math.abs(ny - y) < next.r + 9);
  return (blocked ? next.x - next.r - 4 : w - 2) - (p.x + p.r + 4);
}

/** "h₂ 2×10⁻⁵", else "h₂ 0.00" (what two decimals make of it), else the name alone. */
function neuronText(ctx, name, a, room, digits) {
  if (a === null) return name;
  const fixed = Number.isFinite(a) ? a.toFixed(2).replace("-", "−") : fmt(a, 2);
  // The step's digits first, as the outputs' bars below say them: "out 1.00" stood over
  // "0.998".
  const tries = [`${name} ${fmt(a, digits)}`, `${name} ${fmt(a, 2)}`, `${name} ${fixed}`];
  if (digits > 3) tries.splice(1, 0, `${name} ${fmt(a, 3)}`);
  return firstThatFits(tries, (s) => ctx.measureText(s).width, room) ?? name;
}

function placeNeurons(cols, w, h) {
  const padL = 84, padR = 92, padY = 26;
  const dx = (w - padL - padR) / Math.max(1, cols.length - 1);
  return cols.map((col) => {
    const shown = Math.min(col.n, MAX_DRAWN);
    const step = Math.min(54, (h - 2 * padY) / Math.max(1, shown));
    const r = Math.max(2.5, Math.min(17, step * 0.36));
    const x = padL + col.k * dx;
    const top = h / 2 - ((shown - 1) * step) / 2;
    return { x, r, shown, ys: Array.from({ length: shown }, (_, j) => top + j * step), top, step };
  });
}

function drawHighlight(ctx, c, pos, ph, h) {
  if (ph.layer === null) return;
  const p = pos[ph.layer + 1];
  ctx.fillStyle = c.active;
  ctx.fillRect(pos[ph.layer].x, 8, p.x - pos[ph.layer].x + p.r + 8, h - 16);
}

function drawEdges(ctx, c, state, pos) {
  const s = state.session, f = state.frame;
  let total = 0;
  for (let l = 0; l < s.sizes.length - 1; l++) total += pos[l].shown * pos[l + 1].shown;
  if (total > MAX_EDGES) return;
  for (let l = 0; l < s.sizes.length - 1; l++) {
    const W = f.params[`layers.${l}.weight`];
    if (!W || s.sizes[l] > MAX_DRAWN) continue;
    for (let i = 0; i < pos[l + 1].shown; i++) {
      for (let j = 0; j < pos[l].shown; j++) {
        const wv = W[i * s.sizes[l] + j];
        ctx.strokeStyle = wv >= 0 ? c.pos : c.neg;
        ctx.globalAlpha = Math.min(0.9, 0.25 + Math.abs(wv) * 0.3);
        ctx.lineWidth = Math.min(6, 0.5 + Math.abs(wv) * 1.5);
        ctx.beginPath();
        ctx.moveTo(pos[l].x, pos[l].ys[j]);
        ctx.lineTo(pos[l + 1].x, pos[l + 1].ys[i]);
        ctx.stroke();
      }
    }
  }
  ctx.globalAlpha = 1;
}

function drawColumn(ctx, c, state, col, p, ph, hits, room) {
  const s = state.session, digits = stepDigits(s.sizes);
  for (let j = 0; j < p.shown; j++) {
    const a = col.values ? col.values[j] : null;
    const y = p.ys[j];
    ctx.beginPath();
    ctx.arc(p.x, y, p.r, 0, 2 * Math.PI);
    ctx.fillStyle = c.face;
    ctx.fill();
    if (a !== null && Number.isFinite(a)) {
      ctx.globalAlpha = Math.min(1, Math.abs(a));
      ctx.fillStyle = a >= 0 ? c.pos : c.neg;
      ctx.fill();
      ctx.globalAlpha = 1;
    }
    const blamed = ph.kind === "backward" && ph.layer === col.k - 1 && col.deltas;
    ctx.strokeStyle = blamed ? c.accent : c.ink;
    ctx.lineWidth = blamed ? 3 : 1.2;
    ctx.stroke();
    hits.push({ x: p.x, y, r: p.r, k: col.k, j });
    if (p.r >= 10) {
      const name = neuronLabel(col.k, j, s.sizes, s.dataset?.class_names || [], true);
      drawLabel(ctx, c, col.k, p, y, (ly) => neuronText(ctx, name, a, room(ly), digits), ph.layer === col.k);
    }
  }
  if (col.n > p.shown) {
    ctx.fillStyle = c.muted;
    ctx.font = c.font;
    ctx.textAlign = "center";
    ctx.fillText(`+${col.n - p.shown}`, p.x, p.ys[p.shown - 1] + p.step);
  }
}

/** Neuron k's label beside its disc at height y (an input's left, the others' above right):
 * on a halo of what is under it (the phase's band, `banded`: drawHighlight), for the edges
 * to the next layer struck labels through. `words(ly)`: its words for the room at ly. */
function drawLabel(ctx, c, k, p, y, words, banded) {
  ctx.save();
  ctx.font = c.font;
  ctx.textAlign = k === 0 ? "right" : "left";
  ctx.textBaseline = "middle";
  const ly = y - (k === 0 ? 0 : p.r + c.px / 2 + 1), lx = p.x + (k === 0 ? -p.r - 4 : p.r + 4);
  const text = words(ly);
  ctx.strokeStyle = banded && k > 0 ? c.active : c.panel;
  ctx.lineWidth = 4;
  ctx.lineJoin = "round";
  ctx.strokeText(text, lx, ly);
  ctx.fillStyle = c.ink;
  ctx.fillText(text, lx, ly);
  ctx.restore();
}

function drawImage(ctx, c, col, p, gap) {
  const [ih, iw] = col.image;
  const size = Math.min(120, p.step * p.shown, gap * 1.35);
  const cell = size / Math.max(ih, iw);
  const x0 = p.x - (iw * cell) / 2, y0 = p.top + (p.step * (p.shown - 1)) / 2 - (ih * cell) / 2;
  ctx.fillStyle = c.face;
  ctx.fillRect(x0, y0, iw * cell, ih * cell);
  if (!col.values) return;
  const [ir, ig, ib] = rgb(c.ink);
  for (let r = 0; r < ih; r++) {
    for (let q = 0; q < iw; q++) {
      const v = Math.max(0, Math.min(1, col.values[r * iw + q]));
      ctx.fillStyle = `rgba(${ir}, ${ig}, ${ib}, ${v})`;
      ctx.fillRect(x0 + q * cell, y0 + r * cell, cell + 0.5, cell + 0.5);
    }
  }
  ctx.strokeStyle = c.line;
  ctx.strokeRect(x0, y0, iw * cell, ih * cell);
}

function renderOutputs(el, f, s) {
  const out = f.activations[s.sizes.length - 2];
  const names = s.dataset?.class_names || [];
  const n = s.sizes.at(-1);
  if (!out) { el.innerHTML = ""; return; }
  const rows = [];
  for (let j = 0; j < n; j++) {
    const a = out[j], y = f.target?.[j];
    const pct = Math.max(0, Math.min(1, a)) * 100;
    const name = n > 1 ? escapeHtml(names[j] ?? `o${j + 1}`) : names.length === 2 && names[1] !== "1"
      ? escapeHtml(t("network.output_binary", { yes: names[1], no: names[0] })) : t("network.output");
    rows.push(`<div class="out-row${y >= 0.5 ? " is-target" : ""}">
      <span class="out-name">${name}</span>
      <span class="out-bar"><i style="width:${pct.toFixed(1)}%"></i>${y === undefined ? "" : `<b style="left:${(Math.max(0, Math.min(1, y)) * 100).toFixed(1)}%" title="${t("network.target")}"></b>`}</span>
      <span class="out-val">${fmt(a, stepDigits(s.sizes))}${y === undefined ? "" : ` <small>${t("network.target_value", { value: fmt(y, 2) })}</small>`}</span></div>`);
  }
  el.innerHTML = `<h3>${t("network.outputs")}</h3>${rows.join("")}`;
}
