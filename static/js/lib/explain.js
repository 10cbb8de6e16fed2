// Live numbers for the phase panel, read from one frame, and the words for them read from
// the server's vocabulary (GET /api/meta): nothing here restates a formula or a phase name.
// Index names as in the panel: j the receiving neuron, i the sending one, k a neuron of the
// next layer. Every reader returns null for what the frame has not computed yet.

/** a of neuron i in sizes-index k (0 = the example's input), or null before it is computed. */
export function act(f, k, i) {
  const arr = k === 0 ? f.input : f.activations[k - 1];
  return arr && i < arr.length ? arr[i] : null;
}

export const delta = (f, l, j) => (f.deltas[l] ? f.deltas[l][j] : null);
export const zOf = (f, l, j) => (f.zs[l] ? f.zs[l][j] : null);

export function weight(f, sizes, l, i, j) {
  const W = f.params[`layers.${l}.weight`];
  return W ? W[i * sizes[l] + j] : null;
}

export const bias = (f, l, j) => f.params[`layers.${l}.bias`]?.[j] ?? null;

/** g′(zⱼ) of neuron j in weight layer l, as the server computed it (`layers.{l}.gprime`). */
export const gPrime = (f, l, j) => f.gprimes?.[l]?.[j] ?? null;

/** Σₖ wₖⱼ δₖ: the blame flowing back into neuron j of layer l from layer l + 1. */
export function blameIn(f, s, l, j) {
  const next = f.deltas[l + 1];
  if (!next) return null;
  let sum = 0;
  const terms = [];
  for (let k = 0; k < s.sizes[l + 2]; k++) {
    const w = weight(f, s.sizes, l + 1, k, j);
    sum += w * next[k];
    terms.push([w, next[k]]);
  }
  return { sum, terms };
}

/** zⱼ = Σᵢ wⱼᵢ aᵢ + bⱼ with its terms, for neuron j of layer l. */
export function sumIn(f, s, l, j) {
  const terms = [];
  for (let i = 0; i < s.sizes[l]; i++) terms.push([weight(f, s.sizes, l, j, i), act(f, l, i)]);
  return { terms, b: bias(f, l, j), z: zOf(f, l, j), a: act(f, l + 1, j) };
}

const byName = (list, name) => (list || []).find((e) => e.name === name) || null;

export const learnerMeta = (meta, name) => byName(meta?.learners, name || "gradient_descent");
export const settingMeta = (meta, name) => byName(meta?.settings, name);

export function activationMeta(meta, name, output) {
  return byName(output ? meta?.output_activations : meta?.hidden_activations, name);
}

/** The session's cost formula, as the README writes it, or "" before meta arrives. */
export function costFormula(meta, s) {
  return byName(meta?.losses, s.loss)?.cost?.[s.outputActivation] || "";
}

/**
 * The output neuron's δ: the rule in words and maths, and when it multiplies out into live
 * numbers, `factor(g′)` with δ = factor · (a − y).
 */
export function outputDeltaRule(meta, s) {
  const d = byName(meta?.losses, s.loss)?.delta?.[s.outputActivation];
  if (!d) return { formula: "", factor: null, gprime: false };
  const live = d.live;
  if (!live) return { formula: d.rule, factor: null, gprime: false };
  const scale = live.scale / (live.per_output ? s.sizes.at(-1) : 1);
  return { formula: d.rule, gprime: live.gprime, factor: (gp) => (live.gprime ? scale * gp : scale) };
}

/** The phase names of one step of a learner on L weight layers, from meta's phase kinds. */
export function phaseNames(learner, L) {
  const out = [];
  for (const { kind } of learner?.phases || []) {
    if (kind === "forward") for (let l = 0; l < L; l++) out.push(`forward:${l}`);
    else if (kind === "backward") for (let l = L - 1; l >= 0; l--) out.push(`backward:${l}`);
    else out.push(kind);
  }
  return out;
}

/** Is a step half done? The server says so (`in_step`); a step is also open while the next
 * phase is not its first one. */
export function inStep(f, phases) {
  return Boolean(f.inStep) || Boolean(phases.length && f.nextPhase && f.nextPhase !== phases[0] &&
    phases.includes(f.nextPhase));
}

/** The step the panel speaks of: the one in progress, else the last completed (0: none yet). */
export const shownStep = (f, open) => (f.step ?? 0) + (open ? 1 : 0);

/** Flat position of a dial in its tensor. */
export function flatIndex(sel, sizes) {
  return sel.kind === "weight" ? sel.j * sizes[sel.layer] + sel.i : sel.j;
}

/** What the next update adds to this dial (`{name}.update`), or null when it is not sent. */
export const nextChange = (f, name, k) => f.updates?.[name]?.[k] ?? null;

/** The dials a random learner's next try turns: {count, first: {name, k, amount}}. */
export function triedTurn(updates) {
  let count = 0, first = null;
  for (const [name, arr] of Object.entries(updates || {})) {
    for (let k = 0; k < arr.length; k++) {
      if (arr[k] === 0) continue;
      count += 1;
      if (!first) first = { name, k, amount: arr[k] };
    }
  }
  return { count, first };
}

/** [i, j] of a weight or [j] of a bias from its flat position. */
export function indexOf(name, k, sizes) {
  const m = /^layers\.(\d+)\.weight$/.exec(name);
  if (!m) return [k];
  const nIn = sizes[Number(m[1])];
  return [Math.floor(k / nIn), k % nIn];
}
