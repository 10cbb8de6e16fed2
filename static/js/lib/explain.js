// Live numbers for the phase panel, read from one frame: the example's activations a,
// sums z and blames δ, and the formulas that connect them (index names as in the panel:
// j the receiving neuron, i the sending one, k a neuron of the next layer).

import { derivative } from "./nn.js";

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

/** g′(zⱼ) of neuron j in weight layer l, from z and a. */
export function gPrime(f, s, l, j) {
  const z = zOf(f, l, j), a = act(f, l + 1, j);
  if (z === null || a === null) return null;
  const last = l === s.sizes.length - 2;
  return derivative(last ? s.outputActivation : s.activation, z, a);
}

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

/** The output neuron's δ in words and maths, by loss and output activation. */
export function outputDeltaRule(s) {
  if (s.loss === "cross_entropy") return { formula: "δⱼ = aⱼ − yⱼ", factor: () => 1 };
  if (s.outputActivation === "softmax") return { formula: "δⱼ = aⱼ (∂C/∂aⱼ − Σₖ aₖ ∂C/∂aₖ)", factor: null };
  if (s.loss === "mse") {
    return { formula: `δⱼ = (2/${s.sizes.at(-1)}) (aⱼ − yⱼ) · g′(zⱼ)`, factor: (gp) => (2 / s.sizes.at(-1)) * gp };
  }
  return { formula: "δⱼ = (aⱼ − yⱼ) · g′(zⱼ)", factor: (gp) => gp };
}
