import { test } from "node:test";
import assert from "node:assert/strict";
import { CHECKS, taskMet, boardStep, boardToOpen, setupMessages, runShown } from "../../static/js/lib/lesson.js";

const frame = (f) => ({ cost: 0.3, step: 4, phase: "idle", accuracy: 0.5, version: 10, ...f });

test("each check says met or not met", () => {
  const base = frame({});
  assert.equal(taskMet({ cost_below: 0.1 }, frame({ cost: 0.09 }), base), true);
  assert.equal(taskMet({ cost_below: 0.1 }, frame({ cost: 0.1 }), base), false);
  assert.equal(taskMet({ cost_below: 0.1 }, frame({ cost: null }), base), false);
  assert.equal(taskMet({ accuracy_at_least: 0.95 }, frame({ accuracy: 0.95 }), base), true);
  assert.equal(taskMet({ accuracy_at_least: 0.95 }, frame({ accuracy: null }), base), false);
  assert.equal(taskMet({ steps_taken: 3 }, frame({ step: 6 }), base), false);
  assert.equal(taskMet({ steps_taken: 3 }, frame({ step: 7 }), base), true);
  assert.equal(taskMet({ phase: "backward:1" }, frame({ phase: "backward:1" }), base), true);
  assert.equal(taskMet({ phase: "backward:1" }, frame({ phase: "cost" }), base), false);
  assert.equal(taskMet({ cost_changed: true }, frame({}), base), false);
  assert.equal(taskMet({ cost_changed: true }, frame({ cost: 0.31 }), base), true);
  assert.equal(taskMet({ cost_below: 1, steps_taken: 1 }, frame({}), base), false, "all must hold");
  assert.equal(taskMet({ no_such_check: 1 }, frame({}), base), false);
  assert.equal(taskMet(null, frame({}), base), false);
  assert.deepEqual(Object.keys(CHECKS).sort(),
    ["accuracy_at_least", "cost_below", "cost_changed", "phase", "steps_taken"]);
});

const lesson = { id: "l", steps: [{ board: { preset: "xor" } }, {}, { board: { preset: "digits" } }, { fresh: true }] };

test("a step shows the board of the nearest step at or before it", () => {
  assert.deepEqual([0, 1, 2, 3].map((k) => boardStep(lesson.steps, k)), [0, 0, 2, 2]);
  assert.deepEqual(boardToOpen(lesson, 1, null, "s"), { key: "l#0", config: { preset: "xor" } });
  assert.equal(boardToOpen(lesson, 1, { key: "l#0", session: "s" }, "s"), null);
  assert.notEqual(boardToOpen(lesson, 1, { key: "l#0", session: "s" }, "other"), null, "the board was replaced");
  assert.deepEqual(boardToOpen(lesson, 2, { key: "l#0", session: "s" }, "s").config, { preset: "digits" });
  assert.notEqual(boardToOpen(lesson, 3, { key: "l#2", session: "s" }, "s"), null, "fresh opens anew");
});

test("setup messages: settings, locks, and the run only when Next enters", () => {
  const step = { settings: { learner: "trial_and_error" }, locks: [{ name: "layers.0.bias", locked: true }], run: { phases: 2 } };
  assert.deepEqual(setupMessages(step, true), [
    { type: "configure", learner: "trial_and_error" },
    { type: "lock", name: "layers.0.bias", locked: true },
    { type: "phase" }, { type: "phase" },
  ]);
  assert.equal(setupMessages(step, false).length, 2);
  assert.deepEqual(setupMessages({ run: { steps: 50 } }, true), [{ type: "step", count: 50 }]);
});

test("a run has shown once the board got that far", () => {
  const before = frame({});
  assert.equal(runShown(undefined, before, before, 0), true);
  assert.equal(runShown({ phases: 2 }, before, frame({ version: 11 }), 2), false);
  assert.equal(runShown({ phases: 2 }, before, frame({ version: 12 }), 2), true);
  assert.equal(runShown({ steps: 50 }, before, frame({ step: 54, running: "true" }), 1), false);
  assert.equal(runShown({ steps: 50 }, before, frame({ step: 54, running: "false" }), 1), true);
});

test("a step's settings shown before its run are not the run shown", () => {
  // "Trial and error": configure, then one phase. On a slow network the configure's frame
  // (one version on) arrives on its own, before the phase's.
  const before = frame({});
  const step = { settings: { learner: "trial_and_error" }, run: { phases: 1 } };
  const sent = setupMessages(step, true).length;
  assert.equal(sent, 2);
  assert.equal(runShown(step.run, before, frame({ version: 11 }), sent), false);
  assert.equal(runShown(step.run, before, frame({ version: 12 }), sent), true);
});
