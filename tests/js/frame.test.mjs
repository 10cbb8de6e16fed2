import { test } from "node:test";
import assert from "node:assert/strict";
import { activeLayers, lockKey, readFrame } from "../../static/js/board/frame.js";

test("a frame's values and locks land on their dials; a tensor without locks unlocks", () => {
  const layout = { tensors: [{ name: "a", offset: 0, count: 2 }, { name: "b", offset: 2, count: 3 }] };
  const values = new Float32Array(5), locked = Uint8Array.from([1, 1, 1, 1, 1]);
  readFrame(layout, { params: { a: Float32Array.from([1, 2]), b: Float32Array.from([3, 4, 5]) },
    locked: { b: Uint8Array.from([0, 1, 0]) } }, values, locked);
  assert.deepEqual([...values], [1, 2, 3, 4, 5]);
  assert.deepEqual([...locked], [0, 0, 0, 1, 0]);
});

test("a layer's phase lights that layer; an update lights them all", () => {
  assert.deepEqual(activeLayers("backward:1", 3), [false, true, false]);
  assert.deepEqual(activeLayers("forward:0", 3), [true, false, false]);
  assert.deepEqual(activeLayers("update", 3), [true, true, true]);
  assert.deepEqual(activeLayers("cost", 3), [false, false, false]);
});

test("the lock key tells lock patterns apart", () => {
  const none = lockKey(new Uint8Array(4));
  const first = lockKey(Uint8Array.from([1, 0, 0, 0])), last = lockKey(Uint8Array.from([0, 0, 0, 1]));
  assert.equal(none, 0);
  assert.notEqual(first, last);
  assert.notEqual(first, none);
});
