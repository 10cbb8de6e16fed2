// Every training example's own nudge on the selected dial (GET …/nudges): ∂Cₓ/∂w, one mark per
// example on a jittered strip, their mean (which is the gradient, the slope of the cost along
// the dial), and the next mini-batch highlighted, whose mean the arrow follows. Picking a mark
// says which example it is; a presenter's pick shows that example in the network view.

import { fmt, fmtCount, fmtSigned, niceCeil, stepDigits } from "../lib/format.js";
import { dialLabel } from "../lib/names.js";
import { learnerMeta } from "../lib/explain.js";
import { probeQuestion } from "../lib/probe.js";
import { api, latestOnly } from "../session.js";
import { prepareCanvas, sizeOf } from "../lib/canvas.js";
import { styleKey } from "../lib/palette.js";
import { escapeHtml } from "../lib/html.js";
import { t, tn } from "../lib/i18n.js";

const MIN_GAP_MS = 300;
const KEEP_FRAMES = 240;
const REACH_PX = 22;   // a pick reaches this far: a 44 px target for a finger

export function createNudges(root, actions) {
  root.innerHTML = `
    <h2>${t("nudges.title")}</h2>
    <p class="probe-dial"></p>
    <canvas class="probe-canvas nudges-canvas" role="img" tabindex="0"></canvas>
    <div class="nudge-ends"><span>◀ ${t("nudges.negative")}</span><span>${t("nudges.positive")} ▶</span></div>
    <p class="nudge-pick" aria-live="polite"></p>
    <p class="probe-words"></p>`;
  const canvas = root.querySelector("canvas"), pickLine = root.querySelector(".nudge-pick");
  const dialLine = root.querySelector(".probe-dial"), words = root.querySelector(".probe-words");
  const seen = [];
  let last = null, answer = null, marks = null, picked = -1, answers = 0, paintedKey = "";
  const queue = latestOnly(
    (w) => api.nudges(w.id, w.name, w.index),
    (a, w) => { answer = { ...a, wish: w }; answers += 1; if (last) paint(); },
    { minGap: MIN_GAP_MS });
  sizeOf(canvas, () => last && paint());

  function update(state) {
    const f = state.frame, s = state.session, sel = state.ui.selected;
    root.hidden = !f || !s;
    if (root.hidden || !sel) { queue.cancel(); return; }   // no dial (a board just opened)
    last = state;
    const ask = probeQuestion(state), subject = ask.subject;
    if (answer && answer.wish.subject !== subject) { answer = null; picked = -1; }
    remember(seen, subject, f, s, sel);
    if (ask.error) { queue.cancel(); answer = { error: ask.error, wish: { subject } }; } else queue.want(ask.wish);
    paint();
  }

  /** Draws only when what it shows changed: an answer, its frame, the pick, the size or theme. */
  function paint() {
    const s = last.session, f = last.frame, sel = last.ui.selected;
    if (!s || !f || !sel) return;   // an answer about a board or dial no longer shown
    const at = answer && !answer.error ? findByGrad(seen, answer.wish.subject, answer.grad) : null;
    const key = [s.id, sel.name, sel.index, answer ? answers : "", answer?.error, at?.version, at?.precision, picked, f.example,
      f.learner, Boolean(last.meta), f.learningRate, f.momentum, f.weightDecay, last.ui.readOnly, Boolean(last.points), sizeOf(canvas).w,
      styleKey()].join("|");
    if (key === paintedKey) return;
    paintedKey = key;
    dialLine.innerHTML = `${escapeHtml(dialLabel(sel.name, sel.index, s.sizes, s.dataset?.class_names || []))} <code>${sel.name}[${sel.index.join(", ")}]</code>`;
    if (!answer || answer.error) { marks = null; clear(canvas, answer?.error ? "" : t("probe.asking")); words.textContent = answer?.error || ""; pickLine.textContent = ""; return; }
    marks = draw(canvas, answer, at, picked, f.learner, stepDigits(s.sizes));
    words.innerHTML = story(answer, at, last);
    pickLine.innerHTML = picked >= 0 ? pickWords(picked, answer, last) : t("nudges.point");
  }

  function pick(x, show) {
    if (!marks || x < 0) return;
    picked = x;
    if (show && !last.ui.readOnly) actions.example(x);
    paint();
  }

  canvas.addEventListener("pointermove", (e) => { if (e.pointerType === "mouse") pick(hitAt(e), false); });
  canvas.addEventListener("click", (e) => pick(hitAt(e), true));
  canvas.addEventListener("keydown", (e) => {
    const step = { ArrowLeft: -1, ArrowRight: 1 }[e.key];
    if (!marks || (!step && e.key !== "Enter")) return;
    e.preventDefault();
    if (e.key === "Enter") { pick(picked, true); return; }
    const at = marks.order.indexOf(picked);
    pick(marks.order[Math.max(0, Math.min(marks.order.length - 1, at < 0 ? 0 : at + step))], false);
  });

  function hitAt(e) {
    const r = canvas.getBoundingClientRect();
    return marks ? nearest(marks.xs, marks.ys, e.clientX - r.left, e.clientY - r.top, REACH_PX) : -1;
  }

  return {
    update,
    /** What the strip shows (test hook), or null; `marks` are in viewport px. */
    drawn: () => {
      if (!marks) return null;
      const r = canvas.getBoundingClientRect();
      return { ...marks.hook, picked, marks: Array.from(marks.xs, (x, k) => ({ x: r.left + x, y: r.top + marks.ys[k] })) };
    },
  };
}

/** One frame's slope and step gradient at the dial, to find the frame an answer belongs to. */
function remember(seen, subject, f, s, sel) {
  if (seen.subject !== subject) { seen.length = 0; seen.subject = subject; }
  const p = s.parameters.find((q) => q.name === sel.name);
  const k = p.shape.length === 2 ? sel.index[0] * p.shape[1] + sel.index[1] : sel.index[0];
  const grad = f.grads?.[sel.name]?.[k];
  if (grad === undefined || seen.at(-1)?.version === f.version) return;
  seen.push({ version: f.version, grad, stepGrad: f.stepGrads?.[sel.name]?.[k] ?? null, precision: f.precision });
  if (seen.length > KEEP_FRAMES) seen.shift();
}

/** The newest frame whose slope (F32 or F16 on the wire) is the answer's gradient. */
export function findByGrad(seen, subject, grad) {
  if (seen.subject !== subject) return null;
  for (let n = seen.length - 1; n >= 0; n--) {
    const e = seen[n], rel = e.precision === "f16" ? 1e-3 : 1e-6;
    if (Math.abs(e.grad - grad) <= rel * Math.abs(grad) + 1e-30) return e;
  }
  return null;
}

/**
 * Where each example's mark sits in a w×h box: x by its nudge on a ±R axis, y jittered by its
 * index (a golden-ratio sequence, so rows never line up and a mark keeps its row as it moves).
 */
export function stripLayout(nudges, w, h, pad = 8) {
  let top = 0;
  for (const v of nudges) top = Math.max(top, Math.abs(v));
  const R = top > 0 ? niceCeil(top) : 1;
  const xs = new Float32Array(nudges.length), ys = new Float32Array(nudges.length);
  for (let k = 0; k < nudges.length; k++) {
    xs[k] = pad + ((nudges[k] + R) / (2 * R)) * (w - 2 * pad);
    ys[k] = pad + ((k * 0.6180339887) % 1) * (h - 2 * pad);
  }
  return { R, xs, ys, X: (v) => pad + ((v + R) / (2 * R)) * (w - 2 * pad) };
}

/** The mark nearest to (x, y) within `reach` px, or −1. */
export function nearest(xs, ys, x, y, reach) {
  let best = -1, bestD = reach * reach;
  for (let k = 0; k < xs.length; k++) {
    const d = (xs[k] - x) ** 2 + (ys[k] - y) ** 2;
    if (d <= bestD) { bestD = d; best = k; }
  }
  return best;
}

/** A target in words, as HTML: its class (the teacher's text, escaped) for classification, else its values. */
export function targetWords(target, classNames) {
  if (!target) return null;
  const y = Array.from(target);
  if (classNames?.length) {
    const k = y.length === 1 ? (y[0] >= 0.5 ? 1 : 0) : y.indexOf(Math.max(...y));
    if (classNames[k] !== undefined) return t("nudges.class", { name: escapeHtml(classNames[k]) });
  }
  return t("nudges.target", { values: y.map((v) => fmt(v, 3)).join(", ") });
}

function pickWords(x, a, state) {
  const s = state.session, f = state.frame, v = a.nudges[x];
  const target = state.points?.targets?.[x] ?? (f.example === x ? f.target : null) ?? a.targets?.[x] ?? null;
  const who = targetWords(target, s.dataset?.class_names) || t("nudges.class_later");
  const way = v < 0 ? t("nudges.wants_up") : v > 0 ? t("nudges.wants_down") : t("nudges.no_move");
  const inBatch = a.batch?.includes(x) ? t("nudges.in_batch") : "";
  const hint = state.ui.readOnly ? "" : f.example === x ? t("nudges.on_display") : t("nudges.click_to_show");
  const nudge = `<b>${fmtSigned(v, stepDigits(s.sizes))}</b>`;
  return t("nudges.example", { n: `<b>${x + 1}</b>`, of: a.nudges.length, index: x, who, nudge, way }) + inBatch + hint;
}

const followsNudges = (learner) => !learner || learner === "gradient_descent";

/** The words under the strip: the mean is the gradient, and how the arrow uses the nudges. */
function story(a, at, state) {
  const f = state.frame, n = a.nudges.length, digits = stepDigits(state.session.sizes);
  const mean = tn("nudges.mean", n, { n: fmtCount(n), mean: `<b>${fmtSigned(a.mean, digits)}</b>` });
  if (!followsNudges(f.learner)) {
    const title = escapeHtml(learnerMeta(state.meta, f.learner)?.title || f.learner);
    return `${mean} ${t("nudges.not_followed", { learner: title })}`;
  }
  const k = a.batch ? a.batch.length : n;
  const which = a.batch ? tn("nudges.these", k) : tn("nudges.all", n, { n: fmtCount(n) });
  const extra = `${Number(f.momentum) > 0 ? t("nudges.plus_momentum") : ""}${Number(f.weightDecay) > 0 ? t("nudges.plus_decay") : ""}`;
  const batchMean = a.batch && at?.stepGrad !== null && at?.stepGrad !== undefined ? ` <span class="next-mark">${t("nudges.batch_mean", { mean: `<b>${fmtSigned(at.stepGrad, digits)}</b>` })}</span>.` : "";
  return `${mean} ${t("nudges.arrow", { which, eta: fmt(f.learningRate, 3), extra })}${batchMean}`;
}

function clear(canvas, text) {
  const { ctx, w, h, c, px } = prepareCanvas(canvas);
  ctx.fillStyle = c.muted;
  ctx.font = `${px * 0.9}px system-ui, sans-serif`;
  ctx.textAlign = "center";
  ctx.fillText(text, w / 2, h / 2);
}

/** The strip: axis, every example, the batch on top, the mean; → the marks for picking. */
function draw(canvas, a, at, picked, learner, digits) {
  const { ctx, w, h, c, px } = prepareCanvas(canvas);
  if (w < 40) return null;
  const head = px * 1.5, foot = px * 1.4, band = h - head - foot;
  const lay = stripLayout(a.nudges, w, band, px * 0.6);
  const ys = lay.ys.map((y) => y + head);
  // The examples the arrow averages: the next batch, or all of them for a full-batch step.
  const inBatch = new Uint8Array(a.nudges.length).fill(a.batch || !followsNudges(learner) ? 0 : 1);
  for (const x of a.batch || []) inBatch[x] = 1;
  const r = px * (a.nudges.length <= 50 ? 0.4 : a.nudges.length <= 400 ? 0.24 : 0.16);
  axis(ctx, c, px, lay, head, h - foot);
  dots(ctx, lay.xs, ys, inBatch, 0, c.ink, r, 0.35);
  dots(ctx, lay.xs, ys, inBatch, 1, c.arrow, Math.max(r, px * 0.3), a.batch ? 0.9 : 0.6);
  if (picked >= 0 && picked < a.nudges.length) ring(ctx, lay.xs[picked], ys[picked], px * 0.6, c.accent);
  if (a.batch && at?.stepGrad !== null && at?.stepGrad !== undefined) meanLine(ctx, lay.X(at.stepGrad), head, h - foot, c.arrow, [px * 0.4, px * 0.3]);
  meanLine(ctx, lay.X(a.mean), head, h - foot, c.accent, []);
  label(ctx, px, w, lay.X(a.mean), t("nudges.mean_label", { mean: fmtSigned(a.mean, digits) }), c.accent);
  const order = Array.from(a.nudges.keys()).sort((p, q) => a.nudges[p] - a.nudges[q]);
  const hook = { name: a.name, index: a.index, count: a.nudges.length, nudges: a.nudges, mean: a.mean, grad: a.grad,
    batch: a.batch, R: lay.R, stepGrad: at?.stepGrad ?? null, version: at?.version ?? null };
  return { xs: lay.xs, ys, order, hook };
}

function axis(ctx, c, px, lay, top, bottom) {
  ctx.strokeStyle = c.line;
  ctx.lineWidth = 1;
  ctx.fillStyle = c.muted;
  ctx.font = `${px * 0.78}px system-ui, sans-serif`;
  ctx.textAlign = "center";
  ctx.textBaseline = "top";
  for (const t of [-lay.R, -lay.R / 2, 0, lay.R / 2, lay.R]) {
    const x = lay.X(t);
    ctx.beginPath(); ctx.moveTo(x, top); ctx.lineTo(x, bottom); ctx.stroke();
    const text = t === 0 ? "0" : fmtSigned(t, 2), half = ctx.measureText(text).width / 2 + 2;
    ctx.fillText(text, Math.max(half, Math.min(x, sizeOf(ctx.canvas).w - half)), bottom + px * 0.2);
  }
  ctx.strokeStyle = c.muted;
  ctx.beginPath(); ctx.moveTo(lay.X(0), top); ctx.lineTo(lay.X(0), bottom); ctx.stroke();
}

function dots(ctx, xs, ys, inBatch, want, colour, r, alpha) {
  ctx.fillStyle = colour;
  ctx.globalAlpha = alpha;
  ctx.beginPath();
  for (let k = 0; k < xs.length; k++) {
    if (inBatch[k] !== want) continue;
    ctx.moveTo(xs[k] + r, ys[k]);
    ctx.arc(xs[k], ys[k], r, 0, 2 * Math.PI);
  }
  ctx.fill();
  ctx.globalAlpha = 1;
}

function ring(ctx, x, y, r, colour) {
  ctx.strokeStyle = colour;
  ctx.lineWidth = 2.5;
  ctx.beginPath();
  ctx.arc(x, y, r, 0, 2 * Math.PI);
  ctx.stroke();
}

function meanLine(ctx, x, top, bottom, colour, dash) {
  ctx.strokeStyle = colour;
  ctx.lineWidth = 2.5;
  ctx.setLineDash(dash);
  ctx.beginPath(); ctx.moveTo(x, top - 4); ctx.lineTo(x, bottom); ctx.stroke();
  ctx.setLineDash([]);
}

function label(ctx, px, w, x, text, colour) {
  ctx.font = `600 ${px * 0.85}px system-ui, sans-serif`;
  ctx.fillStyle = colour;
  ctx.textBaseline = "top";
  const half = ctx.measureText(text).width / 2;
  ctx.textAlign = "center";
  ctx.fillText(text, Math.max(half + 2, Math.min(w - half - 2, x)), px * 0.1);
}
