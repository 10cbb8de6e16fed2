// Own data from a CSV file: the server reads it (POST /api/csv → its columns); these helpers
// choose default columns, say what board the choice makes, and write the session's dataset.

export const TEXT = {
  unreachable: "Cannot reach the Dialboard server.",
  refused: (status) => `The server could not read the file (${status}).`,
  noInputs: "Tick at least one input column.",
  noTarget: "Pick a target column.",
  textInput: (name) => `Column “${name}” holds text; inputs must be numbers.`,
  notClasses: (name, n, most) => `Column “${name}” has ${n} different value${n === 1 ? "" : "s"}; as classes it needs 2 to ${most}.`,
  classes: (names) => `one output per class: ${names.join(", ")}`,
  number: "one output: the number",
  shape: (nIn, rest) => `→ ${nIn} input${nIn === 1 ? "" : "s"}, ${rest}`,
};

/** POST the file (a File, or text) → {preview} or {error: the server's words}. */
export async function readCsv(file) {
  try {
    const res = await fetch("/api/csv", {
      method: "POST", headers: { "content-type": "text/csv; charset=utf-8" }, body: file,
    });
    const body = await res.json().catch(() => ({}));
    if (!res.ok) return { error: typeof body.detail === "string" ? body.detail : TEXT.refused(res.status) };
    return { preview: body };
  } catch {
    return { error: TEXT.unreachable };
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
  if (!target) return { error: TEXT.noTarget };
  if (!picks.inputs.length) return { error: TEXT.noInputs };
  for (const name of picks.inputs) {
    const c = byName.get(name);
    if (c.problem) return { error: c.problem };
    if (c.kind !== "number") return { error: TEXT.textInput(name) };
  }
  if (target.problem) return { error: target.problem };
  const nIn = picks.inputs.length;
  if (picks.task === "classification") {
    const classes = target.classes || [];
    if (classes.length < 2) return { error: TEXT.notClasses(target.name, target.distinct, preview.limits.classes) };
    return { nIn, nOut: classes.length, task: picks.task, classes, words: TEXT.shape(nIn, TEXT.classes(classes)) };
  }
  return { nIn, nOut: 1, task: "regression", classes: [], words: TEXT.shape(nIn, TEXT.number) };
}

/** The session config's dataset for this text and these picks. */
export function csvDataset(text, picks) {
  return { csv: { text, inputs: [...picks.inputs], target: picks.target, task: picks.task,
    scaling: picks.scaling, test_fraction: picks.test_fraction } };
}

/** Text for innerHTML: a column or class name is the teacher's, never markup. */
export function escapeHtml(s) {
  return String(s).replace(/[&<>"']/g, (ch) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[ch]);
}
