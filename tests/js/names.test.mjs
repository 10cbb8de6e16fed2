import { test } from "node:test";
import assert from "node:assert/strict";
import "./strings.mjs";
import { dialId, dialLabel, layerTitle, neuronLabel, parseName, parsePhase, sub } from "../../static/js/lib/names.js";

test("parameter names", () => {
  assert.deepEqual(parseName("layers.12.weight"), { layer: 12, kind: "weight" });
  assert.deepEqual(parseName("layers.0.bias"), { layer: 0, kind: "bias" });
  assert.equal(parseName("layers.0.weight.update"), null);
});

test("neurons and dials in words", () => {
  assert.equal(sub(12), "₁₂");
  assert.equal(neuronLabel(0, 0, [2, 2, 1]), "x₁");
  assert.equal(neuronLabel(1, 1, [2, 2, 1]), "h₂");
  assert.equal(neuronLabel(2, 0, [2, 2, 1]), "out");
  assert.equal(neuronLabel(2, 3, [4, 5, 5, 10]), "h2·4");
  assert.equal(neuronLabel(3, 7, [4, 5, 5, 10], "0123456789".split("")), "out“7”");
  assert.equal(dialLabel("layers.0.weight", [1, 0], [2, 2, 1], []), "weight from x₁ to h₂");
  assert.equal(dialLabel("layers.1.bias", [0], [2, 2, 1], []), "bias of out");
  // One output over two classes (3 or 7) says which class 1 means, wherever it is named.
  assert.equal(neuronLabel(2, 0, [64, 4, 1], ["3", "7"]), "out (1 = “7”)");
  assert.equal(neuronLabel(2, 0, [64, 4, 1], ["3", "7"], true), "out");   // beside the board's row
  assert.equal(neuronLabel(2, 0, [2, 2, 1], ["0", "1"]), "out");   // unnamed classes: nothing more
  assert.equal(dialLabel("layers.1.weight", [0, 2], [64, 4, 1], ["3", "7"]), "weight from h₃ to out (1 = “7”)");
  assert.equal(dialId("layers.0.weight", [1, 0]), "layers.0.weight[1, 0]");
  assert.equal(layerTitle(1, [2, 3, 3, 1]), "hidden 1");
});

test("phases", () => {
  assert.deepEqual(parsePhase("backward:2"), { kind: "backward", layer: 2 });
  assert.deepEqual(parsePhase("update"), { kind: "update", layer: null });
  assert.deepEqual(parsePhase(""), { kind: "idle", layer: null });
});
