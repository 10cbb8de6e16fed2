import { test } from "node:test";
import assert from "node:assert/strict";
import "./strings.mjs";
import { arrowMeaning, gainText, gatherUpdates, nextTurn } from "../../static/js/board/arrows.js";
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

test("arrow lengths: the updates times their layer's 1-2-5 gain, zero without an arrow", () => {
  const scales = createScales();
  const values = new Float32Array(layout.count).fill(0.5);
  scales.update(layout, values);
  const { updates, has } = gather(frame());
  const out = new Float32Array(layout.count);
  assert.equal(scales.arrows(layout, updates, has, out), out);
  const gains = [...scales.gains];
  assert.equal(gains.length, 2);
  for (const g of gains) assert.ok([1, 2, 5].includes(g / 10 ** Math.floor(Math.log10(g))), `gain ${g}`);
  // Every dial ±1 (0.5 × 1.05 → 1). Layer 0's largest update, 0.04, is 4% of its dial: 0.45 /
  // 0.04 → ×10; layer 1's 0.3 is 30%, already inside the band at ×1. One shared gain (×1)
  // would have left layer 0's arrows a sliver beside layer 1's.
  assert.deepEqual(gains, [10, 1]);
  for (let k = 0; k < layout.count; k++) assert.equal(out[k], Math.fround(updates[k] * gains[layout.layer[k]]));
  has.fill(0);
  assert.equal(scales.arrows(layout, updates, has, out), null);
  assert.deepEqual([...scales.gains], [0, 0]);
});

test("during a step a layer backward has not reached has no gain", () => {
  const scales = createScales();
  scales.update(layout, new Float32Array(layout.count).fill(0.5));
  const { updates, has } = gather(frame({ inStep: true, updateLayers: [1] }));
  scales.arrows(layout, updates, has, new Float32Array(layout.count));
  assert.deepEqual([...scales.gains], [0, 1]);
});

test("the magnification in words: one gain, a span, or nothing at true size", () => {
  assert.equal(gainText([20, 20]), "×20");
  assert.equal(gainText([0, 50]), "×50");   // a layer without arrows does not count
  assert.equal(gainText([5, 200, 0]), "×5–200");
  assert.equal(gainText([1, 10]), "×1–10");
  assert.equal(gainText([1, 1]), "");
  assert.equal(gainText([0, 0]), "");
  assert.equal(gainText([]), "");
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
  // During a step the update backward found is this step's (the phase panel's words too).
  const during = nextTurn(frame({ inStep: true, updateLayers: [1] }), { has: 1, update: 0.0123, locked: 0, layer: 1 }, 200);
  assert.deepEqual(during, { label: "this step", text: "+0.0123 (these 8 examples)" });
  const notYet = nextTurn(frame({ inStep: true, updateLayers: [1] }), { has: 0, update: 0, locked: 0, layer: 0 }, 4);
  assert.match(notYet.text, /not yet.*layer 1/);
  // the reason alone, for "no mark for …: {why}" (it said "not yet" twice)
  assert.equal(notYet.why, "backward has not reached layer 1");
  assert.match(nextTurn(frame({ updateRefused: "it would diverge" }), { has: 0, update: 0, locked: 0, layer: 0 }, 4).text, /it would diverge/);
  const trial = frame({ updateKind: "trial_and_error", learner: "trial_and_error" });
  assert.deepEqual(nextTurn(trial, { has: 1, update: 0.05, locked: 0, layer: 1 }, 4), { label: "next try", text: "+0.0500 (the dial it tries)" });
  assert.match(nextTurn(trial, { has: 1, update: 0, locked: 0, layer: 1 }, 4).text, /another dial/);
});
