import { test } from "node:test";
import assert from "node:assert/strict";
import "./strings.mjs";
import { csvDataset, defaultPicks, shapeOf, tasksFor } from "../../static/js/lib/csv.js";

// A preview as POST /api/csv answers it (tests/server/test_csv_data.py checks the server's side).
const PREVIEW = {
  rows: 4, delimiter: ",", head: [],
  limits: { bytes: 4194304, rows: 10000, columns: 1000, cells: 1000000, classes: 50 },
  defaults: { scaling: "standardise", test_fraction: 0.2 },
  scalings: [{ name: "none" }, { name: "standardise" }, { name: "minmax" }],
  columns: [
    { name: "a", kind: "number", problem: null, distinct: 4, classes: ["1", "2", "3", "4"] },
    { name: "b", kind: "number", problem: "row 3, column 'b': the value is missing", distinct: 3, classes: null },
    { name: "note", kind: "text", problem: null, distinct: 4, classes: ["p", "q", "r", "s"] },
    { name: "grade", kind: "number", problem: null, distinct: 2, classes: ["9", "10"] },
    { name: "species", kind: "text", problem: null, distinct: 2, classes: ["cat", "dog"] },
  ],
};

test("defaults: the last column is the target, clean numbers the inputs", () => {
  assert.deepEqual(defaultPicks(PREVIEW), {
    target: "species", inputs: ["a", "grade"], task: "classification", scaling: "standardise", test_fraction: 0.2,
  });
});

test("a text target is classes; a numeric one a number, or classes when asked", () => {
  assert.deepEqual(tasksFor(PREVIEW.columns[4]), ["classification"]);
  assert.deepEqual(tasksFor(PREVIEW.columns[3]), ["classification", "regression"]);
  assert.deepEqual(tasksFor(PREVIEW.columns[1]), ["regression"]);
});

test("the board the picks make, or why they make none", () => {
  const picks = defaultPicks(PREVIEW);
  const cls = shapeOf(PREVIEW, picks);
  assert.deepEqual([cls.nIn, cls.nOut, cls.task, cls.classes], [2, 2, "classification", ["cat", "dog"]]);
  assert.equal(cls.words, "→ 2 inputs, one output per class: cat, dog");
  const reg = shapeOf(PREVIEW, { ...picks, inputs: ["a"], target: "grade", task: "regression" });
  assert.deepEqual([reg.nOut, reg.words], [1, "→ 1 input, one output: the number"]);
  assert.equal(shapeOf(PREVIEW, { ...picks, inputs: ["a", "b"] }).error, "row 3, column 'b': the value is missing");
  assert.match(shapeOf(PREVIEW, { ...picks, inputs: ["note"] }).error, /“note” holds text/);
  assert.match(shapeOf(PREVIEW, { ...picks, inputs: [] }).error, /at least one input/);
  assert.match(shapeOf(PREVIEW, { ...picks, target: "" }).error, /Pick a target/);
  const one = { ...PREVIEW, columns: [...PREVIEW.columns.slice(0, 4), { ...PREVIEW.columns[4], distinct: 1, classes: ["cat"] }] };
  assert.equal(shapeOf(one, picks).error, "Column “species” has 1 different value; as classes it needs 2 to 50.");
});

test("the session config's dataset", () => {
  const picks = defaultPicks(PREVIEW);
  assert.deepEqual(csvDataset("a,b\n", picks), { csv: {
    text: "a,b\n", inputs: ["a", "grade"], target: "species", task: "classification", scaling: "standardise", test_fraction: 0.2 } });
});
