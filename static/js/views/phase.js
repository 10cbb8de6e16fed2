// The phase panel: the learner's phases as a strip, the phase that just ran in words and in
// maths with live numbers, and the selected dial. It shows only what has been computed: δ of
// layer l and this step's change of its dials once `backward:l` has run, the cost once `cost`
// has; anything else says "not computed yet". Words and formulas come from GET /api/meta.

import { fmt, paren, stepDigits } from "../lib/format.js";
import { dialLabel, neuronLabel, parseName, parsePhase } from "../lib/names.js";
import {
  act, activationMeta, blameIn, costFormula, delta, flatIndex, gPrime, inStep, indexOf,
  learnerMeta, nextChange, outputDeltaRule, phaseNames, shownStep, sumIn, triedTurn,
} from "../lib/explain.js";
import { escapeHtml as esc } from "../lib/html.js";
import { t, tn } from "../lib/i18n.js";

const notYet = () => `<span class="na">${t("phase.not_yet")}</span>`;
let digits = 3; // stepDigits of the board shown

export function createPhasePanel(root) {
  root.innerHTML = `
    <ol class="phase-strip" aria-label="${t("phase.strip_label")}"></ol>
    <h2 class="phase-title"></h2>
    <p class="phase-words"></p>
    <div class="phase-maths maths"></div>
    <section class="phase-dial"><h3>${t("phase.selected")}</h3><div class="maths"></div></section>
    <section class="phase-neuron"><h3>${t("phase.neuron_blame")}</h3><div class="maths"></div></section>
    <p class="visually-hidden" aria-live="polite" data-testid="phase-announce"></p>`;
  const $ = (q) => root.querySelector(q);
  const strip = $(".phase-strip"), title = $(".phase-title"), words = $(".phase-words");
  const maths = $(".phase-maths"), dialBox = $(".phase-dial .maths");
  const neuronSection = $(".phase-neuron"), neuronBox = $(".phase-neuron .maths");
  const announce = $("[data-testid=phase-announce]");
  let announced = "";
  // A random learner's try, remembered across its phases: the frames in a step no longer
  // carry the planned turn, and after `keep` no longer carry the two costs.
  const memory = { plan: null, weighed: null };

  function update(state) {
    const f = state.frame, s = state.session;
    if (!f || !s) return;
    digits = stepDigits(s.sizes);
    const lm = learnerMeta(state.meta, f.learner);
    const phases = phaseNames(lm, s.sizes.length - 1);
    const open = inStep(f, phases);
    const c = { f, s, meta: state.meta, lm, phases, open, ph: parsePhase(f.phase), n: shownStep(f, open) };
    remember(c);
    c.sel = selectedDial(state, triedDial(c, memory));
    drawStrip(c);
    root.dataset.phase = f.phase;
    root.dataset.learner = f.learner || "";
    root.dataset.inStep = String(open);
    setText(title, heading(c));
    setHtml(words, phaseWords(c));
    const gd = f.learner === "gradient_descent" || !f.learner;
    setHtml(maths, gd ? gdMaths(c) : tryMaths(c, memory));
    setHtml(dialBox, gd ? gdDial(c) : tryDial(c, memory));
    neuronSection.hidden = !gd;
    if (gd) setHtml(neuronBox, neuronMaths(c));
    say(c, f);
  }

  /** A phase a person stepped to is read out once (heading and words); while the board plays
   * nothing is, or a screen reader would hear a phase sixty times a second. */
  function say(c, f) {
    const key = `${f.step}|${f.phase}|${c.open}`;
    // Before GET /api/meta answers the panel has no words yet: read it out once it has them.
    if (key === announced || f.playing || f.running === "true" || !c.lm) return;
    announced = key;
    setText(announce, `${title.textContent}. ${words.textContent}`);
  }

  function remember(c) {
    const { f } = c;
    if (!c.open) {
      const has = f.learner !== "gradient_descent" && Object.keys(f.updates || {}).length > 0;
      memory.plan = has ? { forStep: f.step + 1, learner: f.learner, tried: triedTurn(f.updates), updates: f.updates } : null;
    }
    if (c.open && f.trialCost !== null && f.trialCost !== undefined) memory.weighed = { step: c.n, base: f.baseCost, trial: f.trialCost };
  }

  let stripKey = "";
  function drawStrip(c) {
    const key = c.phases.join(",") + (c.lm ? "" : "?");
    if (key !== stripKey) {
      strip.innerHTML = c.phases.map((p) => `<li data-phase="${p}">${chip(p, c.lm)}</li>`).join("");
      stripKey = key;
    }
    const at = c.open || c.ph.kind !== "idle" ? c.phases.indexOf(c.f.phase) : -1;
    // The next phase is marked whatever came before: after a step's last phase it is the next
    // step's first, among the chips already done (none was marked, where after Step one was).
    strip.querySelectorAll("li").forEach((li, k) => {
      const next = li.dataset.phase === c.f.nextPhase && k !== at ? " next" : "";
      li.className = (k < at ? "done" : k === at ? "current" : "") + next;
      if (k === at) li.setAttribute("aria-current", "step"); else li.removeAttribute("aria-current");
    });
  }

  // Unchanged text is not written again, so an unchanged panel costs no layout.
  const last = new WeakMap();
  function setHtml(el, html) { if (last.get(el) !== html) { last.set(el, html); el.innerHTML = html; } }
  function setText(el, text) { if (el.textContent !== text) el.textContent = text; }

  return { update };
}

const phaseMeta = (lm, kind) => lm?.phases.find((p) => p.kind === kind) || null;

function chip(p, lm) {
  const { kind, layer } = parsePhase(p);
  if (layer !== null) return `${kind === "forward" ? "→" : "←"} ${layer + 1}`;
  return phaseMeta(lm, kind)?.title || kind;
}

function heading({ f, s, lm, open, ph, n }) {
  const L = s.sizes.length - 1;
  const what = ph.kind === "forward" ? t("phase.forward_through", { layer: ph.layer + 1, of: L })
    : ph.kind === "backward" ? t("phase.backward_for", { layer: ph.layer + 1 }) : phaseMeta(lm, ph.kind)?.title || ph.kind;
  if (open) return t("phase.step_doing", { n, what });
  if (!f.step) return t("phase.ready_first");
  return ph.kind === "idle" ? t("phase.step_done", { n }) : t("phase.step_done_what", { n, what });
}

function phaseWords({ lm, open, ph }) {
  if (!open && ph.kind === "idle") return `${lm?.description || ""} ${t("phase.ready")}`;
  return phaseMeta(lm, ph.kind)?.words || "";
}

/** The try planned (between steps) or under way (in a step), from `{name}.update` before it. */
const planOf = (f, memory) => (memory.plan && memory.plan.forStep === f.step + 1 && memory.plan.learner === f.learner ? memory.plan : null);

/** The dial a random learner's try turns (one dial only), or null. */
function triedDial({ f, s }, memory) {
  const tried = planOf(f, memory)?.tried;
  return tried?.count === 1 ? { name: tried.first.name, index: indexOf(tried.first.name, tried.first.k, s.sizes) } : null;
}

/** The selected dial, else the dial being tried, else the first weight of the phase's layer. */
function selectedDial(state, tried) {
  const ph = parsePhase(state.frame.phase);
  const { name, index } = state.ui.selected || tried || { name: `layers.${ph.layer ?? 0}.weight`, index: [0, 0] };
  const p = parseName(name);
  return { name, index, layer: p.layer, kind: p.kind, j: index[0], i: p.kind === "weight" ? index[1] : null };
}

/** A number the frame computed, tagged with what it is and for which layer (tests read these);
 * in parentheses when negative, as a factor in a product. */
const v = (x, what = "", layer = null, d = digits) => (x === null || x === undefined ? "<span class=\"na\">—</span>"
  : `<span class="num"${what ? ` data-what="${what}"` : ""}${layer !== null ? ` data-layer="${layer}"` : ""}>${paren(x, d)}</span>`);
/** The same, standing alone: no parentheses. */
const n1 = (x, what = "", layer = null) => v(x, what, layer).replace(/>\((.*)\)</, ">$1<");
const lab = (s, k, j) => `<span class="who">${esc(neuronLabel(k, j, s.sizes, s.dataset?.class_names || []))}</span>`;
/** A dial in words, as HTML: class names are the teacher's text. */
const dialHtml = (s, name, index) => esc(dialLabel(name, index, s.sizes, s.dataset?.class_names || []));
const updated = (f, l) => (f.updateLayers || []).includes(l);

/** "these 32 examples" / "all 4 training examples": what the update averages over. */
function examplesOf(f, s) {
  const n = f.updateExamples ?? f.batchSize;
  if (f.updateBatch || (n && n < (s.dataset?.n_train ?? Infinity))) return tn("examples.these", n ?? f.updateBatch.length);
  return tn("examples.all", s.dataset?.n_train ?? n ?? "");
}

function gdMaths(c) {
  const { f, s, ph, open, sel } = c;
  const j = sel.layer === ph.layer ? sel.j : 0;
  if (ph.kind === "forward") return forwardMaths(c, ph.layer, j);
  if (ph.kind === "cost" && open) return costMaths(c);
  if (ph.kind === "backward") return `<p>${backwardWords(c)}</p>${gradRule()}`;
  return `${updateRule(f)}${nextStepLine(f, s)}`;
}

/** What this backward phase finds. "See below" only where the neuron below (the selected
 * dial's) is one of this phase's: it named h₁ of this layer over another layer's neuron. */
function backwardWords({ f, s, ph, sel }) {
  const words = { layer: ph.layer + 1, examples: examplesOf(f, s) };
  if (sel.layer !== ph.layer) return t("phase.backward_maths_layer", words);
  return t("phase.backward_maths", { who: lab(s, ph.layer + 1, sel.j), ...words });
}

function gradRule() { return "<p class=\"eq\">∂C/∂w = δⱼ · aᵢ &nbsp;&nbsp; ∂C/∂bⱼ = δⱼ</p>"; }

function updateRule(f) {
  if (Number(f.momentum) > 0) return "<p class=\"eq\">v ← μv − η(∂C/∂θ + λW), &nbsp;θ ← θ + v</p>";
  return Number(f.weightDecay) > 0 ? "<p class=\"eq\">w ← w − η(∂C/∂w + λw)</p>" : "<p class=\"eq\">w ← w − η ∂C/∂w</p>";
}

function nextStepLine(f, s) {
  if (f.updateRefused) return `<p class="refused">${t("phase.refused", { why: esc(f.updateRefused) })}</p>`;
  if (!Object.keys(f.updates || {}).length) return "";
  // Counted from 1, as the network panel and the nudges count them ("example 1410 of 1438").
  const first = f.updateBatch ? Array.from(f.updateBatch.slice(0, 8), (i) => i + 1) : [];
  const ids = f.updateBatch ? tn("phase.batch_ids", f.updateBatch.length, { ids: first.join(", ") + (f.updateBatch.length > 8 ? ", …" : "") }) : "";
  return `<p>${t("phase.next_averages", { examples: examplesOf(f, s), ids, eta: v(f.learningRate) })}</p>`;
}

function costMaths({ f, s, meta }) {
  const out = s.sizes.length - 1, rows = [];
  for (let j = 0; j < Math.min(s.sizes[out], 10); j++) rows.push(`${lab(s, out, j)}: a = ${v(act(f, out, j))}, y = ${v(f.target?.[j])}`);
  const k = f.batchSize ?? s.dataset?.n_train;
  return `<p>${rows.join("<br>")} <small>${t("phase.first_example")}</small></p>
    <p class="eq">${costFormula(meta, s)}</p>
    <p>${tn("phase.cost_over", k, { cost: `<span class="num big" data-what="batch-cost">${fmt(f.batchCost, 4)}</span>`,
    all: tn("examples.all", s.dataset?.n_train ?? ""), screen: `<span class="num" data-what="screen-cost">${fmt(f.cost, 4)}</span>` })}</p>`;
}

function forwardMaths({ f, s, meta }, l, j) {
  const { terms, b, z, a } = sumIn(f, s, l, j);
  const shown = terms.slice(0, 4).map(([w, x]) => `${v(w)}·${v(x)}`).join(" + ");
  const more = terms.length > 4 ? ` + … ${t("phase.more", { n: terms.length - 4 })}` : "";
  const last = l === s.sizes.length - 2;
  const g = activationMeta(meta, last ? s.outputActivation : s.activation, last);
  return `<p>${t("phase.neuron", { who: lab(s, l + 1, j) })}</p>
    <p class="eq">zⱼ = Σᵢ wⱼᵢ aᵢ + bⱼ = ${shown}${more} + ${v(b)} = ${v(z)}</p>
    <p class="eq">aⱼ = g(zⱼ) = ${v(a)} <small>${t("phase.with_g", { g: g?.g || "" })}</small></p>`;
}

function gdDial(c) {
  const { f, s, sel } = c;
  const k = flatIndex(sel, s.sizes);
  const d = delta(f, sel.layer, sel.j);
  const head = `<p class="dial-name">${dialHtml(s, sel.name, sel.index)} <code>${sel.name}[${sel.index.join(", ")}]</code> = ${n1(f.params[sel.name]?.[k])}</p>`;
  const a = sel.kind === "weight" ? act(f, sel.layer, sel.i) : 1;
  const mine = d === null ? `<p>${t("phase.dial_not_yet", { not_yet: notYet(), layer: sel.layer + 1 })}</p>`
    : `<p class="eq">${t("phase.dial_grad", { delta: v(d, "delta", sel.layer), a: v(a), product: v(a === null ? null : d * a) })}</p>`;
  return head + mine + stepChange(c, k) + slopeLine(f, s, sel, k);
}

/** This step's (or the next step's) change of the selected dial: exactly `{name}.update`. */
function stepChange({ f, s, open, sel }, k) {
  const ch = nextChange(f, sel.name, k), g = f.stepGrads?.[sel.name]?.[k];
  if (open && !updated(f, sel.layer)) return `<p>${t("phase.change_not_yet", { not_yet: notYet(), layer: sel.layer + 1 })}</p>`;
  if (ch === null) return f.updateRefused ? `<p class="refused">${esc(f.updateRefused)}</p>` : "";
  const plain = !(Number(f.momentum) > 0) && !(Number(f.weightDecay) > 0) && g !== undefined;
  const why = g === undefined ? "" : ` ${t("phase.change_why", { examples: examplesOf(f, s), grad: n1(g, "step-grad", sel.layer),
    plain: plain ? t("phase.change_plain", { eta: v(f.learningRate), grad: v(g) }) : "" })}`;
  return `<p>${t(open ? "phase.change_this" : "phase.change_next", { change: n1(ch, "step-update", sel.layer) })}${why}</p>`;
}

function slopeLine(f, s, sel, k) {
  const g = f.grads?.[sel.name]?.[k];
  if (g === undefined) return "";
  return `<p class="legend-line">${tn("phase.slope", s.dataset?.n_train ?? "", { grad: v(g, "screen-grad") })}</p>`;
}

function neuronMaths({ f, s, meta, sel }) {
  const l = sel.layer, j = sel.j, L = s.sizes.length - 1;
  const d = delta(f, l, j), who = lab(s, l + 1, j);
  if (d === null) return `<p>${t("phase.neuron_not_yet", { who, not_yet: notYet(), layer: l + 1 })}</p>`;
  const gp = gPrime(f, l, j);
  if (l === L - 1) {
    const rule = outputDeltaRule(meta, s);
    const a = act(f, l + 1, j), y = f.target?.[j];
    const tail = rule.factor && a !== null && y !== undefined
      ? ` = (${v(a)} − ${v(y)})${rule.gprime || rule.factor(1) !== 1 ? ` · ${v(rule.factor(gp))}` : ""}` : "";
    return `<p>${t("phase.output_blame", { who })}</p><p class="eq">${rule.formula}${tail} = ${v(d, "delta", l)}</p>`;
  }
  const back = blameIn(f, s, l, j);
  const terms = back ? back.terms.slice(0, 4).map(([w, dk]) => `${v(w)}·${v(dk, "delta", l + 1)}`).join(" + ") : "";
  const more = back && back.terms.length > 4 ? ` + … ${t("phase.more", { n: back.terms.length - 4 })}` : "";
  const g = activationMeta(meta, s.activation, false);
  return `<p>${t("phase.hidden_blame", { who })}</p>
    <p class="eq">δⱼ = (Σₖ wₖⱼ δₖ) · g′(zⱼ) <small>${t("phase.with", { what: g?.g_prime || "g′" })}</small></p>
    <p class="eq">= (${terms}${more}) · ${v(gp)} = ${v(back?.sum ?? null)} × ${v(gp)} = ${v(d, "delta", l)}</p>`;
}

function turnWords(c, tried) {
  if (!tried?.first) return "";
  const { s, f } = c;
  const { name, k, amount } = tried.first;
  if (tried.count === 1) return t("phase.turn_one", { dial: dialHtml(s, name, indexOf(name, k, s.sizes)), amount: n1(amount, "try"), size: v(f.stepSize) });
  return t("phase.turn_many", { n: tried.count, size: v(f.stepSize) });
}

function tryMaths(c, memory) {
  const { f, open, ph, n } = c;
  const plan = planOf(f, memory);
  const base = open ? f.baseCost : f.cost;
  const lines = [`<p>${t(open ? "phase.cost_before" : "phase.cost_now", { cost: `<span class="num big" data-what="base-cost">${fmt(base, 6)}</span>` })}</p>`];
  if (!open) {
    if (ph.kind === "keep" && memory.weighed?.step === n) lines.push(verdict(memory.weighed, true));
    if (f.updateRefused) lines.push(`<p class="refused">${esc(f.updateRefused)}</p>`);
    else if (plan) lines.push(`<p>${t("phase.next_try", { what: turnWords(c, plan.tried) })}</p>`);
    return lines.join("");
  }
  lines.push(`<p>${t("phase.turned", { what: plan ? turnWords(c, plan.tried) : t("phase.turned_unknown") })}</p>`);
  if (ph.kind === "nudge") lines.push(`<p>${t("phase.cost_with_not_yet", { not_yet: notYet() })}</p>`);
  else lines.push(verdict({ base: f.baseCost, trial: f.trialCost }, false));
  return lines.join("");
}

function verdict({ base, trial }, done) {
  if (base === null || trial === null || base === undefined || trial === undefined) return "";
  const fell = trial < base;
  const then = t(done ? (fell ? "phase.kept" : "phase.taken_back") : (fell ? "phase.will_keep" : "phase.will_take_back"));
  return `<p>${t("phase.cost_with", { trial: `<span class="num big" data-what="trial-cost">${fmt(trial, 6)}</span>`, base: fmt(base, 6), then })}</p>`;
}

function tryDial(c, memory) {
  const { f, s, sel, open } = c;
  const k = flatIndex(sel, s.sizes);
  const head = `<p class="dial-name">${dialHtml(s, sel.name, sel.index)} <code>${sel.name}[${sel.index.join(", ")}]</code> = ${n1(f.params[sel.name]?.[k])}</p>`;
  const ch = planOf(f, memory)?.updates[sel.name]?.[k];
  if (ch === undefined || ch === null) return head;
  const what = ch === 0 ? t("phase.try_leaves") : t("phase.try_turns", { amount: n1(ch, "try") });
  return `${head}<p>${t(open ? "phase.try_this" : "phase.try_next", { what })}</p>`;
}
