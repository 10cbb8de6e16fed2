// The cost along one dial: the screen's cost as the selected dial sweeps its range with every
// other dial held (GET …/slice), the current point on that curve, the tangent whose slope is
// ∂C/∂w, and where the next update (the board's arrow, `{name}.update`) puts the dial. Curve,
// point and slope are one answer of the server about one state; the mark is drawn only from a
// frame of that very state (same cost, same value), never from a later one.

import { fmt, fmtSigned, niceCeil, stepDigits } from "../lib/format.js";
import { dialLabel, parseName } from "../lib/names.js";
import { nextTurn } from "../board/arrows.js";
import { probeQuestion } from "../lib/probe.js";
import { api, latestOnly } from "../session.js";
import { prepareCanvas, sizeOf } from "../lib/canvas.js";
import { styleKey } from "../lib/palette.js";
import { escapeHtml } from "../lib/html.js";
import { t } from "../lib/i18n.js";

const MIN_GAP_MS = 250;    // a few answers a second are live enough, and cheap for the server
const KEEP_FRAMES = 240;   // frames remembered to find the one an answer was computed for

export function createSlice(root) {
  root.innerHTML = `
    <h2>${t("slice.title")}</h2>
    <p class="probe-dial"></p>
    <canvas class="probe-canvas slice-canvas" role="img"></canvas>
    <p class="probe-caption">${t("slice.caption")}</p>
    <p class="probe-words" aria-live="polite"></p>`;
  const canvas = root.querySelector("canvas");
  const dialLine = root.querySelector(".probe-dial"), words = root.querySelector(".probe-words");
  const seen = createSeen();
  let last = null, answer = null, drawn = null, answers = 0, paintedKey = "";
  const queue = latestOnly(
    (w) => api.slice(w.id, w.name, w.index),
    (a, w) => { answer = { ...a, wish: w }; answers += 1; paint(); },
    { minGap: MIN_GAP_MS });
  sizeOf(canvas, () => last && paint());

  function update(state) {
    const f = state.frame, s = state.session, sel = state.ui.selected;
    root.hidden = !f || !s;
    if (root.hidden || !sel) { queue.cancel(); return; }   // no dial (a board just opened)
    last = state;
    const ask = probeQuestion(state), subject = ask.subject;
    if (answer && answer.wish.subject !== subject) answer = null;
    seen.note(subject, dialNow(s, f, sel));
    if (ask.error) { queue.cancel(); answer = { error: ask.error, wish: { subject } }; } else queue.want(ask.wish);
    paint();
  }

  /** Draws only when what it shows changed: a new answer, its frame found, the size or theme. */
  function paint() {
    const s = last.session, sel = last.ui.selected;
    if (!s || !sel) return;   // an answer about a board or dial no longer shown
    const at = answer && !answer.error ? seen.find(answer.wish.subject, answer.cost, answer.value) : null;
    const key = [s.id, sel.name, sel.index, answer ? answers : "", answer?.error, at?.version, at?.precision, sizeOf(canvas).w,
      styleKey()].join("|");
    if (key === paintedKey) return;
    paintedKey = key;
    dialLine.innerHTML = `${escapeHtml(dialLabel(sel.name, sel.index, s.sizes, s.dataset?.class_names || []))} <code>${sel.name}[${sel.index.join(", ")}]</code>`;
    drawn = answer && !answer.error ? plan(answer, at) : null;
    if (!drawn) { blank(canvas, answer ? "" : t("probe.asking")); words.textContent = answer?.error || ""; return; }
    if (!draw(canvas, drawn)) { drawn = null; return; }
    canvas.setAttribute("aria-label", t("slice.canvas_label", { dial: `${sel.name}[${sel.index.join(", ")}]`, caption: t("slice.caption") }));
    words.innerHTML = describe(drawn, at, stepDigits(s.sizes));
  }

  return {
    update,
    /** What the plot shows (test hook): the answer drawn and the mark, or null. */
    drawn: () => (drawn ? { ...drawn.hook } : null),
  };
}

/** The selected dial in one frame: what an answer is matched against, and what its mark needs. */
function dialNow(s, f, sel) {
  const p = s.parameters.find((q) => q.name === sel.name);
  const k = p.shape.length === 2 ? sel.index[0] * p.shape[1] + sel.index[1] : sel.index[0];
  const update = f.updates?.[sel.name]?.[k];
  const locked = Boolean(f.locked?.[sel.name]?.[k]);
  const info = { has: update !== undefined, update: update ?? null, locked, layer: parseName(sel.name).layer };
  return {
    version: f.version, step: f.step, cost: f.cost, value: f.params[sel.name]?.[k] ?? null,
    precision: f.precision, update: info.has && !locked ? update : null,
    why: whyNoMark(f, info, s.dataset?.n_train),
  };
}

/** {label, text}: what the next update is called, and why this frame gives none for the dial. */
function whyNoMark(f, info, nTrain) {
  const turn = nextTurn(f, info, nTrain);
  if (info.locked) return { label: turn.label, text: t("slice.why_locked") };
  if (!info.has && !f.inStep && !f.diverged && !f.updateRefused && f.hasGrads === "false") {
    return { label: turn.label, text: t("slice.why_viewer") };
  }
  return { label: turn.label, text: turn.why ?? t("slice.why_no_update") };
}

/**
 * The last frames' readings of the selected dial, newest last, so that an answer (which comes
 * after the frame it was asked for, and may be about a later state) finds its own frame.
 */
export function createSeen(limit = KEEP_FRAMES) {
  let subject = "", list = [];
  return {
    note(subj, entry) {
      if (subj !== subject) { subject = subj; list = []; }
      if (list.length && list.at(-1).version === entry.version) list[list.length - 1] = entry;
      else list.push(entry);
      if (list.length > limit) list.shift();
    },
    /** The newest frame showing this cost (exactly: both are float64) and this value. */
    find(subj, cost, value) {
      if (subj !== subject) return null;
      for (let n = list.length - 1; n >= 0; n--) if (sameReading(list[n], cost, value)) return list[n];
      return null;
    },
  };
}

/** A frame's value is F32 (presenter) or F16 (viewer); the answer's is the float64 it rounds. */
export function sameReading(entry, cost, value) {
  if (entry.cost !== cost || entry.value === null) return false;
  const rel = entry.precision === "f16" ? 1e-3 : 1e-6;
  return Math.abs(entry.value - value) <= rel * Math.max(Math.abs(value), 1e-3);
}

/** The dial a board opens on: the largest next update, else the steepest slope; null without either. */
export function defaultDial(session, frame) {
  for (const byName of [frame?.updates, frame?.grads]) {
    let best = null, top = 0;
    for (const p of session?.parameters || []) {
      const arr = byName?.[p.name], lock = frame.locked?.[p.name];
      if (!arr) continue;
      for (let k = 0; k < arr.length; k++) {
        const m = Math.abs(arr[k]);
        if (m > top && !(lock && lock[k])) { top = m; best = { p, k }; }
      }
    }
    if (best) {
      const { p, k } = best;
      return { name: p.name, index: p.shape.length === 2 ? [Math.floor(k / p.shape[1]), k % p.shape[1]] : [k] };
    }
  }
  return null;
}

/** Tick values for [lo, hi]: a 1-2-5 step giving about `n` intervals, and at least two ticks. */
export function niceTicks(lo, hi, n = 4) {
  if (!(hi > lo)) return [lo];
  let step = niceCeil((hi - lo) / n), out = [];
  for (let tries = 0; out.length < 2 && tries < 4; tries++, step = niceCeil(step / 2.01)) {
    out = [];
    for (let t = Math.ceil(lo / step - 1e-9) * step; t <= hi + step * 1e-9; t += step) out.push(Math.abs(t) < step * 1e-9 ? 0 : t);
  }
  return out;
}

/**
 * Labels for evenly spaced ticks, with the decimals their step needs ("−0.5", "0", "0.5").
 * Ticks far finer than their size (a nearly flat cost) are labelled from `ref` instead:
 * {labels: ["−2×10⁻¹⁰", …], offset: ref}, so that they stay short and still differ.
 */
export function tickLabels(ticks, ref = 0) {
  const step = ticks.length > 1 ? Math.abs(ticks[1] - ticks[0]) : Math.abs(ticks[0]) || 1;
  const size = Math.max(...ticks.map(Math.abs));
  if (step < size * 1e-4) return { labels: ticks.map((t) => fmtSigned(t - ref, 2)), offset: ref };
  const decimals = Math.max(0, Math.min(10, -Math.floor(Math.log10(step) + 1e-9)));
  return { labels: ticks.map((t) => (t === 0 ? "0" : t.toFixed(decimals).replace("-", "−"))), offset: null };
}

/** The cost axis: the curve's range padded; a flat curve gets a little room around it. */
export function costRange(costs, cost) {
  let lo = Math.min(cost, ...costs), hi = Math.max(cost, ...costs);
  const pad = Math.max((hi - lo) * 0.08, Math.abs(cost) * 1e-9, 1e-12);
  lo -= pad; hi += pad;
  return [lo, hi];
}

/** Everything the plot draws, from one answer and (when found) its frame. */
function plan(a, at) {
  const x = [a.values[0], a.values.at(-1)], y = costRange(a.costs, a.cost);
  const mark = at && at.update !== null ? a.value + at.update : null;
  return {
    a, x, y, mark, update: at?.update ?? null,
    hook: {
      name: a.name, index: a.index, value: a.value, cost: a.cost, slope: a.slope,
      values: a.values, costs: a.costs, mark, update: at?.update ?? null,
      version: at?.version ?? null, step: at?.step ?? null,
    },
  };
}

/** `digits`: of the slope and the update, as the phase panel writes them (stepDigits). */
function describe(d, at, digits) {
  const { a } = d;
  const head = t("slice.reading", { w: `<b>${fmt(a.value, 4)}</b>`, cost: `<b>${fmt(a.cost, 6)}</b>`, slope: `<b>${fmtSigned(a.slope, digits)}</b>` });
  if (!at) return `${head}<br><span class="na">${t("slice.moved_on")}</span>`;
  if (d.mark === null) return `${head}<br>${t("slice.no_mark", { what: at.why.label, why: escapeHtml(at.why.text) })}`;
  const small = Math.abs(d.update) < (d.x[1] - d.x[0]) / 150 ? t("slice.too_small") : "";
  return `${head}<br><span class="next-mark">▲</span> ${t("slice.mark", { what: at.why.label, update: `<b>${fmtSigned(d.update, digits)}</b>`, to: fmt(d.mark, 4), small })}`;
}

function blank(canvas, text) {
  const { ctx, w, h, c, px } = prepareCanvas(canvas);
  ctx.fillStyle = c.muted;
  ctx.font = `${px * 0.9}px system-ui, sans-serif`;
  ctx.textAlign = "center";
  ctx.fillText(text, w / 2, h / 2);
}

function draw(canvas, d) {
  const g = prepareCanvas(canvas);
  if (g.w < 40) return false;
  const { ctx, c, px } = g;
  const box = { l: px * 4.2, r: g.w - px * 0.6, t: px * 0.7, b: g.h - px * 2.6 };
  const X = (v) => box.l + ((v - d.x[0]) / (d.x[1] - d.x[0])) * (box.r - box.l);
  const Y = (v) => box.b - ((v - d.y[0]) / (d.y[1] - d.y[0])) * (box.b - box.t);
  axes(ctx, c, px, box, d, X, Y);
  ctx.save();
  ctx.beginPath(); ctx.rect(box.l, box.t, box.r - box.l, box.b - box.t); ctx.clip();
  curve(ctx, c, px, d.a, X, Y);
  tangent(ctx, c, px, d, X, Y);
  if (d.mark !== null) nextMark(ctx, c, px, box, d, X, Y);
  ctx.beginPath();
  ctx.arc(X(d.a.value), Y(d.a.cost), px * 0.42, 0, 2 * Math.PI);
  ctx.fillStyle = c.ink;
  ctx.fill();
  ctx.restore();
  return true;
}

function axes(ctx, c, px, box, d, X, Y) {
  ctx.strokeStyle = c.line;
  ctx.lineWidth = 1;
  ctx.strokeRect(box.l, box.t, box.r - box.l, box.b - box.t);
  ctx.fillStyle = c.muted;
  ctx.font = `${px * 0.8}px system-ui, sans-serif`;
  const yt = niceTicks(d.y[0], d.y[1], 3), yl = tickLabels(yt, d.a.cost);
  ctx.textAlign = "right";
  ctx.textBaseline = "middle";
  yt.forEach((t, n) => ctx.fillText(yl.labels[n], box.l - px * 0.3, Y(t)));
  ctx.textBaseline = "top";
  ctx.textAlign = "center";
  const xt = niceTicks(d.x[0], d.x[1], 4), xl = tickLabels(xt);
  xt.forEach((t, n) => {
    const half = ctx.measureText(xl.labels[n]).width / 2;
    ctx.fillText(xl.labels[n], Math.min(X(t), sizeOf(ctx.canvas).w - half - 2), box.b + px * 0.25);
    ctx.beginPath(); ctx.moveTo(X(t), box.b); ctx.lineTo(X(t), box.b + px * 0.2); ctx.stroke();
  });
  ctx.fillStyle = c.ink;
  ctx.fillText(t("slice.x_axis"), (box.l + box.r) / 2, box.b + px * 1.3);
  ctx.save();
  ctx.translate(px * 0.2, (box.t + box.b) / 2);
  ctx.rotate(-Math.PI / 2);
  ctx.fillText(yl.offset === null ? t("slice.y_axis") : `C − ${fmt(yl.offset, 8)}`, 0, 0);
  ctx.restore();
}

function curve(ctx, c, px, a, X, Y) {
  ctx.strokeStyle = c.pos;
  ctx.lineWidth = px * 0.18;
  ctx.beginPath();
  a.values.forEach((v, k) => (k ? ctx.lineTo(X(v), Y(a.costs[k])) : ctx.moveTo(X(v), Y(a.costs[k]))));
  ctx.stroke();
}

/** The tangent at the current point, across a third of the range, its slope the server's ∂C/∂w. */
function tangent(ctx, c, px, d, X, Y) {
  const { value, cost, slope } = d.a, half = (d.x[1] - d.x[0]) / 6;
  ctx.strokeStyle = c.accent;
  ctx.lineWidth = px * 0.22;
  ctx.beginPath();
  ctx.moveTo(X(value - half), Y(cost - slope * half));
  ctx.lineTo(X(value + half), Y(cost + slope * half));
  ctx.stroke();
}

/** Where the next update puts the dial: the arrow along w, and a line at its end. */
function nextMark(ctx, c, px, box, d, X, Y) {
  const x0 = X(d.a.value), x1 = X(d.mark), y = Y(d.a.cost);
  ctx.strokeStyle = ctx.fillStyle = c.arrow;
  ctx.lineWidth = px * 0.16;
  ctx.setLineDash([px * 0.3, px * 0.3]);
  ctx.beginPath(); ctx.moveTo(x1, box.t); ctx.lineTo(x1, box.b); ctx.stroke();
  ctx.setLineDash([]);
  const dir = Math.sign(x1 - x0) || 1, head = px * 0.6;
  ctx.beginPath(); ctx.moveTo(x0, y); ctx.lineTo(x1, y); ctx.stroke();
  ctx.beginPath();
  ctx.moveTo(x1, y); ctx.lineTo(x1 - dir * head, y - head * 0.55); ctx.lineTo(x1 - dir * head, y + head * 0.55);
  ctx.fill();
}
