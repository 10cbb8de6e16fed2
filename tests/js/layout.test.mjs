import { test } from "node:test";
import assert from "node:assert/strict";
import "./strings.mjs";
import { layoutBoard, fitScale } from "../../static/js/board/layout.js";
import { parseName } from "../../static/js/lib/names.js";

function params(sizes) {
  const out = [];
  for (let l = 0; l < sizes.length - 1; l++) {
    out.push({ name: `layers.${l}.weight`, shape: [sizes[l + 1], sizes[l]] }, { name: `layers.${l}.bias`, shape: [sizes[l + 1]] });
  }
  return out.map((p) => ({ ...p, ...parseName(p.name) }));
}

test("dial k is tensor t at flat index k − offset, in the server's order", () => {
  const L = layoutBoard({ parameters: params([2, 3, 1]), sizes: [2, 3, 1] });
  assert.equal(L.count, 6 + 3 + 3 + 1);
  assert.deepEqual(L.tensors.map((t) => [t.name, t.offset, t.count]), [
    ["layers.0.weight", 0, 6], ["layers.0.bias", 6, 3], ["layers.1.weight", 9, 3], ["layers.1.bias", 12, 1]]);
  assert.equal(L.indexOf("layers.0.weight", [1, 0]), 2);   // row-major [n_out, n_in]
  assert.equal(L.indexOf("layers.1.bias", [0]), 12);
  assert.equal(L.indexOf("layers.0.weight", [3, 0]), -1);
  assert.equal(L.indexOf("nope", [0]), -1);
  for (let k = 0; k < L.count; k++) {
    const p = L.paramOf(k);
    assert.equal(L.indexOf(p.name, p.index), k);
    assert.equal(L.layer[k], p.layer);
  }
});

test("a dial is hit at its own centre, and no two dials share a place", () => {
  const L = layoutBoard({ parameters: params([2, 2, 1]), sizes: [2, 2, 1], box: { width: 800, height: 400 } });
  const seen = new Set();
  for (let k = 0; k < L.count; k++) {
    assert.equal(L.hit(L.x[k], L.y[k]), k);
    seen.add(`${L.x[k]},${L.y[k]}`);
  }
  assert.equal(seen.size, L.count);
});

test("625 inputs of a 25×25 image become receptive fields: neuron i's weights laid out like the image", () => {
  const sizes = [625, 20, 20, 10];
  const L = layoutBoard({ parameters: params(sizes), sizes, inputShape: [25, 25], box: { width: 1600, height: 900 } });
  assert.equal(L.count, 13150);
  assert.equal(L.groups[0].kind, "receptive");
  const a = L.indexOf("layers.0.weight", [3, 0]), right = L.indexOf("layers.0.weight", [3, 1]), below = L.indexOf("layers.0.weight", [3, 25]);
  assert.equal(L.x[right] - L.x[a], 1);
  assert.equal(L.y[below] - L.y[a], 1);
  const box = L.neuronBox(0, 3);
  assert.deepEqual(L.neuronAt(L.x[a], L.y[a]), { layer: 0, i: 3 });
  assert.ok(L.x[a] >= box.x && L.x[a] <= box.x + box.width);
});

test("fitScale", () => {
  assert.equal(fitScale({ width: 10, height: 5 }, { width: 100, height: 100 }), 10);
});
