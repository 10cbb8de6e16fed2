// The phase panel: the learner's phases as a strip, the phase that just ran in words and in
// maths with live numbers, and the selected dial. It shows only what has been computed: δ of
// layer l and this step's change of its dials once `backward:l` has run, the cost once `cost`
// has; anything else says "not computed yet". Words and formulas come from GET /api/meta.

import { fmt, paren } from "../lib/format.js";
import { dialLabel, neuronLabel, parseName, parsePhase } from "../lib/names.js";
import {
  act, activationMeta, blameIn, costFormula, delta, flatIndex, gPrime, inStep, indexOf,
  learnerMeta, nextChange, outputDeltaRule, phaseNames, shownStep, sumIn, triedTurn,
} from "../lib/explain.js";

const READY = "<b>Phase</b> runs one part of the next step; <b>Step</b> runs all of it.";
const NOT_YET = "<span class=\"na\">not computed yet</span>";

export function createPhasePanel(root) {
  root.innerHTML = `
    <ol class="phase-strip" aria-label="Phases of one step"></ol>
    <h2 class="phase-title"></h2>
    <p class="phase-words"></p>
    <div class="phase-maths maths"></div>
    <section class="phase-dial"><h3>Selected dial</h3><div class="maths"></div></section>
    <section class="phase-neuron"><h3>Its neuron’s blame</h3><div class="maths"></div></section>`;
  const $ = (q) => root.querySelector(q);
  const strip = $(".phase-strip"), title = $(".phase-title"), words = $(".phase-words");
  const maths = $(".phase-maths"), dialBox = $(".phase-dial .maths");
  const neuronSection = $(".phase-neuron"), neuronBox = $(".phase-neuron .maths");
  // A random learner's try, remembered across its phases: the frames in a step no longer
  // carry the planned turn, and after `keep` no longer carry the two costs.
  const memory = { plan: null, weighed: null };

  function update(state) {
    const f = state.frame, s = state.session;
    if (!f || !s) return;
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
    strip.querySelectorAll("li").forEach((li, k) => {
      li.className = k < at ? "done" : k === at ? "current" : li.dataset.phase === c.f.nextPhase ? "next" : "";
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
  const what = ph.kind === "forward" ? `forward through layer ${ph.layer + 1} of ${L}`
    : ph.kind === "backward" ? `backward: blame for layer ${ph.layer + 1}` : phaseMeta(lm, ph.kind)?.title || ph.kind;
  if (open) return `Step ${n} · ${what}`;
  if (!f.step) return "Ready for step 1";
  return ph.kind === "idle" ? `Step ${n} done` : `Step ${n} done · ${what}`;
}

function phaseWords({ lm, open, ph }) {
  if (!open && ph.kind === "idle") return `${lm?.description || ""} ${READY}`;
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
const v = (x, what = "", layer = null, d = 3) => (x === null || x === undefined ? "<span class=\"na\">—</span>"
  : `<span class="num"${what ? ` data-what="${what}"` : ""}${layer !== null ? ` data-layer="${layer}"` : ""}>${paren(x, d)}</span>`);
/** The same, standing alone: no parentheses. */
const n1 = (x, what = "", layer = null) => v(x, what, layer).replace(/>\((.*)\)</, ">$1<");
const lab = (s, k, j) => `<span class="who">${neuronLabel(k, j, s.sizes, s.dataset?.class_names || [])}</span>`;
const updated = (f, l) => (f.updateLayers || []).includes(l);

/** "these 32 examples" / "all 4 training examples": what the update averages over. */
function examplesOf(f, s) {
  const n = f.updateExamples ?? f.batchSize;
  if (f.updateBatch || (n && n < (s.dataset?.n_train ?? Infinity))) return `these ${n ?? f.updateBatch.length} examples`;
  return `all ${s.dataset?.n_train ?? n ?? ""} training examples`;
}

function gdMaths(c) {
  const { f, s, ph, open, sel } = c;
  const j = sel.layer === ph.layer ? sel.j : 0;
  if (ph.kind === "forward") return forwardMaths(c, ph.layer, j);
  if (ph.kind === "cost" && open) return costMaths(c);
  if (ph.kind === "backward") return `<p>Blame of ${lab(s, ph.layer + 1, j)} and of its neighbours: see below. From it, this step’s slopes of layer ${ph.layer + 1}, over ${examplesOf(f, s)}:</p>${gradRule()}`;
  return `${updateRule(f)}${nextStepLine(f, s)}`;
}

function gradRule() { return "<p class=\"eq\">∂C/∂w = δⱼ · aᵢ &nbsp;&nbsp; ∂C/∂bⱼ = δⱼ</p>"; }

function updateRule(f) {
  if (Number(f.momentum) > 0) return "<p class=\"eq\">v ← μv − η(∂C/∂θ + λW), &nbsp;θ ← θ + v</p>";
  return Number(f.weightDecay) > 0 ? "<p class=\"eq\">w ← w − η(∂C/∂w + λw)</p>" : "<p class=\"eq\">w ← w − η ∂C/∂w</p>";
}

function nextStepLine(f, s) {
  if (f.updateRefused) return `<p class="refused">The next update would be refused: ${f.updateRefused}</p>`;
  if (!Object.keys(f.updates || {}).length) return "";
  const ids = f.updateBatch ? ` (training examples ${Array.from(f.updateBatch.slice(0, 8)).join(", ")}${f.updateBatch.length > 8 ? ", …" : ""})` : "";
  return `<p>The next step averages its gradient over ${examplesOf(f, s)}${ids}, with η = ${v(f.learningRate)}.</p>`;
}

function costMaths({ f, s, meta }) {
  const out = s.sizes.length - 1, rows = [];
  for (let j = 0; j < Math.min(s.sizes[out], 10); j++) rows.push(`${lab(s, out, j)}: a = ${v(act(f, out, j))}, y = ${v(f.target?.[j])}`);
  const k = f.batchSize ?? s.dataset?.n_train;
  return `<p>${rows.join("<br>")} <small>(the first example of the step)</small></p>
    <p class="eq">${costFormula(meta, s)}</p>
    <p>over this step’s ${k} example${k === 1 ? "" : "s"}: C = <span class="num big" data-what="batch-cost">${fmt(f.batchCost, 4)}</span>
      · the screen, over all ${s.dataset?.n_train ?? "the"} training examples: <span class="num" data-what="screen-cost">${fmt(f.cost, 4)}</span></p>`;
}

function forwardMaths({ f, s, meta }, l, j) {
  const { terms, b, z, a } = sumIn(f, s, l, j);
  const shown = terms.slice(0, 4).map(([w, x]) => `${v(w)}·${v(x)}`).join(" + ");
  const more = terms.length > 4 ? ` + … (${terms.length - 4} more)` : "";
  const last = l === s.sizes.length - 2;
  const g = activationMeta(meta, last ? s.outputActivation : s.activation, last);
  return `<p>Neuron ${lab(s, l + 1, j)}:</p>
    <p class="eq">zⱼ = Σᵢ wⱼᵢ aᵢ + bⱼ = ${shown}${more} + ${v(b)} = ${v(z)}</p>
    <p class="eq">aⱼ = g(zⱼ) = ${v(a)} <small>with g: ${g?.g || ""}</small></p>`;
}

function gdDial(c) {
  const { f, s, sel } = c;
  const k = flatIndex(sel, s.sizes);
  const d = delta(f, sel.layer, sel.j);
  const head = `<p class="dial-name">${dialLabel(sel.name, sel.index, s.sizes, s.dataset?.class_names || [])} <code>${sel.name}[${sel.index.join(", ")}]</code> = ${n1(f.params[sel.name]?.[k])}</p>`;
  const a = sel.kind === "weight" ? act(f, sel.layer, sel.i) : 1;
  const mine = d === null ? `<p>For this example: ∂C/∂w = δⱼ · aᵢ: ${NOT_YET} (δ of layer ${sel.layer + 1} comes in its backward phase)</p>`
    : `<p class="eq">For this example: ∂C/∂w = δⱼ · aᵢ = ${v(d, "delta", sel.layer)} × ${v(a)} = ${v(a === null ? null : d * a)}</p>`;
  return head + mine + stepChange(c, k) + slopeLine(f, s, sel, k);
}

/** This step's (or the next step's) change of the selected dial: exactly `{name}.update`. */
function stepChange({ f, s, open, sel }, k) {
  const ch = nextChange(f, sel.name, k), g = f.stepGrads?.[sel.name]?.[k];
  if (open && !updated(f, sel.layer)) return `<p>This step’s change of this dial: ${NOT_YET} (it needs the backward phase of layer ${sel.layer + 1})</p>`;
  if (ch === null) return f.updateRefused ? `<p class="refused">${f.updateRefused}</p>` : "";
  const plain = !(Number(f.momentum) > 0) && !(Number(f.weightDecay) > 0) && g !== undefined;
  const why = g === undefined ? "" : ` ∂C/∂w over ${examplesOf(f, s)} = ${n1(g, "step-grad", sel.layer)}${plain ? `, and Δw = −η × ∂C/∂w = −${v(f.learningRate)} × ${v(g)}` : ""}.`;
  return `<p>${open ? "This step’s update will turn" : "The next step turns"} it by <b>Δw = ${n1(ch, "step-update", sel.layer)}</b>.${why}</p>`;
}

function slopeLine(f, s, sel, k) {
  const g = f.grads?.[sel.name]?.[k];
  if (g === undefined) return "";
  return `<p class="legend-line">Slope of the screen’s cost (all ${s.dataset?.n_train ?? ""} training examples, at these dials): ∂C/∂w = ${v(g, "screen-grad")}</p>`;
}

function neuronMaths({ f, s, meta, sel }) {
  const l = sel.layer, j = sel.j, L = s.sizes.length - 1;
  const d = delta(f, l, j), who = lab(s, l + 1, j);
  if (d === null) return `<p>${who}: δ ${NOT_YET}. Blame for layer ${l + 1} comes in its backward phase.</p>`;
  const gp = gPrime(f, l, j);
  if (l === L - 1) {
    const rule = outputDeltaRule(meta, s);
    const a = act(f, l + 1, j), y = f.target?.[j];
    const tail = rule.factor && a !== null && y !== undefined
      ? ` = (${v(a)} − ${v(y)})${rule.gprime || rule.factor(1) !== 1 ? ` · ${v(rule.factor(gp))}` : ""}` : "";
    return `<p>${who} is an output: its blame is its error.</p><p class="eq">${rule.formula}${tail} = ${v(d, "delta", l)}</p>`;
  }
  const back = blameIn(f, s, l, j);
  const terms = back ? back.terms.slice(0, 4).map(([w, dk]) => `${v(w)}·${v(dk, "delta", l + 1)}`).join(" + ") : "";
  const more = back && back.terms.length > 4 ? ` + … (${back.terms.length - 4} more)` : "";
  const g = activationMeta(meta, s.activation, false);
  return `<p>${who} shares the blame of the neurons it feeds, through their dials:</p>
    <p class="eq">δⱼ = (Σₖ wₖⱼ δₖ) · g′(zⱼ) <small>with ${g?.g_prime || "g′"}</small></p>
    <p class="eq">= (${terms}${more}) · ${v(gp)} = ${v(back?.sum ?? null)} × ${v(gp)} = ${v(d, "delta", l)}</p>`;
}

function turnWords(c, tried) {
  if (!tried?.first) return "";
  const { s, f } = c;
  const { name, k, amount } = tried.first;
  if (tried.count === 1) return `${dialLabel(name, indexOf(name, k, s.sizes), s.sizes, s.dataset?.class_names || [])} by <b>${n1(amount, "try")}</b> (step size ${v(f.stepSize)})`;
  return `${tried.count} dials at once, at random (step size ${v(f.stepSize)})`;
}

function tryMaths(c, memory) {
  const { f, open, ph, n } = c;
  const plan = planOf(f, memory);
  const base = open ? f.baseCost : f.cost;
  const lines = [`<p>Cost ${open ? "before the turn" : "now"}: <span class="num big" data-what="base-cost">${fmt(base, 6)}</span></p>`];
  if (!open) {
    if (ph.kind === "keep" && memory.weighed?.step === n) lines.push(verdict(memory.weighed, true));
    if (f.updateRefused) lines.push(`<p class="refused">${f.updateRefused}</p>`);
    else if (plan) lines.push(`<p>Next try: turn ${turnWords(c, plan.tried)}.</p>`);
    return lines.join("");
  }
  lines.push(`<p>Turned: ${plan ? turnWords(c, plan.tried) : "the tried turn is on the dials"}.</p>`);
  if (ph.kind === "nudge") lines.push(`<p>Cost with the turn: ${NOT_YET}</p>`);
  else lines.push(verdict({ base: f.baseCost, trial: f.trialCost }, false));
  return lines.join("");
}

function verdict({ base, trial }, done) {
  if (base === null || trial === null || base === undefined || trial === undefined) return "";
  const fell = trial < base;
  const then = done ? (fell ? "so the turn was kept." : "so the turn was taken back.")
    : (fell ? "it fell, so the next phase keeps the turn." : "it did not fall, so the next phase takes the turn back.");
  return `<p>Cost with the turn: <span class="num big" data-what="trial-cost">${fmt(trial, 6)}</span> (${fmt(base, 6)} before): ${then}</p>`;
}

function tryDial(c, memory) {
  const { f, s, sel, open } = c;
  const k = flatIndex(sel, s.sizes);
  const head = `<p class="dial-name">${dialLabel(sel.name, sel.index, s.sizes, s.dataset?.class_names || [])} <code>${sel.name}[${sel.index.join(", ")}]</code> = ${n1(f.params[sel.name]?.[k])}</p>`;
  const ch = planOf(f, memory)?.updates[sel.name]?.[k];
  if (ch === undefined || ch === null) return head;
  const what = ch === 0 ? "leaves it where it is" : `turns it by <b>${n1(ch, "try")}</b>`;
  return `${head}<p>${open ? "This step’s try" : "The next try"} ${what}.</p>`;
}
