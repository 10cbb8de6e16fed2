import { test } from "node:test";
import assert from "node:assert/strict";
import { gridOf } from "../../static/js/views/boundary.js";

test("the server's grid is used only when it matches its declaration", () => {
  const decl = { x: [-1, 1, 3], y: [0, 2, 2] };
  const out = Float32Array.from([0, 0.1, 0.2, 0.3, 0.4, 0.5]);
  assert.deepEqual(gridOf(decl, out, "plane"), { kind: "plane", x: [-1, 1, 3], y: [0, 2, 2], cols: 3, rows: 2, out });
  assert.equal(gridOf(decl, out.subarray(0, 5), "plane"), null);
  assert.equal(gridOf(decl, null, "plane"), null);
  assert.equal(gridOf(undefined, out, "plane"), null);
  assert.equal(gridOf({ x: [0, 1, 6] }, out, "curve").rows, 1);
});
