import { test } from "node:test";
import assert from "node:assert/strict";
import "./strings.mjs";
import { arrowMeaning, gatherUpdates, nextTurn } from "../../static/js/board/arrows.js";
import { layoutBoard } from "../../static/js/board/layout.js";
import { createScales } from "../../static/js/board/scales.js";
import { HELLO_221 } from "./fixtures.mjs";
import { parseName } from "../../static/js/lib/names.js";

const parameters = HELLO_221.parameters.map((p) => ({ ...p, ...parseName(p.name) }));
const layout = layoutBoard({ parameters, sizes: [2, 2, 1] });
const UPDATES = {
  "layers.0.weight": Float32Array.from([0.01, -0.02, 0.03, -0.04]), "layers.0.bias": Float32Array.from([0.005, 0]),
  "layers.1.weight": Float32Array.from([0.1, -0.2]), "layers.1.bias": Float32Array.from([0.3]),
};
const frame = (extra = {}) => ({ learner: "gradient_descent", updateKind: "gradient_descent", inStep: false,
  updateLayers: [1, 0], updateExamples: 8, updateRefused: "", diverged: "", updates: UPDATES, ...extra });

function gather(f, locked = new Uint8Array(layout.count)) {
  const updates = new Float32Array(layout.count), has = new Uint8Array(layout.count);
  const n = gatherUpdates(layout, f, locked, updates, has);
  return { n, updates, has };
}

test("between steps every unlocked dial gets exactly its tensor's update", () => {
  const { n, updates, has } = gather(frame());
  assert.equal(n, 9);
  for (const t of layout.tensors) {
    assert.deepEqual([...updates.subarray(t.offset, t.offset + t.count)], [...UPDATES[t.name]]);
  }
  assert.ok(has.every((h) => h === 1));
});

test("locked dials and tensors without an update get no arrow", () => {
  const locked = new Uint8Array(layout.count);
  locked[layout.indexOf("layers.0.weight", [1, 0])] = 1;
  const { n, has } = gather(frame({ updates: { "layers.1.weight": UPDATES["layers.1.weight"] } }), locked);
  assert.equal(n, 2);
  assert.equal(has[layout.indexOf("layers.1.weight", [0, 1])], 1);
  assert.equal(has[layout.indexOf("layers.1.bias", [0])], 0);
  const all = gather(frame(), locked);
  assert.equal(all.n, 8);
  assert.equal(all.has[layout.indexOf("layers.0.weight", [1, 0])], 0);
});

test("during a step only the layers backward has reached have arrows, from the output back", () => {
  assert.equal(gather(frame({ inStep: true, updateLayers: [] })).n, 0);
  const one = gather(frame({ inStep: true, updateLayers: [1] }));
  assert.equal(one.n, 3);
  assert.equal(one.has[layout.indexOf("layers.0.weight", [0, 0])], 0);
  assert.equal(gather(frame({ inStep: true, updateLayers: [1, 0] })).n, 9);
  assert.equal(gather(frame({ updates: {} })).n, 0);
});

test("arrow lengths: the updates times one shared 1-2-5 gain, zero without an arrow", () => {
  const scales = createScales();
  const values = new Float32Array(layout.count).fill(0.5);
  scales.update(layout, values);
  const { updates, has } = gather(frame());
  const out = new Float32Array(layout.count);
  assert.equal(scales.arrows(layout, updates, has, out), out);
  const g = scales.gain;
  assert.ok([1, 2, 5].includes(g / 10 ** Math.floor(Math.log10(g))), `gain ${g}`);
  for (let k = 0; k < layout.count; k++) assert.equal(out[k], updates[k] * g);
  has.fill(0);
  assert.equal(scales.arrows(layout, updates, has, out), null);
});

test("the legend says what the arrow is", () => {
  assert.equal(arrowMeaning(frame()), "arrow: the next step");
  assert.match(arrowMeaning(frame({ updateKind: "trial_and_error", learner: "trial_and_error" })), /dial it will try/);
  assert.match(arrowMeaning(frame({ updateKind: "evolution", learner: "evolution" })), /random turn/);
  assert.match(arrowMeaning(frame({ inStep: true, updateLayers: [] })), /appear as backward/);
  assert.match(arrowMeaning(frame({ updateRefused: "too big" })), /no arrows/);
});

test("the tip's next step: the update with its examples, or why there is none", () => {
  const t = nextTurn(frame(), { has: 1, update: 0.0123, locked: 0, layer: 0 }, 200);
  assert.deepEqual(t, { label: "next step", text: "+0.0123 (these 8 examples)" });
  assert.equal(nextTurn(frame({ updateExamples: 4 }), { has: 1, update: -0.5, locked: 0, layer: 0 }, 4).text, "−0.500 (all 4 training examples)");
  // One training example: singular (it said "all 1 training examples").
  assert.equal(nextTurn(frame({ updateExamples: 1 }), { has: 1, update: -0.5, locked: 0, layer: 0 }, 1).text, "−0.500 (the 1 training example)");
  assert.equal(nextTurn(frame(), { has: 0, update: 0, locked: 1, layer: 0 }, 4).text, "none (locked)");
  const notYet = nextTurn(frame({ inStep: true, updateLayers: [1] }), { has: 0, update: 0, locked: 0, layer: 0 }, 4);
  assert.match(notYet.text, /not yet.*layer 1/);
  // the reason alone, for "no mark for …: {why}" (it said "not yet" twice)
  assert.equal(notYet.why, "backward has not reached layer 1");
  assert.match(nextTurn(frame({ updateRefused: "it would diverge" }), { has: 0, update: 0, locked: 0, layer: 0 }, 4).text, /it would diverge/);
  const trial = frame({ updateKind: "trial_and_error", learner: "trial_and_error" });
  assert.deepEqual(nextTurn(trial, { has: 1, update: 0.05, locked: 0, layer: 1 }, 4), { label: "next try", text: "+0.0500 (the dial it tries)" });
  assert.match(nextTurn(trial, { has: 1, update: 0, locked: 0, layer: 1 }, 4).text, /another dial/);
});
