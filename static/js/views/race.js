// The race panel (issue 9, part 3): the presenter sets a race up (budget, learners and their
// rates, evolution's population k, seed) and starts it; every page draws it as the server's
// `race` messages arrive: cost against forward passes (log) or wall time, one line per
// learner, and a sentence naming the leader and the margin. Learner names, the settings'
// labels, limits and defaults come from GET /api/meta (`race`, `learners`, `settings`).

import { t } from "../lib/i18n.js";
import { escapeHtml as escape } from "../lib/html.js";
import { fmt, fmtCount } from "../lib/format.js";
import { prepareCanvas, sizeOf } from "../lib/canvas.js";
import { followRace, passesText, place, raceScales, raceSentence } from "../lib/race.js";

export function createRace(root, actions) {
  root.classList.add("race");
  // The opener starts hidden: only a presenter races, and a viewer's page may hold a frame
  // before its first draw.
  root.innerHTML = `
    <div class="race-bar presenter-only" hidden><button type="button" class="race-open" data-testid="race-open" hidden
      title="${escape(t("race.open_title"))}">${escape(t("race.open"))}</button></div>
    <section class="race-panel panel" data-testid="race" aria-label="${escape(t("race.region"))}" hidden>
      <header class="race-head"><h2>${escape(t("race.title"))}</h2>
        <button type="button" class="race-close" data-testid="race-close" title="${escape(t("race.close"))}"
          aria-label="${escape(t("race.close"))}">×</button></header>
      <form class="race-form" data-testid="race-form">
        <div class="race-learners"></div>
        <div class="race-row">
          <label>${escape(t("race.budget"))} <input type="number" name="budget" data-testid="race-budget" step="1"></label>
          <label>${escape(t("race.seed"))} <input type="number" name="seed" step="1"></label>
          <button type="submit" class="primary" data-testid="race-start">${escape(t("race.start"))}</button>
          <button type="button" class="race-stop" data-testid="race-stop" hidden>${escape(t("race.stop"))}</button>
        </div>
      </form>
      <div class="race-axis" role="radiogroup" aria-label="${escape(t("race.axis"))}">
        <label><input type="radio" name="race-axis" value="passes" checked> ${escape(t("race.axis_passes"))}</label>
        <label><input type="radio" name="race-axis" value="seconds"> ${escape(t("race.axis_seconds"))}</label>
      </div>
      <canvas class="race-chart" data-testid="race-chart" data-lines="0"></canvas>
      <ul class="race-legend" data-testid="race-legend"></ul>
      <p class="race-sentence" data-testid="race-sentence" aria-live="polite"></p>
      <p class="race-note" data-testid="race-note"></p>
    </section>`;
  const $ = (sel) => root.querySelector(sel);
  const panel = $(".race-panel"), form = $(".race-form"), canvas = $(".race-chart");
  let race = null, series = {}, axis = "passes", open = false, metaSeen = null, dirty = true;
  let store = actions.state();
  let sessionId = null;   // the board the race shown belongs to
  const count = (n) => passesText(n, fmtCount);
  const costText = (c) => fmt(c, 2);

  $(".race-open").addEventListener("click", () => { open = true; dirty = true; update(store); });
  $(".race-close").addEventListener("click", () => {
    open = false;
    if (race && !race.running && !store.ui.readOnly) actions.command({ type: "race_stop" });
    update(store);
  });
  $(".race-stop").addEventListener("click", () => actions.command({ type: "race_stop" }));
  form.addEventListener("submit", (e) => { e.preventDefault(); start(); });
  for (const r of root.querySelectorAll('[name="race-axis"]')) {
    r.addEventListener("change", () => { axis = r.value; dirty = true; update(store); });
  }
  sizeOf(canvas, () => { dirty = true; if (open) draw(); });

  /** The learners' rows: a checkbox, the line's colour, the rate (and evolution's k). */
  function useMeta(meta) {
    if (!meta?.race || meta === metaSeen) return;
    metaSeen = meta;
    dirty = true;   // a race drawn before it named its learners by their keys
    const f = store.frame;
    $(".race-learners").innerHTML = meta.race.learners.map((l, i) => {
      const m = meta.learners.find((x) => x.name === l.name);
      const label = meta.settings.find((x) => x.name === l.setting)?.label ?? l.setting;
      const k = l.name === "evolution" ? `<label>${escape(t("race.population"))} <input type="number" name="population"
        min="${meta.race.limits.population.min}" max="${meta.race.limits.population.max}" step="1"
        value="${meta.race.defaults.population}"></label>` : "";
      return `<div class="race-learner" style="--race-line: var(--race-${i})">
        <label><input type="checkbox" name="use" value="${l.name}" checked><span class="race-swatch"></span> ${escape(m?.title ?? l.name)}</label>
        <label>${escape(label)} <input type="number" name="rate-${l.name}" data-setting="${l.setting}"
          min="0" step="any" inputmode="decimal"></label>${k}</div>`;
    }).join("");
    const { budget, seed } = meta.race.limits;
    Object.assign(form.budget, { min: budget.min, max: budget.max, value: meta.race.defaults.budget });
    Object.assign(form.seed, { min: seed.min, value: meta.race.defaults.seed });
    fillRates(f);
  }

  /** Rates start from the board's own settings (learning rate, step size). */
  function fillRates(f) {
    if (!f) return;
    const from = { learning_rate: f.learningRate, step_size: f.stepSize };
    for (const input of root.querySelectorAll("input[data-setting]")) {
      const v = from[input.dataset.setting];
      if (!input.value && v !== null && v !== undefined && v !== "") input.value = String(Number(v));
    }
  }

  function start() {
    if (!metaSeen) return;
    const msg = { type: "race", budget: Number(form.budget.value), seed: Number(form.seed.value) };
    for (const box of root.querySelectorAll('input[name="use"]:checked')) {
      msg[box.value] = Number(root.querySelector(`input[name="rate-${box.value}"]`).value);
      if (box.value === "evolution") msg.population = Number(form.population.value);
    }
    if (!Object.keys(msg).some((k) => metaSeen.race.learners.some((l) => l.name === k))) {
      actions.toast(t("race.none"));
      return;
    }
    actions.command(msg);
  }

  /** A `race` message from the server (null: the race was forgotten). */
  function follow(next) {
    sessionId = actions.state().session?.id ?? null;
    series = followRace(series, next);
    // A race appearing (or starting) opens every page's panel; a forgotten one closes the class's.
    if (next && (!race || (next.running && !race.running))) open = true;
    if (!next && store.ui.readOnly) open = false;
    race = next;
    dirty = true;
    update(store);
  }

  const title = (name) => metaSeen?.learners.find((l) => l.name === name)?.title ?? name;
  const colour = (name) => {
    const i = metaSeen ? metaSeen.race.learners.findIndex((l) => l.name === name) : 0;
    return getComputedStyle(root).getPropertyValue(`--race-${Math.max(0, i)}`).trim() || "#888";
  };

  function showText() {
    $(".race-legend").innerHTML = race ? race.lanes.map((l) => {
      const last = (series[l.learner] || []).at(-1);
      return `<li style="--race-line: ${colour(l.learner)}"><span class="race-swatch"></span>${escape(title(l.learner))}
        <span class="race-now">${last ? escape(costText(last[1])) : ""}</span></li>`;
    }).join("") : "";
    $(".race-sentence").textContent = race ? raceSentence(race, title, t, count, costText) : "";
    const done = race?.lanes.reduce((a, l) => Math.min(a, l.passes ?? 0), Infinity);
    $(".race-note").textContent = !race ? "" : race.running
      ? t("race.running", { passes: count(done), budget: count(race.budget) })
      : race.adopted ? t("race.adopted", { learner: title(race.adopted) }) : "";
  }

  function update(state) {
    store = state;
    if ((state.session?.id ?? null) !== sessionId) {   // another board: its race, if any, follows
      sessionId = state.session?.id ?? null;
      race = null;
      series = {};
      open = false;
      dirty = true;
    }
    useMeta(state.meta);
    const presenter = !state.ui.readOnly;
    $(".race-open").hidden = !presenter || open;
    $(".race-bar").hidden = !presenter || open;
    panel.hidden = !open;
    panel.classList.toggle("has-race", Boolean(race));
    form.hidden = !presenter;
    const running = Boolean(race?.running);
    // Before GET /api/meta answers the form has no learners to race.
    $('[data-testid="race-start"]').disabled = !metaSeen || running || state.frame?.running === "true";
    $(".race-stop").hidden = !running;
    if (!open) return;
    if (!form.contains(document.activeElement)) fillRates(state.frame);
    if (dirty) { showText(); draw(); }
  }

  function draw() {
    dirty = false;
    const { ctx, w, h, c, px } = prepareCanvas(canvas);
    const scales = raceScales(series, axis);
    const pad = { l: px * 3.4, r: 8, t: 8, b: px * 2.6 };
    const pw = w - pad.l - pad.r, ph = h - pad.t - pad.b;
    ctx.strokeStyle = c.line;
    ctx.strokeRect(pad.l, pad.t, pw, ph);
    ctx.fillStyle = c.muted;
    ctx.font = `${px * 0.8}px system-ui, sans-serif`;
    ctx.textAlign = "center";
    ctx.fillText(axis === "seconds" ? t("race.axis_seconds") : t("race.axis_passes"), pad.l + pw / 2, h - 4);
    if (!scales) { canvas.dataset.lines = "0"; return; }
    ticks(ctx, scales, pad, pw, ph, px);
    let lines = 0;
    for (const [learner, points] of Object.entries(series)) {
      const xy = points.map((p) => place(scales, p)).filter(Boolean);
      if (xy.length < 2) continue;
      ctx.strokeStyle = colour(learner);
      ctx.lineWidth = 2.5;
      ctx.beginPath();
      xy.forEach(([fx, fy], i) => ctx[i ? "lineTo" : "moveTo"](pad.l + fx * pw, pad.t + (1 - fy) * ph));
      ctx.stroke();
      lines += 1;
    }
    canvas.dataset.lines = String(lines);
  }

  /** Decades on log axes, the two ends on linear ones. */
  function ticks(ctx, s, pad, pw, ph, px) {
    const marks = ([lo, hi], log) => {
      const decades = log ? Array.from({ length: Math.max(0, Math.floor(hi) - Math.ceil(lo) + 1) }, (_, i) => Math.ceil(lo) + i) : [];
      return decades.length >= 2 ? decades : [lo, ...decades.filter((d) => d - lo > 0.15 && hi - d > 0.15), hi];
    };
    const label = (v, log, isX) => (log ? (isX ? count(10 ** v) : costText(10 ** v)) : (isX ? fmt(v, 2) : costText(v)));
    ctx.textAlign = "center";
    for (const v of marks(s.x, s.logX)) {
      const x = pad.l + ((v - s.x[0]) / (s.x[1] - s.x[0])) * pw, text = label(v, s.logX, true);
      // The last one whole: centred on the frame's right end, it ran off the canvas ("1,00").
      const end = pad.l + pw + pad.r - 2, y = pad.t + ph + px * 1.1;
      if (x + ctx.measureText(text).width / 2 <= end) ctx.fillText(text, x, y);
      else { ctx.textAlign = "right"; ctx.fillText(text, end, y); ctx.textAlign = "center"; }
    }
    ctx.textAlign = "right";
    for (const v of marks(s.y, s.logY)) {
      const y = pad.t + (1 - (v - s.y[0]) / (s.y[1] - s.y[0])) * ph;
      ctx.fillText(label(v, s.logY, false), pad.l - 4, y + px * 0.3);
    }
  }

  return { update, follow };
}
