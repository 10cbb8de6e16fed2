import { test } from "node:test";
import assert from "node:assert/strict";
import { fmt, stepDigits, turnReading } from "../../static/js/lib/format.js";

test("fmt keeps four significant digits and a true minus", () => {
  assert.equal(fmt(2.35212), "2.352");
  assert.equal(fmt(-0.0123456), "−0.01235");
  assert.equal(fmt(null), "—");
  assert.equal(fmt(Number.NaN), "—");
});

test("a turn on the 625 board that moves the cost 2.35212 → 2.35225 is visible", () => {
  const r = turnReading(2.35225, 2.35212);
  assert.equal(r.value, "2.35225");
  assert.equal(r.change, "+0.00013");
  assert.notEqual(turnReading(2.35212, 2.35212).value, r.value);
});

test("a falling cost shows a true minus and two significant digits of the change", () => {
  assert.deepEqual(turnReading(0.2499871, 0.25), { value: "0.249987", change: "−0.000013" });
});

test("no change reads ±0, and without a base there is no change", () => {
  assert.deepEqual(turnReading(1.5, 1.5), { value: "1.50000", change: "±0" });
  assert.deepEqual(turnReading(1.5, null), { value: "1.50000", change: "" });
});

test("tiny changes stop at twelve decimals; non-finite costs never show NaN", () => {
  assert.equal(turnReading(1 + 1e-15, 1).value, "1.000000000000");
  assert.equal(turnReading(Number.NaN, 1).value, "—");
});

test("a board small enough to follow by hand is written to four digits, a larger one to three", () => {
  assert.equal(stepDigits([2, 2, 2]), 4); // the worked example: 12 parameters
  assert.equal(stepDigits([2, 2, 1]), 4); // XOR: 9
  assert.equal(stepDigits([625, 20, 20, 10]), 3); // the explanation's board: 13,150
  // (n_in + 1) · n_out over the layers: 2-10-1 has 41, 2-13-1 has 53
  assert.equal(stepDigits([2, 10, 1]), 4);
  assert.equal(stepDigits([2, 13, 1]), 3);
  assert.equal(stepDigits([9, 5]), 4); // 50, the most by hand
  assert.equal(stepDigits([10, 5]), 3); // 55
});
