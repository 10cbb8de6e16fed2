import { test } from "node:test";
import assert from "node:assert/strict";
import "./strings.mjs";
import { drawTints, tintStep } from "../../static/js/board/tints.js";
import { layoutBoard } from "../../static/js/board/layout.js";
import { mix } from "../../static/js/lib/palette.js";

// A 16-pixel image (4 × 4) into 2 hidden neurons into 1 output: layer 0 is receptive fields.
const parameters = [
  { name: "layers.0.weight", shape: [2, 16], layer: 0, kind: "weight" },
  { name: "layers.0.bias", shape: [2], layer: 0, kind: "bias" },
  { name: "layers.1.weight", shape: [1, 2], layer: 1, kind: "weight" },
  { name: "layers.1.bias", shape: [1], layer: 1, kind: "bias" },
];
const layout = layoutBoard({ parameters, sizes: [16, 2, 1], inputShape: [4, 4] });
const palette = { face: "#f6f7f9", pos: "#1f66c6", neg: "#c45200" };

/** A context that records each fill: its colour and the circles in its path. */
function recorder() {
  const fills = [];
  let circles = [];
  return {
    fills,
    setTransform() {}, beginPath() { circles = []; }, moveTo() {},
    arc(x, y, r) { circles.push([x, y, r]); },
    fill() { fills.push({ colour: this.fillStyle, circles }); },
  };
}

function paint(values, locked = new Uint8Array(layout.count)) {
  const n = layout.count, vis = Uint32Array.from({ length: n }, (_, k) => k);
  const cx = Float32Array.from({ length: n }, (_, k) => 100 + k), cy = new Float32Array(n);
  const ctx = recorder();
  drawTints(ctx, { layout, values: Float32Array.from(values), ranges: [1, 1], locked, vis, nvis: n, cx, cy, palette }, 10);
  return ctx.fills;
}

test("the layout marks a first layer over an image as receptive fields, and no other", () => {
  assert.deepEqual(layout.groups.map((g) => g.kind === "receptive"), [true, false]);
});

test("every receptive dial is tinted by sign and size of its value, inside the value arcs", () => {
  // layers.0.weight (32), layers.0.bias (2), then layer 1's 3 dials (never tinted).
  const some = [1, -1, 0.25, -0.0001, 0, 0.5, -0.5, 0.2];
  const values = Array.from({ length: layout.count }, (_, k) => some[k % some.length]);
  const fills = paint(values);
  const tinted = new Map();
  for (const f of fills) for (const [x, , r] of f.circles) { tinted.set(x - 100, f.colour); assert.equal(r, 6.2); }
  for (let k = 0; k < layout.count; k++) {
    const v = values[k], receptive = layout.layer[k] === 0;
    if (!receptive || v === 0) { assert.equal(tinted.has(k), false, `dial ${k}`); continue; }
    assert.equal(tinted.get(k), mix(palette.face, v > 0 ? palette.pos : palette.neg, tintStep(v, 1) / 12), `dial ${k}`);
  }
  assert.equal(tintStep(1, 1), 12);
  assert.equal(tintStep(0.25, 1), 6);    // √0.25 = 0.5 of the way
  assert.equal(tintStep(-0.0001, 1), 1); // a tiny weight still shows its sign
});

test("a locked dial keeps its hatched face; a board without an image input is never tinted", () => {
  const locked = new Uint8Array(layout.count); locked[0] = 1;
  const fills = paint(new Array(layout.count).fill(0.5), locked);
  assert.equal(fills.flatMap((f) => f.circles).some(([x]) => x === 100), false);
  const plain = layoutBoard({ parameters, sizes: [16, 2, 1] });
  const ctx = recorder();
  drawTints(ctx, { layout: plain, values: new Float32Array(plain.count).fill(1), ranges: [1, 1],
    locked: new Uint8Array(plain.count), vis: Uint32Array.from({ length: plain.count }, (_, k) => k), nvis: plain.count,
    cx: new Float32Array(plain.count), cy: new Float32Array(plain.count), palette }, 10);
  assert.equal(ctx.fills.length, 0);
});
