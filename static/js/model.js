// Turns the hello message and decoded frames into the one state object every view reads.
// Views never see the wire format: numbers are numbers, tensors are typed arrays by name.
//
// Step data (docs/protocol.md, state frame): `{name}.grad` (the screen's slope), `{name}.update`
// (exactly what the next update adds), `{name}.step_grad`, `update.batch` and `grid.output`.
// A presenter gets them in every frame. A viewer gets them only in frames with
// `has_grads=true`; the last ones are kept for a later frame without them ONLY while that
// frame shows the very state they were computed for (see `sameState`); otherwise the frame
// has none, so the board draws no arrow rather than an arrow for another state.

import { said } from "./lib/i18n.js";
import { parseName } from "./lib/names.js";

const NUMBER_META = ["step", "cost_step", "version", "test_cost", "accuracy", "test_accuracy", "batch_cost",
  "batch_size", "example", "learning_rate", "forward_examples", "backward_examples", "undo_levels",
  "update_examples", "base_cost", "trial_cost"];

// Everything besides the parameters and locks that the next update depends on (the velocity
// and the mini-batch order only change with `step`, so the step number stands for them), and
// the precision: a presenter's F32 frame never shows the F16 arrows its socket had before.
const STATE_META = ["step", "phase", "next_phase", "in_step", "learner", "learning_rate",
  "batch_size_setting", "momentum", "weight_decay", "step_size", "diverged", "update_kind",
  "update_layers", "update_refused", "precision"];

const NO_STEP_DATA = Object.freeze({ grads: {}, updates: {}, stepGrads: {}, updateBatch: null, grid: null });

/** A frame's refusal (`diverged`, `update_refused`) in the page's language: its words are
 * JSON text beside the English (metadata are strings). */
function spoken(json, english) {
  let words = null;
  try { words = json ? JSON.parse(json) : null; } catch { /* the English says it */ }
  return said({ words, detail: english || "" });
}

/** "0,60" → {first: 0, last: 60}: the steps `travel` can reach; null without one. */
/** The race leader's dials the board's steps count from: {learner, passes, step}, or null. */
function originOf(s) {
  try { return s ? JSON.parse(s) : null; } catch { return null; }
}

export function timelineOf(s) {
  const [first, last] = (s || "").split(",").map(Number);
  return Number.isInteger(first) && Number.isInteger(last) ? { first, last } : null;
}

function num(s) {
  if (s === undefined || s === null || s === "") return null;
  const v = Number(s);
  return Number.isFinite(v) ? v : null;
}

export function camel(key) {
  return key.replace(/_(\w)/g, (_, c) => c.toUpperCase());
}

/** "2,1" → [2, 1]; "" → []. */
export function parseLayers(s) {
  return s ? s.split(",").filter((x) => x.trim() !== "").map(Number).filter(Number.isInteger) : [];
}

function sameArray(a, b) {
  if (a === b) return true;
  if (!a || !b || a.length !== b.length) return false;
  for (let k = 0; k < a.length; k++) if (a[k] !== b[k]) return false;
  return true;
}

/**
 * May step data taken from frame `kept` be shown with frame `now`? Only if `now` shows the
 * same state: the same step, phase, learner, settings and refusal, and bit-identical
 * parameters and locks (a hand turn, a lock, a step, a phase, undo or reset all change one
 * of these). Both are {metadata, params, locked}.
 */
export function sameState(kept, now, names) {
  for (const k of STATE_META) if ((kept.metadata[k] ?? "") !== (now.metadata[k] ?? "")) return false;
  for (const n of names) {
    if (!sameArray(kept.params[n], now.params[n]) || !sameArray(kept.locked[n], now.locked[n])) return false;
  }
  return true;
}

/** The step data carried by one frame: {grads, updates, stepGrads, updateBatch, grid}. */
export function stepDataOf(tensors, names) {
  const get = (name) => tensors.get(name)?.data ?? null;
  const out = { grads: {}, updates: {}, stepGrads: {}, updateBatch: get("update.batch"), grid: get("grid.output") };
  for (const n of names) {
    if (tensors.has(`${n}.grad`)) out.grads[n] = get(`${n}.grad`);
    if (tensors.has(`${n}.update`)) out.updates[n] = get(`${n}.update`);
    if (tensors.has(`${n}.step_grad`)) out.stepGrads[n] = get(`${n}.step_grad`);
  }
  return out;
}

function metaOf(metadata) {
  const meta = {};
  for (const [k, v] of Object.entries(metadata)) meta[camel(k)] = NUMBER_META.includes(k) ? num(v) : v;
  return {
    ...meta,
    playing: metadata.playing === "true",
    diverged: spoken(metadata.diverged_words, metadata.diverged),
    inStep: metadata.in_step === "true",
    costBeforeTry: metadata.cost_before_try === "true",
    running: metadata.running === "true",
    timeline: timelineOf(metadata.timeline),
    origin: originOf(metadata.origin),
    updateKind: metadata.update_kind || "",
    updateLayers: parseLayers(metadata.update_layers || ""),
    updateRefused: spoken(metadata.update_refused_words, metadata.update_refused),
  };
}

export function createModel() {
  let session = null;
  let kept = null;   // {metadata, params, locked, data} of the last frame with step data
  let lastFrame = null;

  function hello(msg) {
    const cfg = msg.config || {};
    const params = msg.parameters.map((p) => ({ ...p, ...parseName(p.name) }));
    const sizes = cfg.layers || sizesFrom(params);
    session = {
      id: msg.session, config: cfg, phases: msg.phases, parameters: params, dataset: msg.dataset,
      sizes, activation: cfg.activation || "sigmoid",
      outputActivation: cfg.output_activation || "sigmoid", loss: cfg.loss || "quadratic",
    };
    kept = null;
  }

  function sizesFrom(params) {
    const weights = params.filter((p) => p.kind === "weight").sort((a, b) => a.layer - b.layer);
    return [weights[0].shape[1], ...weights.map((w) => w.shape[0])];
  }

  /** This frame's step data, or the kept ones when they belong to this very state. */
  function stepData(metadata, tensors, params, locked) {
    const names = session.parameters.map((p) => p.name);
    const now = { metadata, params, locked };
    if (metadata.has_grads !== "false") {
      kept = { ...now, data: stepDataOf(tensors, names) };
      return { ...kept.data, kept: false };
    }
    if (kept && sameState(kept, now, names)) return { ...kept.data, kept: true };
    kept = null;
    return { ...NO_STEP_DATA, kept: false };
  }

  function frame({ metadata, tensors }) {
    if (!session) return null;
    const get = (name) => tensors.get(name)?.data ?? null;
    const params = {}, locked = {};
    for (const p of session.parameters) {
      params[p.name] = get(p.name);
      locked[p.name] = get(`${p.name}.locked`);
    }
    const L = session.sizes.length - 1;
    const perLayer = (what) => Array.from({ length: L }, (_, l) => get(`layers.${l}.${what}`));
    const cost = get("cost");
    const data = stepData(metadata, tensors, params, locked);
    lastFrame = {
      ...metaOf(metadata),
      cost: cost ? cost[0] : null,
      params, locked,
      grads: { ...data.grads }, updates: { ...data.updates }, stepGrads: { ...data.stepGrads },
      updateBatch: data.updateBatch, grid: data.grid, stepDataKept: data.kept,
      input: get("example.input"), target: get("example.target"),
      activations: perLayer("activation"), zs: perLayer("z"), deltas: perLayer("delta"),
      gprimes: perLayer("gprime"),
      history: { step: get("history.step"), cost: get("history.cost") },
    };
    return lastFrame;
  }

  return {
    hello, frame,
    get session() { return session; },
    get frame_() { return lastFrame; },
  };
}
