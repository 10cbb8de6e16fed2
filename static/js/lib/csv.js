// Own data from a CSV file: the server reads it (POST /api/csv → its columns); these helpers
// choose default columns, say what board the choice makes, and write the session's dataset.

import { lang, said, t, tn } from "./i18n.js";


/** POST the file (a File, or text) → {preview} or {error: the server's words}. */
export async function readCsv(file) {
  try {
    const res = await fetch(`/api/csv?lang=${encodeURIComponent(lang())}`, {
      method: "POST", headers: { "content-type": "text/csv; charset=utf-8" }, body: file,
    });
    const body = await res.json().catch(() => ({}));
    if (!res.ok) return { error: said(body) || t("csv.refused", { status: res.status }) };
    return { preview: body };
  } catch {
    return { error: t("error.unreachable") };
  }
}

/** Target: the last column; inputs: every other column of clean numbers. */
export function defaultPicks(preview) {
  const cols = preview.columns;
  const target = cols.at(-1).name;
  return {
    target,
    inputs: cols.filter((c) => c.name !== target && c.kind === "number" && !c.problem).map((c) => c.name),
    task: taskOf(cols.at(-1)),
    scaling: preview.defaults.scaling,
    test_fraction: preview.defaults.test_fraction,
  };
}

/** Text is classes; numbers are a number to fit unless the teacher says they are classes. */
export function taskOf(column) {
  return column.kind === "text" ? "classification" : "regression";
}

/** May this target be read as classes, or as a number? */
export function tasksFor(column) {
  const out = [];
  if (column.classes) out.push("classification");
  if (column.kind === "number") out.push("regression");
  return out;
}

/** What board the picks make: {nIn, nOut, task, classes, words} or {error}. */
export function shapeOf(preview, picks) {
  const byName = new Map(preview.columns.map((c) => [c.name, c]));
  const target = byName.get(picks.target);
  if (!target) return { error: t("csv.no_target") };
  if (!picks.inputs.length) return { error: t("csv.no_inputs") };
  for (const name of picks.inputs) {
    const c = byName.get(name);
    if (c.problem) return { error: c.problem };
    if (c.kind !== "number") return { error: t("csv.text_input", { name }) };
  }
  if (target.problem) return { error: target.problem };
  const nIn = picks.inputs.length;
  if (picks.task === "classification") {
    const classes = target.classes || [];
    if (classes.length < 2) return { error: tn("csv.not_classes", target.distinct, { name: target.name, most: preview.limits.classes }) };
    return { nIn, nOut: classes.length, task: picks.task, classes, words: tn("csv.shape", nIn, { rest: t("csv.classes", { names: classes.join(", ") }) }) };
  }
  return { nIn, nOut: 1, task: "regression", classes: [], words: tn("csv.shape", nIn, { rest: t("csv.number") }) };
}

/** The session config's dataset for this text and these picks. */
export function csvDataset(text, picks) {
  return { csv: { text, inputs: [...picks.inputs], target: picks.target, task: picks.task,
    scaling: picks.scaling, test_fraction: picks.test_fraction } };
}
