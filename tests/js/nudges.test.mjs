import { test } from "node:test";
import assert from "node:assert/strict";
import "./strings.mjs";
import { findByGrad, nearest, stripLayout, targetWords } from "../../static/js/views/nudges.js";

test("every example gets one mark, on a symmetric 1-2-5 axis, inside the box", () => {
  const nudges = Array.from({ length: 1438 }, (_, k) => Math.sin(k) * 0.37);
  const lay = stripLayout(nudges, 300, 100, 8);
  assert.equal(lay.xs.length, 1438);
  assert.equal(lay.R, 0.5);
  assert.equal(lay.X(0), 150);
  assert.ok(lay.xs.every((x) => x >= 8 && x <= 292));
  assert.ok(lay.ys.every((y) => y >= 8 && y <= 92));
  const rows = new Set(Array.from(lay.ys, (y) => Math.round(y)));
  assert.ok(rows.size > 50, "jittered over many rows");
  assert.equal(stripLayout([0, -0], 100, 50).R, 1);
});

test("a pick reaches the nearest mark within a finger's reach", () => {
  const xs = Float32Array.from([10, 50, 52]), ys = Float32Array.from([10, 10, 30]);
  assert.equal(nearest(xs, ys, 49, 12, 22), 1);
  assert.equal(nearest(xs, ys, 53, 28, 22), 2);
  assert.equal(nearest(xs, ys, 200, 200, 22), -1);
});

test("targets in words: the class for classification, else the values", () => {
  assert.equal(targetWords([0, 0, 1], ["0", "1", "2"]), "class “2”");
  assert.equal(targetWords([1], ["class 0", "class 1"]), "class “class 1”");
  assert.equal(targetWords([0.25], []), "target 0.250");
  assert.equal(targetWords(null, ["a"]), null);
});

test("an answer's gradient finds its frame at the wire's precision", () => {
  const seen = [];
  seen.subject = "a";
  seen.push({ version: 1, grad: Math.fround(0.0123456789), precision: "f32" });
  seen.push({ version: 2, grad: Math.fround(-0.05), precision: "f32" });
  assert.equal(findByGrad(seen, "a", 0.0123456789).version, 1);
  assert.equal(findByGrad(seen, "a", -0.05).version, 2);
  assert.equal(findByGrad(seen, "a", 0.0124), null);
  assert.equal(findByGrad(seen, "b", -0.05), null);
});
