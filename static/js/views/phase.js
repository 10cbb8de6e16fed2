// The phase panel: which phase just ran, in words and in maths with live numbers, and for
// the selected dial the two facts backprop rests on: ∂C/∂w = δⱼ · aᵢ and
// δⱼ = (Σₖ wₖⱼ δₖ) · g′(zⱼ).

import { fmt, paren } from "../lib/format.js";
import { dialLabel, neuronLabel, parseName, parsePhase } from "../lib/names.js";
import { act, blameIn, delta, gPrime, outputDeltaRule, sumIn } from "../lib/explain.js";

const WORDS = {
  idle: "Ready. <b>Phase</b> runs one part of the next step; <b>Step</b> runs all of it.",
  forward: "The example goes <b>forward</b>: each neuron adds up what arrives — every input times its dial, plus its bias — and squashes the sum with g.",
  cost: "The <b>screen</b> compares the outputs with the targets. The cost is how wrong the network is, averaged over every training example: the number to get to zero.",
  backward: "<b>Blame</b> flows backwards. δ says how much the cost would change if a neuron’s sum z were nudged. Output neurons are blamed for their error; a hidden neuron shares the blame of the neurons it feeds, through the dials between them.",
  update: "Every unlocked dial gets a small <b>nudge</b> against its gradient, η times it: exactly where the arrows pointed.",
  nudge: "Try a <b>nudge</b>: turn dials a little and see whether the screen improves.",
  keep: "<b>Keep</b> the nudge if the cost went down; otherwise turn the dials back.",
};

export function createPhasePanel(root) {
  root.innerHTML = `
    <ol class="phase-strip" aria-label="Phases of one step"></ol>
    <h2 class="phase-title"></h2>
    <p class="phase-words"></p>
    <div class="phase-maths maths"></div>
    <section class="phase-dial"><h3>Selected dial</h3><div class="maths"></div></section>
    <section class="phase-neuron"><h3>Its neuron’s blame</h3><div class="maths"></div></section>`;
  const strip = root.querySelector(".phase-strip");
  const title = root.querySelector(".phase-title");
  const words = root.querySelector(".phase-words");
  const maths = root.querySelector(".phase-maths");
  const dialBox = root.querySelector(".phase-dial .maths");
  const neuronBox = root.querySelector(".phase-neuron .maths");
  let phasesKey = "";

  function update(state) {
    const f = state.frame, s = state.session;
    if (!f || !s) return;
    const key = s.phases.join(",");
    if (key !== phasesKey) { strip.innerHTML = s.phases.map((p) => `<li data-phase="${p}">${chip(p, s)}</li>`).join(""); phasesKey = key; }
    const done = f.phase === "idle" ? -1 : s.phases.indexOf(f.phase);
    strip.querySelectorAll("li").forEach((li, n) => {
      li.className = n < done ? "done" : n === done ? "current" : "";
    });
    root.dataset.phase = f.phase;
    const ph = parsePhase(f.phase);
    setText(title, heading(ph, f, s));
    setHtml(words, WORDS[ph.kind] || "");
    const sel = selectedDial(state);
    setHtml(maths, phaseMaths(ph, f, s, sel));
    setHtml(dialBox, dialMaths(f, s, sel));
    setHtml(neuronBox, neuronMaths(f, s, sel.layer, sel.j));
  }

  // Unchanged text is not written again, so an unchanged panel costs no layout.
  const last = new WeakMap();
  function setHtml(el, html) { if (last.get(el) !== html) { last.set(el, html); el.innerHTML = html; } }
  function setText(el, text) { if (el.textContent !== text) el.textContent = text; }

  return { update };
}

function chip(p, s) {
  const { kind, layer } = parsePhase(p);
  if (layer === null) return kind;
  return `${kind === "forward" ? "→" : "←"} ${layer + 1}`;
}

function heading(ph, f, s) {
  const L = s.sizes.length - 1;
  const n = (f.step ?? 0) + 1;
  if (ph.kind === "idle") return `Step ${n}: ready`;
  if (ph.kind === "forward") return `Step ${n} · forward through layer ${ph.layer + 1} of ${L}`;
  if (ph.kind === "backward") return `Step ${n} · backward: blame for layer ${ph.layer + 1}`;
  if (ph.kind === "cost") return `Step ${n} · the cost`;
  if (ph.kind === "update") return `Step ${f.step} · update: every dial nudged`;
  return `Step ${n} · ${ph.kind}`;
}

/** The selected dial, or the first weight of the layer the phase works on. */
function selectedDial(state) {
  const sel = state.ui.selected;
  const ph = parsePhase(state.frame.phase);
  const fallback = { name: `layers.${ph.layer ?? 0}.weight`, index: [0, 0] };
  const { name, index } = sel || fallback;
  const p = parseName(name);
  return { name, index, layer: p.layer, kind: p.kind, j: index[0], i: p.kind === "weight" ? index[1] : null };
}

const v = (x, d = 3) => (x === null || x === undefined ? "<span class=\"na\">—</span>" : `<span class="num">${paren(x, d)}</span>`);
const lab = (s, k, j) => `<span class="who">${neuronLabel(k, j, s.sizes, s.dataset?.class_names || [])}</span>`;

function phaseMaths(ph, f, s, sel) {
  if (ph.kind === "forward") return forwardMaths(f, s, ph.layer, sel.layer === ph.layer ? sel.j : 0);
  if (ph.kind === "cost") {
    const out = s.sizes.length - 1;
    const rows = [];
    for (let j = 0; j < Math.min(s.sizes[out], 10); j++) rows.push(`${lab(s, out, j)}: a = ${v(act(f, out, j))}, y = ${v(f.target?.[j])}`);
    return `<p>${rows.join("<br>")}</p>
      <p class="eq">C = ${lossFormula(s)} = <span class="num big">${fmt(f.cost, 4)}</span></p>`;
  }
  if (ph.kind === "backward") return `<p>Blame of ${lab(s, ph.layer + 1, sel.layer === ph.layer ? sel.j : 0)} — see below.</p>${gradRule()}`;
  if (ph.kind === "update") {
    const g = f.grads[sel.name]?.[flat(sel, s)];
    const w = f.params[sel.name]?.[flat(sel, s)];
    return `<p class="eq">w ← w − η ∂C/∂w</p>
      <p>Next nudge of the selected dial: ${v(w)} − ${v(f.learningRate)} × ${v(g)} = ${v(w - f.learningRate * g)}</p>`;
  }
  if (ph.kind === "idle") return gradRule();
  return "";
}

function gradRule() {
  return `<p class="eq">∂C/∂w = δⱼ · aᵢ &nbsp;&nbsp; ∂C/∂bⱼ = δⱼ</p>`;
}

function lossFormula(s) {
  if (s.loss === "cross_entropy") return "(1/n) Σₓ −Σₖ yₖ log aₖ";
  if (s.loss === "mse") return "(1/(n·n<sub>out</sub>)) Σₓ Σₖ (yₖ − aₖ)²";
  return "(1/n) Σₓ ½‖y − a‖²";
}

function forwardMaths(f, s, l, j) {
  const { terms, b, z, a } = sumIn(f, s, l, j);
  const shown = terms.slice(0, 4).map(([w, x]) => `${v(w)}·${v(x)}`).join(" + ");
  const more = terms.length > 4 ? ` + … (${terms.length - 4} more)` : "";
  const g = l === s.sizes.length - 2 ? s.outputActivation : s.activation;
  return `<p>Neuron ${lab(s, l + 1, j)}:</p>
    <p class="eq">zⱼ = Σᵢ wⱼᵢ aᵢ + bⱼ = ${shown}${more} + ${v(b)} = ${v(z)}</p>
    <p class="eq">aⱼ = ${g}(zⱼ) = ${v(a)}</p>`;
}

function flat(sel, s) {
  return sel.kind === "weight" ? sel.j * s.sizes[sel.layer] + sel.i : sel.j;
}

function dialMaths(f, s, sel) {
  const classNames = s.dataset?.class_names || [];
  const g = f.grads[sel.name]?.[flat(sel, s)];
  const d = delta(f, sel.layer, sel.j);
  const head = `<p class="dial-name">${dialLabel(sel.name, sel.index, s.sizes, classNames)} <code>${sel.name}[${sel.index.join(", ")}]</code></p>`;
  const nTrain = s.dataset?.n_train ?? "all";
  const avg = `<p>Averaged over the ${nTrain} training examples this is the gradient ∂C/∂w = ${v(g)}: the arrow on the dial.</p>`;
  if (sel.kind === "bias") {
    return `${head}<p class="eq">∂C/∂bⱼ = δⱼ = ${v(d)} <small>for this example</small></p>${avg}`;
  }
  const a = act(f, sel.layer, sel.i);
  const prod = d === null || a === null ? null : d * a;
  return `${head}
    <p class="eq">∂C/∂w = δⱼ · aᵢ = ${v(d)} × ${v(a)} = ${v(prod)}</p>
    <p class="legend-line">δⱼ: blame of ${lab(s, sel.layer + 1, sel.j)} · aᵢ: what ${lab(s, sel.layer, sel.i)} sent, for this example</p>${avg}`;
}

function neuronMaths(f, s, l, j) {
  const L = s.sizes.length - 1;
  const gp = gPrime(f, s, l, j);
  const d = delta(f, l, j);
  const who = lab(s, l + 1, j);
  if (l === L - 1) {
    const rule = outputDeltaRule(s);
    const a = act(f, l + 1, j), y = f.target?.[j];
    const tail = rule.factor && a !== null && y !== undefined
      ? ` = (${v(a)} − ${v(y)})${s.loss === "cross_entropy" ? "" : ` · ${v(rule.factor(gp))}`}` : "";
    return `<p>${who} is an output: its blame is its error.</p><p class="eq">${rule.formula}${tail} = ${v(d)}</p>`;
  }
  const back = blameIn(f, s, l, j);
  const terms = back ? back.terms.slice(0, 4).map(([w, dk]) => `${v(w)}·${v(dk)}`).join(" + ") : "";
  const more = back && back.terms.length > 4 ? ` + … (${back.terms.length - 4} more)` : "";
  return `<p>${who} shares the blame of the neurons it feeds, through their dials:</p>
    <p class="eq">δⱼ = (Σₖ wₖⱼ δₖ) · g′(zⱼ)</p>
    <p class="eq">= (${back ? terms + more : v(null)}) · ${v(gp)} = ${v(back ? back.sum : null)} × ${v(gp)} = ${v(d)}</p>
    ${d === null ? "<p class=\"na-note\">Not computed yet: blame for this layer comes in its backward phase.</p>" : ""}`;
}

