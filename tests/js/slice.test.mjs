import { test } from "node:test";
import assert from "node:assert/strict";
import { costRange, createSeen, defaultDial, niceTicks, sameReading, tickLabels } from "../../static/js/views/slice.js";

const session = { parameters: [{ name: "layers.0.weight", shape: [2, 3] }, { name: "layers.0.bias", shape: [2] }] };

test("ticks fall on a 1-2-5 step inside the range, zero exactly", () => {
  assert.deepEqual(niceTicks(-2, 2, 4), [-2, -1, 0, 1, 2]);
  assert.deepEqual(niceTicks(-0.5, 0.5, 4), [-0.5, 0, 0.5]);
  const t = niceTicks(0.1262, 0.1403, 3);
  assert.ok(t.every((v) => v >= 0.1262 && v <= 0.1403));
  assert.ok(t.length >= 2 && t.length <= 4, String(t));
  assert.deepEqual(niceTicks(1, 1), [1]);
  const two = niceTicks(2.295, 2.338, 3);
  assert.ok(two.length >= 2, `a narrow range still gets two ticks: ${two}`);
  assert.deepEqual(tickLabels(two).labels, ["2.30", "2.32"]);
});

test("tick labels carry the decimals their step needs", () => {
  assert.deepEqual(tickLabels([-1, -0.5, 0, 0.5, 1]).labels, ["−1.0", "−0.5", "0", "0.5", "1.0"]);
  assert.deepEqual(tickLabels([0.13, 0.14]).labels, ["0.13", "0.14"]);
  assert.deepEqual(tickLabels([-2, 0, 2]).labels, ["−2", "0", "2"]);
  assert.equal(tickLabels([0.13, 0.14]).offset, null);
});

test("ticks on a nearly flat cost are labelled from the current cost", () => {
  const ref = 2.3521216728;
  const { labels, offset } = tickLabels([ref - 2e-10, ref, ref + 2e-10], ref);
  assert.equal(offset, ref);
  assert.equal(labels[1], "0");
  assert.equal(labels[0], "−2×10⁻¹⁰");
  assert.equal(labels[2], "+2×10⁻¹⁰");
});

test("the cost axis holds the whole curve and the point, and a flat curve gets room", () => {
  const [lo, hi] = costRange([1, 2, 3], 2);
  assert.ok(lo < 1 && hi > 3);
  const [flo, fhi] = costRange([5, 5, 5], 5);
  assert.ok(flo < 5 && fhi > 5 && fhi - flo < 1e-6);
});

test("the default dial has the largest next update, else the steepest slope, never a locked one", () => {
  const updates = { "layers.0.weight": Float32Array.from([0, 0.1, 0, 0, -0.3, 0]), "layers.0.bias": Float32Array.from([0.2, 0]) };
  assert.deepEqual(defaultDial(session, { updates, grads: {}, locked: {} }), { name: "layers.0.weight", index: [1, 1] });
  const locked = { "layers.0.weight": Uint8Array.from([0, 0, 0, 0, 1, 0]) };
  assert.deepEqual(defaultDial(session, { updates, grads: {}, locked }), { name: "layers.0.bias", index: [0] });
  const grads = { "layers.0.bias": Float32Array.from([0, -1e-3]) };
  assert.deepEqual(defaultDial(session, { updates: {}, grads, locked: {} }), { name: "layers.0.bias", index: [1] });
  const zeros = { "layers.0.bias": Float32Array.from([0, 0]) };
  assert.deepEqual(defaultDial(session, { updates: zeros, grads, locked: {} }), { name: "layers.0.bias", index: [1] });
  assert.equal(defaultDial(session, { updates: {}, grads: {}, locked: {} }), null);
});

test("an answer finds the frame of its own state: same float64 cost, value to the wire's precision", () => {
  const seen = createSeen(3);
  const v32 = Math.fround(0.123456789);
  seen.note("a", { version: 1, cost: 0.5, value: v32, precision: "f32", update: 0.01 });
  seen.note("a", { version: 2, cost: 0.4, value: v32, precision: "f32", update: 0.02 });
  assert.equal(seen.find("a", 0.5, 0.123456789).version, 1);
  assert.equal(seen.find("a", 0.4, 0.123456789).version, 2);
  assert.equal(seen.find("a", 0.45, 0.123456789), null);
  assert.equal(seen.find("a", 0.4, 0.2), null);
  assert.equal(seen.find("b", 0.4, 0.123456789), null);
  for (let v = 3; v <= 5; v++) seen.note("a", { version: v, cost: v, value: 0, precision: "f32" });
  assert.equal(seen.find("a", 0.5, 0.123456789), null, "only the last frames are kept");
  seen.note("b", { version: 6, cost: 1, value: 0, precision: "f32" });
  assert.equal(seen.find("a", 5, 0), null, "another dial starts afresh");
  assert.ok(sameReading({ cost: 1, value: 0.1001, precision: "f16" }, 1, 0.1));
  assert.ok(!sameReading({ cost: 1, value: 0.1001, precision: "f32" }, 1, 0.1));
});
