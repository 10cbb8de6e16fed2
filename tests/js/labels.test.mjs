import { test } from "node:test";
import assert from "node:assert/strict";
import { firstThatFits, overlaps, placeTip, watchedAround } from "../../static/js/board/labels.js";
import { fmtScale, niceCeil } from "../../static/js/lib/format.js";
import { neuronNumber } from "../../static/js/lib/names.js";

const stage = { width: 390, height: 500 };
const tip = { width: 220, height: 120 };

test("the first wording that fits its room, else none", () => {
  const measure = (s) => s.length * 7;
  assert.equal(firstThatFits(["h₂ 2×10⁻⁵", "h₂ 0.00", "h₂"], measure, 50), "h₂ 0.00");
  assert.equal(firstThatFits(["long label"], measure, 10), null);
});

test("boxes that touch do not overlap; a gap makes near ones count", () => {
  const a = { x: 0, y: 0, width: 10, height: 10 };
  assert.equal(overlaps(a, { x: 10, y: 0, width: 5, height: 5 }), false);
  assert.equal(overlaps(a, { x: 9, y: 9, width: 5, height: 5 }), true);
  assert.equal(overlaps(a, { x: 12, y: 0, width: 5, height: 5 }, 3), true);
});

test("the tip goes right of a dial with room there", () => {
  const box = { x: 20, y: 40, width: 30, height: 30 };
  assert.deepEqual(placeTip(box, tip, stage), { x: 62, y: 40 });
});

test("a dial in the middle of a phone's board: the tip goes below, never over it", () => {
  const box = { x: 180, y: 100, width: 30, height: 30 };
  const at = placeTip(box, tip, stage);
  assert.equal(overlaps({ ...at, ...tip }, box), false);
  assert.ok(at.x >= 4 && at.x + tip.width <= stage.width - 4);
});

test("while dragging, the tip also clears the pointer", () => {
  const box = { x: 180, y: 200, width: 30, height: 30 };
  const finger = { x: 180, y: 260, width: 60, height: 60 };
  const at = placeTip(box, tip, stage, [finger]);
  assert.equal(overlaps({ ...at, ...tip }, box), false);
  assert.equal(overlaps({ ...at, ...tip }, finger), false);
});

test("on a stage too small to clear the dial the tip has no place (it stays away)", () => {
  const small = { width: 240, height: 150 };
  assert.equal(placeTip({ x: 60, y: 10, width: 130, height: 130 }, tip, small), null);
});

test("dial scales are short: 1-2-5 numbers with k and M", () => {
  assert.equal(fmtScale(2000), "2k");
  assert.equal(fmtScale(50000), "50k");
  assert.equal(fmtScale(5e6), "5M");
  assert.equal(fmtScale(0.2), "0.2");
  assert.equal(fmtScale(500), "500");
  assert.equal(fmtScale(niceCeil(1500 * 1.05)), "2k");
});

test("a neuron's shortest label: its number, or its class's name", () => {
  const sizes = [625, 20, 20, 10];
  assert.equal(neuronNumber(1, 3, sizes), "4");
  assert.equal(neuronNumber(0, 12, sizes), "13");
  assert.equal(neuronNumber(3, 7, sizes, ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"]), "7");
  assert.equal(neuronNumber(3, 7, sizes), "8");
});

test("a turned dial's tip goes where it covers the fewest of the dials watched, then nearest", () => {
  const box = { x: 20, y: 40, width: 30, height: 30 };
  const right = { x: 62, y: 40, width: 30, height: 30 };   // where it would go without them
  const watched = [right, { x: 20, y: 82, width: 30, height: 30 }];
  const at = placeTip(box, tip, stage, [], watched);
  assert.equal(watched.filter((w) => overlaps({ ...at, ...tip }, w, 2)).length, 0);
  assert.equal(overlaps({ ...at, ...tip }, box), false);
  // Where every spot covers some, it still goes (never away for want of a clear spot).
  const everywhere = Array.from({ length: 13 }, (_, i) => ({ x: 30 * i, y: 0, width: 20, height: stage.height }));
  assert.ok(placeTip(box, tip, stage, [], everywhere));
});

test("a turned dial's card weighs its ring of neighbours first, then the dials on the stage", () => {
  // Three dials in a row a cell apart, and one far off the stage.
  const layout = { count: 4, x: [1, 2, 3, 100], y: [1, 1, 1, 1] };
  const fit = { ppu: 50, ox: 0, oy: 0 };
  const [ring, ...others] = watchedAround(layout, fit, { w: 400, h: 200 }, 1, 0.4);
  assert.deepEqual(ring, { x: 30, y: -20, width: 140, height: 140, weight: 201 });
  assert.deepEqual(others.map((d) => d.x), [30, 130]);   // dials 0 and 2; not itself, not 3
  assert.equal(others[0].width, 40);
});
