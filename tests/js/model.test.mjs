import { test } from "node:test";
import assert from "node:assert/strict";
import { createModel, parseLayers, camel } from "../../static/js/model.js";
import { decodeSafetensors } from "../../static/js/lib/safetensors.js";
import { fakeFrame, fixture, HELLO_221, noFixtures } from "./fixtures.mjs";

const W0 = [0.5, -1, 2, 0.25], B0 = [0, 0.1], W1 = [1, -1], B1 = [0.3];
const PARAMS = { "layers.0.weight": W0, "layers.0.bias": B0, "layers.1.weight": W1, "layers.1.bias": B1 };
const STEP_DATA = {
  "layers.0.weight.update": [0.01, 0.02, 0.03, 0.04], "layers.0.bias.update": [0, 0],
  "layers.1.weight.update": [0.1, 0.2], "layers.1.bias.update": [0.3],
  "layers.0.weight.grad": [1, 2, 3, 4], "layers.1.weight.step_grad": [5, 6],
  "grid.output": [0.1, 0.9], "update.batch": Int32Array.from([3, 1]),
};
const META = { step: "4", phase: "idle", next_phase: "forward:0", in_step: "false", learner: "gradient_descent",
  learning_rate: "0.5", batch_size_setting: "2", momentum: "0.9", weight_decay: "0.0", step_size: "0.05",
  diverged: "", update_kind: "gradient_descent", update_examples: "2", update_layers: "1,0", update_refused: "",
  version: "7", playing: "false", example: "0" };

function model() {
  const m = createModel();
  m.hello(HELLO_221);
  return m;
}

const full = (meta = {}, params = PARAMS) => fakeFrame({ ...META, has_grads: "true", ...meta }, { ...params, ...STEP_DATA });
const bare = (meta = {}, params = PARAMS) => fakeFrame({ ...META, has_grads: "false", ...meta }, { ...params });

test("metadata: camel-cased, numbers are numbers, flags are booleans, layers a list", () => {
  const f = model().frame(full({ base_cost: "0.25", trial_cost: "" }));
  assert.equal(f.inStep, false);
  assert.equal(f.updateKind, "gradient_descent");
  assert.equal(f.updateExamples, 2);
  assert.deepEqual(f.updateLayers, [1, 0]);
  assert.equal(f.updateRefused, "");
  assert.equal(f.baseCost, 0.25);
  assert.equal(f.trialCost, null);
  assert.equal(f.learningRate, 0.5);
  assert.equal(model().frame(full({ in_step: "true" })).inStep, true);
});

test("step data by name: updates, step gradients, screen gradients, batch and grid", () => {
  const f = model().frame(full());
  assert.deepEqual([...f.updates["layers.1.weight"]], [0.1, 0.2].map(Math.fround));
  assert.deepEqual(Object.keys(f.updates).sort(), ["layers.0.bias", "layers.0.weight", "layers.1.bias", "layers.1.weight"]);
  assert.deepEqual([...f.stepGrads["layers.1.weight"]], [5, 6]);
  assert.deepEqual(Object.keys(f.grads), ["layers.0.weight"]);
  assert.deepEqual([...f.updateBatch], [3, 1]);
  assert.ok(f.updateBatch instanceof Int32Array);
  assert.equal(f.grid.length, 2);
  assert.equal(f.stepDataKept, false);
});

test("a presenter frame without step data has none, whatever came before", () => {
  const m = model();
  m.frame(full());
  const f = m.frame(fakeFrame({ ...META, has_grads: "true" }, PARAMS));
  assert.deepEqual(f.updates, {});
  assert.equal(f.updateBatch, null);
  assert.equal(f.grid, null);
});

test("viewer keep rule: a bare frame of the very same state keeps the last step data", () => {
  const m = model();
  m.frame(full());
  const f = m.frame(bare({ version: "8", example: "2", playing: "true" }));
  assert.equal(f.stepDataKept, true);
  assert.deepEqual([...f.updates["layers.0.weight"]], [0.01, 0.02, 0.03, 0.04].map(Math.fround));
  assert.equal(f.grid.length, 2);
});

for (const [what, change] of [
  ["the step number", { step: "5" }], ["the phase", { phase: "forward:0" }], ["in_step", { in_step: "true" }],
  ["the learning rate", { learning_rate: "0.4" }], ["the learner", { learner: "evolution" }],
  ["a refusal", { update_refused: "it would diverge" }], ["divergence", { diverged: "the cost ran away" }],
  ["the batch size", { batch_size_setting: "" }], ["the momentum", { momentum: "0.5" }],
  ["precision (F16 arrows, then a presenter's F32 frame)", { precision: "f32" }],
]) {
  test(`viewer keep rule: a bare frame with a different ${what} drops the step data`, () => {
    const m = model();
    m.frame(full());
    const f = m.frame(bare(change));
    assert.deepEqual(f.updates, {});
    assert.deepEqual(f.grads, {});
    assert.equal(f.grid, null);
    assert.equal(f.updateBatch, null);
    // …and they do not come back when the state returns to the old one without new data.
    assert.deepEqual(m.frame(bare()).updates, {});
  });
}

test("viewer keep rule: a turned dial or a lock drops the step data", () => {
  const m = model();
  m.frame(full());
  assert.deepEqual(m.frame(bare({}, { ...PARAMS, "layers.1.bias": [0.31] })).updates, {});
  m.frame(full());
  const locked = fakeFrame({ ...META, has_grads: "false" }, { ...PARAMS, "layers.1.bias.locked": Uint8Array.from([1]) });
  assert.deepEqual(m.frame(locked).updates, {});
});

test("a new hello forgets kept step data", () => {
  const m = model();
  m.frame(full());
  m.hello({ ...HELLO_221, session: "s2" });
  assert.deepEqual(m.frame(bare()).updates, {});
});

test("parseLayers and camel", () => {
  assert.deepEqual(parseLayers("2,1,0"), [2, 1, 0]);
  assert.deepEqual(parseLayers(""), []);
  assert.equal(camel("update_refused"), "updateRefused");
});

test("the server's xor frames: F32 presenter, F16 viewer and its bare frame keep the same arrows", { skip: noFixtures }, () => {
  const hello = { session: "x", config: { layers: [2, 2, 1] }, phases: [], parameters: HELLO_221.parameters };
  const m = model();
  m.hello(hello);
  const f32 = m.frame(decodeSafetensors(fixture("xor-f32").buffer));
  assert.deepEqual(f32.updateLayers, [1, 0]);
  assert.equal(f32.updateExamples, 4);
  assert.ok(f32.updates["layers.0.weight"].length === 4 && f32.grads["layers.1.bias"].length === 1);
  assert.ok(f32.gprimes[0].length === 2 && f32.gprimes[1].length === 1);
  const viewer = model();
  viewer.hello(hello);
  const f16 = viewer.frame(decodeSafetensors(fixture("xor-f16").buffer));
  const kept = viewer.frame(decodeSafetensors(fixture("xor-f16-bare").buffer));
  assert.equal(kept.stepDataKept, true);
  assert.deepEqual(kept.updates, f16.updates);
});

test("the server's mid-backward frame: in step, only the output layer's update, no screen slope", { skip: noFixtures }, () => {
  const m = model();
  const f = m.frame(decodeSafetensors(fixture("xor-backward").buffer));
  assert.equal(f.inStep, true);
  assert.deepEqual(f.updateLayers, [1]);
  assert.deepEqual(Object.keys(f.updates).sort(), ["layers.1.bias", "layers.1.weight"]);
  assert.deepEqual(f.grads, {});
});
