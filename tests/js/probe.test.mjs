import { test } from "node:test";
import assert from "node:assert/strict";
import "./strings.mjs";
import { probeQuestion } from "../../static/js/lib/probe.js";

const state = (frame, divergence = null) => ({
  frame: { version: 7, diverged: "", ...frame }, session: { id: "s1" },
  ui: { selected: { name: "layers.0.weight", index: [2, 1] } }, divergence,
});

test("one question per dial and frame version", () => {
  const q = probeQuestion(state({}));
  assert.equal(q.subject, "s1|layers.0.weight|2,1");
  assert.deepEqual(q.wish, { subject: q.subject, key: `${q.subject}|7`, id: "s1",
    name: "layers.0.weight", index: [2, 1] });
  assert.notEqual(probeQuestion(state({ version: 8 })).wish.key, q.wish.key);
});

test("a diverged board asks nothing and says why", () => {
  const q = probeQuestion(state({ diverged: "training diverged at step 3: …" }));
  assert.equal(q.wish, undefined);
  assert.match(q.error, /diverged at step 3/);
  assert.match(probeQuestion(state({}, { message: "ran away" })).error, /ran away/);
});
