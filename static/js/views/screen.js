// The screen: the training-set cost as one big number, with the step, test cost, accuracy
// and a chart of the cost over steps. Divergence is shown in words, never as NaN. While this
// presenter turns a dial (state.ui.turn) the number grows digits until the change shows, and
// the change since the turn began stands beside it; when the turn settles both go back.
// The presenter can drag along the chart to go back in time (lib/scrub.js): the chart then
// keeps the steps ahead, dimmed, with the marker at the step the board shows.

import { fmt, fmtCount, fmtPercent, turnReading } from "../lib/format.js";
import { lookOf, sizeCanvas, sizeOf } from "../lib/canvas.js";
import { t } from "../lib/i18n.js";
import { attachScrub } from "../lib/scrub.js";
import { learnerMeta } from "../lib/explain.js";

const ANNOUNCE_MS = 2500;

export function createScreen(root, actions = {}) {
  root.innerHTML = `
    <div class="screen-main">
      <div class="screen-label">${t("screen.cost")} <span class="screen-sub">${t("screen.cost_over")}</span></div>
      <div class="screen-reading"><div class="screen-number" data-testid="cost">—</div><div class="screen-change" data-testid="cost-change" hidden></div>
        <div class="screen-at-line"><div class="screen-at" data-testid="cost-step" hidden></div></div></div>
      <div class="screen-diverged" hidden></div>
    </div>
    <dl class="screen-stats">
      <div><dt>${t("screen.step")}</dt><dd data-testid="step-count">0</dd></div>
      <div class="stat-test"><dt>${t("screen.test_cost")}</dt><dd class="v-test">—</dd></div>
      <div class="stat-acc"><dt>${t("screen.accuracy")}</dt><dd class="v-acc">—</dd></div>
      <div class="stat-test-acc"><dt>${t("screen.test_accuracy")}</dt><dd class="v-test-acc">—</dd></div>
      <div class="stat-hands" hidden><dt>${t("screen.hands")}</dt><dd data-testid="screen-hands"></dd></div>
    </dl>
    <canvas class="screen-chart" data-testid="cost-chart" aria-hidden="true"></canvas>
    <p class="screen-travel" data-testid="travel-note" hidden></p>
    <p class="screen-travel" data-testid="origin-note" hidden></p>
    <div class="screen-float" aria-hidden="true"><span class="float-number"></span> <span class="float-change"></span></div>
    <p class="visually-hidden" aria-live="polite"></p>`;
  const number = root.querySelector(".screen-number");
  const diverged = root.querySelector(".screen-diverged");
  const change = root.querySelector(".screen-change");
  const floatNumber = root.querySelector(".float-number");
  const floatChange = root.querySelector(".float-change");
  // A dial turned far down a phone's page still gets its answer: a small copy of the
  // reading floats at the top while the screen itself is scrolled away.
  new IntersectionObserver(([e]) => root.classList.toggle("is-offscreen", !e.isIntersecting), { threshold: 0.5 }).observe(root);
  const stepEl = root.querySelector('[data-testid="step-count"]');
  const atEl = root.querySelector(".screen-at");
  const testEl = root.querySelector(".v-test");
  const accEl = root.querySelector(".v-acc");
  const testAccEl = root.querySelector(".v-test-acc");
  const chart = root.querySelector(".screen-chart");
  const live = root.querySelector("[aria-live]");
  const travelNote = root.querySelector("[data-testid=travel-note]");
  const originNote = root.querySelector("[data-testid=origin-note]");
  let drawn = { history: null, bad: false, mark: null };
  let geometry = { x0: 0, x1: 1, last: 1 };
  const redraw = () => {
    geometry = drawChart(chart, drawn.history, drawn.bad, drawn.mark) || geometry;
    Object.assign(chart.dataset, geometry);   // test hook: where the steps lie (CSS px, last step)
  };
  // A chart drawn for one width and shown at another is stretched, its words squeezed into
  // each other: redraw it for every size it is given, not only when a frame comes.
  sizeOf(chart, redraw);
  let reach = null;   // {first, last, step}: the steps a presenter may travel to, or null
  const scrub = attachScrub(chart, { chart: () => geometry, range: () => reach, travel: (step) => actions.travel?.(step) });
  let lastAnnounce = 0;
  let announceTimer = 0;

  function update(state) {
    const f = state.frame;
    if (!f) return;
    const why = f.diverged || state.divergence?.message || "";
    const bad = Boolean(why) || !Number.isFinite(f.cost);
    root.classList.toggle("is-diverged", bad);
    const turn = !bad && state.ui.turn ? turnReading(f.cost, state.ui.turn.baseCost) : null;
    number.textContent = bad ? t("screen.diverged") : turn ? turn.value : screenNumber(f.cost);
    // Its length sizes it on the projector: "0.002458" at the size of "2.352" ran past the screen.
    // Set only when it changes: this runs at every frame, and a style set is a restyle.
    const chars = String(Math.max(5, number.textContent.length));
    if (root.style.getPropertyValue("--number-chars") !== chars) root.style.setProperty("--number-chars", chars);
    root.classList.toggle("is-turning", Boolean(turn));
    change.hidden = !turn || !turn.change;
    if (turn) {
      change.innerHTML = `${turn.change} <small>${t("screen.since_turn")}</small>`;
      floatNumber.textContent = turn.value;
      floatChange.textContent = turn.change;
    }
    diverged.hidden = !bad;
    diverged.textContent = why || t("screen.not_finite");
    stepEl.textContent = String(f.step ?? 0);
    // While training runs the figures are refreshed ~12 times a second: a number computed for
    // an earlier step than the dials show says which.
    // While a try is on the dials and not yet weighed, the figures are of the dials before it.
    const costStep = f.costStep ?? f.step;
    const at = atEl;
    at.hidden = bad || (costStep === f.step && !f.costBeforeTry);
    if (!at.hidden) at.textContent = f.costBeforeTry ? t("screen.before_try") : t("screen.at_step", { n: costStep });
    testEl.textContent = fmt(f.testCost, 4);
    accEl.textContent = fmtPercent(f.accuracy);
    testAccEl.textContent = fmtPercent(f.testAccuracy);
    root.querySelector(".stat-test").hidden = f.testCost === null;
    root.querySelector(".stat-acc").hidden = f.accuracy === null;
    root.querySelector(".stat-test-acc").hidden = f.testAccuracy === null || f.testAccuracy === undefined;
    // Dials in students' hands (the presenter hears how many): the room sees it on the screen.
    const h = state.hands?.seat === null && state.hands.mode !== "none" ? state.hands : null;
    root.querySelector(".stat-hands").hidden = !h;
    if (h) root.querySelector("[data-testid=screen-hands]").textContent = t("screen.hands_of", { holding: h.holding, seats: h.seats });
    const line = f.timeline;
    const back = Boolean(line) && f.step < line.last;   // travelled back: the run goes on ahead
    drawn = { history: f.history, bad, mark: { step: costStep, cost: f.cost, last: line?.last ?? 0, back } };
    redraw();
    reach = actions.travel && !state.ui.readOnly && line && !f.running && line.last > line.first
      ? { first: line.first, last: line.last, step: f.step } : null;
    scrub.sync(reach);
    travelNote.hidden = !back;
    if (back) travelNote.textContent = t("screen.travelled", { step: f.step, last: line.last });
    // While the race's panel is up it says whose dials these are; once it is gone, the screen.
    originNote.hidden = !f.origin || Boolean(state.race);
    if (!originNote.hidden) originNote.textContent = originWords(f.origin, state.meta);
    announce(state, bad ? t("screen.announce_diverged") : t("screen.announce", { cost: fmt(f.cost, 3), step: costStep }));
  }

  function announce(state, text) {
    clearTimeout(announceTimer);
    // Announce when things settle, not sixty times a second while playing.
    const wait = Math.max(0, lastAnnounce + ANNOUNCE_MS - performance.now(), state.frame.playing ? ANNOUNCE_MS : 400);
    announceTimer = setTimeout(() => {
      if (live.textContent !== text) live.textContent = text;
      lastAnnounce = performance.now();
    }, wait);
  }

  return { update };
}

/** Whose dials the board holds when a race's leader gave them: its steps count from there. */
function originWords(o, meta) {
  const learner = learnerMeta(meta, o.learner)?.title ?? o.learner;
  return t(o.step ? "screen.origin_at" : "screen.origin", { learner, passes: fmtCount(o.passes), step: o.step });
}

/** Plain decimals down to 10⁻⁷, so the number reads as "nearly zero" rather than as a power. */
function screenNumber(v) {
  const a = Math.abs(v);
  if (a === 0 || a >= 1e-4 || a < 1e-7) return fmt(v, 4);
  return v.toFixed(3 - Math.floor(Math.log10(a)));
}

/** Draws the chart; returns where its steps lie ({x0, x1, last}: px and the last step). */
function drawChart(canvas, history, bad, mark) {
  const { w, h } = sizeOf(canvas);
  if (w < 10 || h < 10) return;
  const ctx = sizeCanvas(canvas, w, h), { c, px } = lookOf(canvas);   // px: larger on the projector
  ctx.clearRect(0, 0, w, h);
  const steps = history?.step, costs = history?.cost;
  let top = 0, last = 1;
  if (steps && costs) {
    for (let k = 0; k < costs.length; k++) if (Number.isFinite(costs[k])) top = Math.max(top, costs[k]);
    last = Math.max(1, steps[steps.length - 1] || 1, mark?.last || 0);
  }
  top = top > 0 ? top * 1.08 : 1;
  const font = `${px}px system-ui, sans-serif`;
  ctx.font = font;
  const topLabel = fmt(top, 2);
  // The left margin fits the widest y label, so "1.2×10⁵" is never cut at the edge.
  const pad = { l: Math.max(44, Math.ceil(ctx.measureText(topLabel).width) + 12), r: 10, t: 10, b: px + 10 };
  axes(ctx, c, w, h, pad, topLabel, last, font);
  if (!steps || steps.length < 1) return;
  const X = (s) => pad.l + (s / last) * (w - pad.l - pad.r);
  const Y = (v) => pad.t + (1 - v / top) * (h - pad.t - pad.b);
  ctx.strokeStyle = bad ? c.neg : c.screenInk;
  ctx.lineWidth = 2.5;
  ctx.lineJoin = "round";
  // Travelled back: the line up to the board's step, then the run ahead, dimmed.
  const cut = mark?.back ? mark.step : Infinity;
  path(ctx, steps, costs, X, Y, (s) => s <= cut);
  if (cut < Infinity) {
    ctx.globalAlpha = 0.35;
    path(ctx, steps, costs, X, Y, (s) => s >= cut);
    ctx.globalAlpha = 1;
  }
  const at = mark && Number.isFinite(mark.cost) ? mark : { step: steps.at(-1), cost: costs.at(-1) };
  if (Number.isFinite(at.cost)) {
    ctx.fillStyle = c.screenInk;
    ctx.beginPath();
    ctx.arc(X(at.step), Y(at.cost), 4, 0, 2 * Math.PI);
    ctx.fill();
  }
  return { x0: pad.l, x1: w - pad.r, last };
}

function path(ctx, steps, costs, X, Y, keep) {
  ctx.beginPath();
  let pen = false;
  for (let k = 0; k < steps.length; k++) {
    if (!Number.isFinite(costs[k]) || !keep(steps[k])) { pen = false; continue; }
    if (pen) ctx.lineTo(X(steps[k]), Y(costs[k])); else ctx.moveTo(X(steps[k]), Y(costs[k]));
    pen = true;
  }
  ctx.stroke();
}

const LABEL_GAP = 12;   // px between two labels on one line

function axes(ctx, c, w, h, pad, topLabel, last, font) {
  ctx.strokeStyle = c.screenGrid || "rgba(255,255,255,0.25)";
  ctx.fillStyle = c.screenMuted || "#b8c0cc";
  ctx.font = font;
  ctx.lineWidth = 1;
  ctx.beginPath();
  ctx.moveTo(pad.l, pad.t);
  ctx.lineTo(pad.l, h - pad.b);
  ctx.lineTo(w - pad.r, h - pad.b);
  ctx.stroke();
  ctx.textAlign = "right";
  ctx.textBaseline = "middle";
  ctx.fillText(topLabel, pad.l - 6, pad.t + 4);
  ctx.fillText("0", pad.l - 6, h - pad.b - 3);   // its line, kept above the step labels' line
  xLabels(ctx, w, h, pad, last);
}

/**
 * Under the x axis: the last step at the right end, and the caption at the left only where
 * both fit with a gap between them, each measured, so neither ever runs into the other.
 */
function xLabels(ctx, w, h, pad, last) {
  ctx.textBaseline = "top";
  const stepLabel = t("screen.chart_step", { n: last }), caption = t("screen.chart_caption");
  const stepW = ctx.measureText(stepLabel).width, right = w - pad.r;
  if (right - stepW < 2) return;
  ctx.textAlign = "right";
  ctx.fillText(stepLabel, right, h - pad.b + 5);
  const capX = pad.l + 4;
  if (capX + ctx.measureText(caption).width + LABEL_GAP <= right - stepW) {
    ctx.textAlign = "left";
    ctx.fillText(caption, capX, h - pad.b + 5);
  }
}
