// Turns the hello message and decoded frames into the one state object every view reads.
// Views never see the wire format: numbers are numbers, tensors are typed arrays by name.

import { parseName } from "./lib/names.js";

const NUMBER_META = ["step", "version", "test_cost", "accuracy", "test_accuracy", "batch_cost",
  "batch_size", "example", "learning_rate", "forward_examples", "backward_examples", "undo_levels"];

function num(s) {
  if (s === undefined || s === null || s === "") return null;
  const v = Number(s);
  return Number.isFinite(v) ? v : null;
}

function camel(key) {
  return key.replace(/_(\w)/g, (_, c) => c.toUpperCase());
}

export function createModel() {
  let session = null;
  let grads = {};
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
    grads = {};
  }

  function sizesFrom(params) {
    const weights = params.filter((p) => p.kind === "weight").sort((a, b) => a.layer - b.layer);
    return [weights[0].shape[1], ...weights.map((w) => w.shape[0])];
  }

  function frame({ metadata, tensors }) {
    if (!session) return null;
    const get = (name) => tensors.get(name)?.data ?? null;
    const params = {}, locked = {};
    const hasGrads = metadata.has_grads !== "false";
    for (const p of session.parameters) {
      params[p.name] = get(p.name);
      locked[p.name] = get(`${p.name}.locked`);
      if (hasGrads && tensors.has(`${p.name}.grad`)) grads[p.name] = get(`${p.name}.grad`);
    }
    const L = session.sizes.length - 1;
    const perLayer = (what) => Array.from({ length: L }, (_, l) => get(`layers.${l}.${what}`));
    const meta = {};
    for (const [k, v] of Object.entries(metadata)) meta[camel(k)] = NUMBER_META.includes(k) ? num(v) : v;
    const cost = get("cost");
    lastFrame = {
      ...meta,
      playing: metadata.playing === "true",
      diverged: metadata.diverged || "",
      cost: cost ? cost[0] : null,
      params, grads: { ...grads }, locked,
      input: get("example.input"), target: get("example.target"),
      activations: perLayer("activation"), zs: perLayer("z"), deltas: perLayer("delta"),
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
