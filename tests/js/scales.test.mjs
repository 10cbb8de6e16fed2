import { test } from "node:test";
import assert from "node:assert/strict";
import { createScales, SCALE_STEPS } from "../../static/js/board/scales.js";

// Two layers: dials 0–1 in layer 0, dial 2 in layer 1.
const layout = { count: 3, groups: [{}, {}], layer: Uint8Array.from([0, 0, 1]) };

test("a layer's scale is a 1-2-5 number over its largest value, at least 0.1", () => {
  const s = createScales();
  assert.deepEqual([...s.update(layout, Float32Array.from([0.3, -1.7, 0.01]))], [2, 0.1]);
});

test("scales grow at once, and come back down only once settled", () => {
  const s = createScales();
  s.update(layout, Float32Array.from([1.5, 0, 0]));
  assert.equal(s.ranges[0], 2);
  s.update(layout, Float32Array.from([3, 0, 0]));
  assert.equal(s.ranges[0], 5);
  s.update(layout, Float32Array.from([0.9, 0, 0]), { settled: false });
  assert.equal(s.ranges[0], 5);   // playing or mid-turn: never shrinks
  s.update(layout, Float32Array.from([0.9, 0, 0]));
  assert.equal(s.ranges[0], 1);   // settled: what a fresh board shows for 0.9
});

test("hysteresis: a value must leave a scale to grow it, and come 5% inside to shrink it", () => {
  const s = createScales();
  s.update(layout, Float32Array.from([0.97, 0, 0]));
  assert.equal(s.ranges[0], 2);   // 0.97 × 1.05 > 1
  s.update(layout, Float32Array.from([0.95, 0, 0]));
  assert.equal(s.ranges[0], 1);   // 0.95 × 1.05 ≤ 1
  for (const v of [0.97, 0.99, 1, 0.96]) {
    s.update(layout, Float32Array.from([v, 0, 0]));
    assert.equal(s.ranges[0], 1, `flickered at ${v}`);
  }
  s.update(layout, Float32Array.from([1.01, 0, 0]));
  assert.equal(s.ranges[0], 2);
});

test("a dragged dial's layer keeps its scale until the drag lets go; widen is one 1-2-5 step", () => {
  const s = createScales();
  s.update(layout, Float32Array.from([0.4, 0, 0.05]));
  assert.deepEqual([...s.ranges], [0.5, 0.1]);
  s.update(layout, Float32Array.from([1.7, 0, 0.3]), { hold: 0, settled: false });
  assert.deepEqual([...s.ranges], [0.5, 0.5]);   // the held layer stays, the other grows
  s.widen(0);
  assert.equal(s.ranges[0], 1);
});

test("each layer's arrow gain brings its largest arrow to about half its dial and stays put", () => {
  const s = createScales();
  s.update(layout, Float32Array.from([1, 1, 1]));   // every dial ±2
  const out = new Float32Array(3), has = Uint8Array.from([1, 1, 1]);
  s.arrows(layout, Float32Array.from([0.001, -0.0005, 0.1]), has, out);
  // layer 0: 0.45 / (0.001 / 2) = 900 → 500, a quarter of the dial; layer 1: 0.45 / 0.05 = 9 → 5
  assert.deepEqual([...s.gains], [500, 5]);
  assert.ok(Math.abs(out[0] - 0.5) < 1e-6);
  assert.ok(Math.abs(out[2] - 0.5) < 1e-6);
  s.arrows(layout, Float32Array.from([0.0015, 0, 0.1]), has, out);
  assert.equal(s.gains[0], 500);      // 0.375 of the dial: inside the band, the gain does not jump
  // A layer whose updates are all 0 shows no arrow and says no gain (trial and error's other
  // layers), but keeps its gain for when its arrows come back.
  s.arrows(layout, Float32Array.from([0.0015, 0, 0]), has, out);
  assert.deepEqual([...s.gains], [500, 0]);
  s.arrows(layout, Float32Array.from([0.0015, 0, 0.15]), has, out);
  assert.deepEqual([...s.gains], [500, 5]);
  s.reset();
  assert.deepEqual([...s.gains], []);
});

test("a change of scale glides there over SCALE_STEPS paints, every step between the two", () => {
  const s = createScales();
  s.update(layout, Float32Array.from([0.9, 0, 0.05]));
  assert.deepEqual([...s.tick().shown], [1, 0.1]);   // a first scale is shown at once
  s.update(layout, Float32Array.from([1.5, 0, 0.05]));
  const seen = [];
  for (let k = 0; k < SCALE_STEPS + 3; k++) {
    const { shown, moving } = s.tick();
    seen.push([shown[0], moving]);
  }
  const values = seen.map(([v]) => v);
  assert.ok(values.slice(0, SCALE_STEPS - 1).every((v) => v > 1 && v < 2), values.join(" "));
  for (let k = 1; k < values.length; k++) assert.ok(values[k] >= values[k - 1], "never back");
  assert.equal(values[SCALE_STEPS - 1], 2);
  assert.deepEqual(seen.map(([, m]) => m), seen.map((_, k) => k < SCALE_STEPS - 1));
  assert.equal(s.shown[1], 0.1);   // the other layer never moved
});

test("a glide halfway goes geometrically; a new target glides on from where it is", () => {
  const s = createScales();
  s.update(layout, Float32Array.from([0.9, 0, 0]));
  s.tick(4);
  s.update(layout, Float32Array.from([3.5, 0, 0]));   // 1 → 5
  s.tick(4);
  const half = s.tick(4).shown[0];
  assert.ok(Math.abs(half - Math.sqrt(5)) < 1e-9, half);   // ease(1/2) = 1/2: the geometric mean
  s.update(layout, Float32Array.from([0.5, 0, 0]));   // back down to 1 before arriving
  assert.equal(s.tick(4).shown[0] < half, true);
  s.tick(4); s.tick(4);
  assert.equal(s.tick(4).shown[0], 1);
});

test("a second paint in the same frame shows the same scales; reduced motion jumps at once", () => {
  const s = createScales();
  s.update(layout, Float32Array.from([0.9, 0, 0]));
  s.tick();
  s.update(layout, Float32Array.from([1.5, 0, 0]));
  const a = s.tick().shown[0];
  assert.equal(s.tick(SCALE_STEPS, false).shown[0], a);
  s.update(layout, Float32Array.from([4, 0, 0]));
  assert.equal(s.tick(0).shown[0], 5);
});
