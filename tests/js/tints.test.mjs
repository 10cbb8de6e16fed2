import { test } from "node:test";
import assert from "node:assert/strict";
import "./strings.mjs";
import { tintLevel, tintsShown, writeTints } from "../../static/js/board/tints.js";
import { layoutBoard } from "../../static/js/board/layout.js";
import { mix, rgb } from "../../static/js/lib/palette.js";

// A 16-pixel image (4 × 4) into 2 hidden neurons into 1 output: layer 0 is receptive fields.
const parameters = [
  { name: "layers.0.weight", shape: [2, 16], layer: 0, kind: "weight" },
  { name: "layers.0.bias", shape: [2], layer: 0, kind: "bias" },
  { name: "layers.1.weight", shape: [1, 2], layer: 1, kind: "weight" },
  { name: "layers.1.bias", shape: [1], layer: 1, kind: "bias" },
];
const layout = layoutBoard({ parameters, sizes: [16, 2, 1], inputShape: [4, 4] });
const palette = { face: "#f6f7f9", pos: "#1f66c6", neg: "#c45200" };
const PITCH = 24, R = 10;   // device px between dial centres; dial radius (tint radius 6.2)

/** Every dial of `lay` on one row, PITCH apart, painted over a face-coloured image. */
function paint(values, lay = layout, locked = new Uint8Array(lay.count)) {
  const n = lay.count, W = PITCH * (n + 1), H = 2 * PITCH;
  const data = new Uint8ClampedArray(4 * W * H);
  const [r, g, b] = rgb(palette.face);
  for (let o = 0; o < data.length; o += 4) data.set([r, g, b, 255], o);
  const img = { width: W, height: H, data };
  const p = {
    layout: lay, values: Float32Array.from(values), ranges: [1, 1], locked, palette, nvis: n,
    vis: Uint32Array.from({ length: n }, (_, k) => k),
    cx: Float32Array.from({ length: n }, (_, k) => PITCH * (k + 1)), cy: new Float32Array(n).fill(PITCH),
  };
  writeTints(img, p, R);
  return { img, p };
}

/** "rgb(r, g, b)" of the pixel whose top-left corner is (x, y). */
function pixel({ width, data }, x, y) {
  const o = 4 * (y * width + x);
  return `rgb(${data[o]}, ${data[o + 1]}, ${data[o + 2]})`;
}

const FACE = mix(palette.face, palette.face, 0);

test("the layout marks a first layer over an image as receptive fields, and no other", () => {
  assert.deepEqual(layout.groups.map((g) => g.kind === "receptive"), [true, false]);
});

test("every receptive dial is tinted by sign and size of its value, inside the value arcs", () => {
  // layers.0.weight (32), layers.0.bias (2), then layer 1's 3 dials (never tinted).
  const some = [1, -1, 0.25, -0.0001, 0, 0.5, -0.5, 0.2];
  const values = Array.from({ length: layout.count }, (_, k) => some[k % some.length]);
  const { img } = paint(values);
  for (let k = 0; k < layout.count; k++) {
    const v = values[k], x = PITCH * (k + 1), y = PITCH;
    const want = layout.layer[k] !== 0 || v === 0
      ? FACE : mix(palette.face, v > 0 ? palette.pos : palette.neg, tintLevel(v, 1) / 255);
    // The whole disc up to 5 px from the centre (0.62 r = 6.2), in all four quadrants.
    for (const [dx, dy] of [[0, 0], [-1, -1], [4, 0], [-5, 0], [0, 4], [0, -5], [2, 3]]) {
      assert.equal(pixel(img, x + dx, y + dy), want, `dial ${k} at ${dx}, ${dy}`);
    }
    // Outside it, from 0.7 r, the face is untouched: the value arcs and ticks go there.
    for (const [dx, dy] of [[7, 0], [-8, 0], [0, 7], [0, -8], [5, 5]]) {
      assert.equal(pixel(img, x + dx, y + dy), FACE, `dial ${k} at ${dx}, ${dy}`);
    }
  }
  assert.equal(tintLevel(1, 1), 255);
  assert.equal(tintLevel(0.25, 1), 128);   // √0.25 = 0.5 of the way
  assert.equal(tintLevel(-0.0001, 1), 21); // a tiny weight still shows its sign
});

test("the disc's rim is anti-aliased: its pixels lie between the face and the full tint", () => {
  const { img } = paint(new Array(layout.count).fill(1));
  const [fr] = rgb(palette.face), [pr] = rgb(palette.pos);
  // Pixel centres 6.5 px out along a row, at the tint's radius 6.2 ± 0.5.
  const [left, right] = [pixel(img, PITCH - 7, PITCH), pixel(img, PITCH + 6, PITCH)];
  for (const s of [left, right]) {
    const red = Number(s.slice(4).split(",")[0]);
    assert.ok(red < fr && red > pr, s);
  }
  assert.equal(left, right);   // the disc is centred on the pixel corner (x, y)
});

test("a locked dial keeps its hatched face; a board without an image input is never tinted", () => {
  const locked = new Uint8Array(layout.count); locked[0] = 1;
  const { img, p } = paint(new Array(layout.count).fill(0.5), layout, locked);
  assert.equal(pixel(img, PITCH, PITCH), FACE);
  assert.notEqual(pixel(img, 2 * PITCH, PITCH), FACE);
  assert.equal(tintsShown(p), true);
  const plain = layoutBoard({ parameters, sizes: [16, 2, 1] });
  const out = paint(new Array(plain.count).fill(1), plain);
  assert.equal(tintsShown(out.p), false);
  for (let k = 0; k < plain.count; k++) assert.equal(pixel(out.img, PITCH * (k + 1), PITCH), FACE);
});

test("only the visible dials count: no receptive dial on the stage, no tints", () => {
  const { p } = paint(new Array(layout.count).fill(1));
  const others = [];
  for (let k = 0; k < layout.count; k++) if (layout.layer[k] !== 0) others.push(k);
  assert.equal(tintsShown({ ...p, vis: Uint32Array.from(others), nvis: others.length }), false);
});

test("a dial partly off the image is tinted where it is on it, and nothing is written outside", () => {
  const n = 2, W = 10, H = 10, data = new Uint8ClampedArray(4 * W * H).fill(255);
  const img = { width: W, height: H, data };
  writeTints(img, {
    layout, values: new Float32Array(layout.count).fill(1), ranges: [1, 1], locked: new Uint8Array(layout.count),
    palette, vis: Uint32Array.from([0, 1]), nvis: n, cx: Float32Array.from([0, 10]), cy: Float32Array.from([0, 10]),
  }, R);
  assert.equal(data.length, 4 * W * H);
  assert.equal(pixel(img, 0, 0), mix(palette.face, palette.pos, 1));
  assert.equal(pixel(img, 9, 9), mix(palette.face, palette.pos, 1));
  assert.equal(pixel(img, 9, 0), "rgb(255, 255, 255)");   // 9 px from both centres
});
