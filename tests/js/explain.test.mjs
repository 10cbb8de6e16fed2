import { test } from "node:test";
import assert from "node:assert/strict";
import {
  costFormula, gPrime, inStep, indexOf, outputDeltaRule, phaseNames, shownStep, triedTurn,
} from "../../static/js/lib/explain.js";

// The shape of GET /api/meta (app/server/meta.py), cut down to what these tests read; the
// words themselves are the server's and are tested there (tests/server/test_meta.py).
const META = {
  learners: [
    { name: "gradient_descent", phases: [{ kind: "forward" }, { kind: "cost" }, { kind: "backward" }, { kind: "update" }] },
    { name: "trial_and_error", phases: [{ kind: "nudge" }, { kind: "cost" }, { kind: "keep" }] },
  ],
  losses: [
    { name: "mse", cost: { sigmoid: "C = mse" }, delta: { sigmoid: { rule: "δ mse", live: { scale: 2, per_output: true, gprime: true } }, softmax: { rule: "δ softmax", live: null } } },
    { name: "cross_entropy", cost: { softmax: "C = ce" }, delta: { softmax: { rule: "δⱼ = aⱼ − yⱼ", live: { scale: 1, per_output: false, gprime: false } } } },
  ],
};

test("phase names spell forward and backward once per layer, in the engine's order", () => {
  assert.deepEqual(phaseNames(META.learners[0], 2), ["forward:0", "forward:1", "cost", "backward:1", "backward:0", "update"]);
  assert.deepEqual(phaseNames(META.learners[1], 2), ["nudge", "cost", "keep"]);
  assert.deepEqual(phaseNames(null, 2), []);
});

test("a step is open while the server says so, or while the next phase is not the first", () => {
  const gd = phaseNames(META.learners[0], 2);
  assert.equal(inStep({ inStep: false, nextPhase: "forward:0" }, gd), false);
  assert.equal(inStep({ inStep: false, nextPhase: "backward:1" }, gd), true);
  assert.equal(inStep({ inStep: true, nextPhase: "forward:0" }, gd), true);
  // a stale phase name from another learner proves nothing
  assert.equal(inStep({ inStep: false, nextPhase: "keep" }, gd), false);
});

test("the step spoken of is the one in progress, else the last completed", () => {
  assert.equal(shownStep({ step: 1 }, true), 2);
  assert.equal(shownStep({ step: 1 }, false), 1);
  assert.equal(shownStep({ step: null }, false), 0);
});

test("the output δ multiplies out as the server's meta says", () => {
  const s = { loss: "mse", outputActivation: "sigmoid", sizes: [2, 3, 4] };
  const rule = outputDeltaRule(META, s);
  assert.equal(rule.formula, "δ mse");
  assert.equal(rule.factor(0.25), 0.125);   // 2/n_out · g′ with n_out = 4
  assert.equal(outputDeltaRule(META, { ...s, outputActivation: "softmax" }).factor, null);
  const ce = outputDeltaRule(META, { loss: "cross_entropy", outputActivation: "softmax", sizes: [2, 3] });
  assert.equal(ce.factor(0.3), 1);
  assert.equal(costFormula(META, { loss: "cross_entropy", outputActivation: "softmax" }), "C = ce");
  assert.equal(costFormula(null, { loss: "mse", outputActivation: "sigmoid" }), "");
});

test("g′ is the server's, and absent until the frame carries it", () => {
  const f = { gprimes: [Float32Array.of(0.125), null] };
  assert.equal(gPrime(f, 0, 0), 0.125);
  assert.equal(gPrime(f, 1, 0), null);
  assert.equal(gPrime({}, 0, 0), null);
});

test("the tried turn is the nonzero entries of the next update", () => {
  const one = triedTurn({ "layers.0.weight": Float32Array.of(0, 0, 0, 0.1, 0, 0), "layers.0.bias": Float32Array.of(0, 0) });
  assert.deepEqual(one, { count: 1, first: { name: "layers.0.weight", k: 3, amount: Float32Array.of(0.1)[0] } });
  assert.deepEqual(indexOf("layers.0.weight", 3, [3, 2]), [1, 0]);
  assert.deepEqual(indexOf("layers.0.bias", 1, [3, 2]), [1]);
  assert.equal(triedTurn({}).count, 0);
});
