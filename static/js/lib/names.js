// The product's vocabulary: parameter names, neuron labels and phase descriptions.

import { t } from "./i18n.js";

export function parseName(name) {
  const m = /^layers\.(\d+)\.(weight|bias)$/.exec(name);
  return m ? { layer: Number(m[1]), kind: m[2] } : null;
}

const SUB = "₀₁₂₃₄₅₆₇₈₉";
export const sub = (n) => String(n).split("").map((d) => SUB[Number(d)] ?? d).join("");

/** Label of neuron j in sizes-index k (0 = inputs, sizes.length − 1 = outputs), 1-based.
 * `short`: where room is tight (beside the board's rows, on the network's canvas), a single
 * output is just "out" (its meaning is said beside the outputs' bars and in every panel). */
export function neuronLabel(k, j, sizes, classNames = [], short = false) {
  const last = sizes.length - 1;
  if (k === 0) return `x${sub(j + 1)}`;
  if (k === last) {
    // One output over two classes (3 or 7): it says which class 1 means.
    // A class named more than its number ("7", not "1") is said; unnamed classes are not.
    const named = classNames.length === 2 && classNames[1] !== "1";
    if (sizes[last] === 1) return named && !short ? t("names.out_binary", { yes: classNames[1] }) : t("names.out");
    return classNames.length === sizes[last] ? t("names.out_class", { name: classNames[j] }) : `o${sub(j + 1)}`;
  }
  return last === 2 ? `h${sub(j + 1)}` : `h${k}·${j + 1}`;
}

/** Neuron j's label at its shortest: its number, or its class's name (beside the board's
 * rows and columns, where its whole label does not fit at a readable size). */
export function neuronNumber(k, j, sizes, classNames = []) {
  const last = sizes.length - 1;
  if (sizes[k] === 1) return neuronLabel(k, j, sizes, classNames, true);
  return k === last && classNames.length === sizes[last] ? String(classNames[j]) : String(j + 1);
}

export function layerTitle(k, sizes) {
  const last = sizes.length - 1;
  if (k === 0) return t("names.inputs");
  if (k === last) return t("names.outputs");
  return last === 2 ? t("names.hidden") : t("names.hidden_n", { k });
}

/** "w from x₁ to h₂" — a dial in words. */
export function dialLabel(name, index, sizes, classNames) {
  const p = parseName(name);
  if (!p) return name;
  const to = neuronLabel(p.layer + 1, index[0], sizes, classNames);
  if (p.kind === "bias") return t("names.bias_of", { to });
  return t("names.weight_from", { from: neuronLabel(p.layer, index[1], sizes, classNames), to });
}

export function dialId(name, index) {
  return `${name}[${index.join(", ")}]`;
}

/** forward:1 → {kind: "forward", layer: 1}; cost, update, nudge, keep, idle → {kind}. */
export function parsePhase(phase) {
  if (!phase) return { kind: "idle", layer: null };
  const [kind, layer] = phase.split(":");
  return { kind, layer: layer === undefined ? null : Number(layer) };
}
