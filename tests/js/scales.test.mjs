import { test } from "node:test";
import assert from "node:assert/strict";
import { createScales } from "../../static/js/board/scales.js";

// Two layers: dials 0–1 in layer 0, dial 2 in layer 1.
const layout = { count: 3, groups: [{}, {}], layer: Uint8Array.from([0, 0, 1]) };

test("a layer's scale is a 1-2-5 number over its largest value, at least 0.1", () => {
  const s = createScales();
  assert.deepEqual([...s.update(layout, Float32Array.from([0.3, -1.7, 0.01]))], [2, 0.1]);
});

test("scales are sticky: they grow at once and shrink only well inside", () => {
  const s = createScales();
  s.update(layout, Float32Array.from([1.5, 0, 0]));
  assert.equal(s.ranges[0], 2);
  s.update(layout, Float32Array.from([0.9, 0, 0]));
  assert.equal(s.ranges[0], 2);
  s.update(layout, Float32Array.from([0.5, 0, 0]));
  assert.equal(s.ranges[0], 1);   // 0.5 is under 0.3 of 2: shrinks to the 1-2-5 number over 0.525
  s.update(layout, Float32Array.from([3, 0, 0]));
  assert.equal(s.ranges[0], 5);
});

test("the arrow gain brings the largest arrow to about half its dial and stays put", () => {
  const s = createScales();
  s.update(layout, Float32Array.from([1, 1, 1]));   // every dial ±2
  const out = new Float32Array(3), has = Uint8Array.from([1, 1, 1]);
  s.arrows(layout, Float32Array.from([0.001, -0.0005, 0]), has, out);
  assert.equal(s.gain, 500);      // 0.45 / (0.001 / 2) = 900 → 500: a quarter of the dial
  assert.ok(Math.abs(out[0] - 0.5) < 1e-6);
  s.arrows(layout, Float32Array.from([0.0015, 0, 0]), has, out);
  assert.equal(s.gain, 500);      // 0.375 of the dial: inside the band, the gain does not jump
  s.reset();
  assert.equal(s.gain, 1);
});
