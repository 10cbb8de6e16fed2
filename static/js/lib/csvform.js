// The "your own data" part of the new-board form: a CSV file chosen or pasted, read by the
// server, its columns shown to tick inputs and pick the target, the scaling and the test
// split. onShape(shape) tells the form what board the choice makes (layers, loss).

import { csvDataset, defaultPicks, readCsv, shapeOf, taskOf, tasksFor } from "./csv.js";
import { fmtCount } from "./format.js";
import { escapeHtml as escape } from "./html.js";
import { t, tn } from "./i18n.js";

// Counts as every panel writes them (lib/format.js: "10 000" in every language).
const count = fmtCount;
const TASKS = () => ({ classification: t("csv.task_classes"), regression: t("csv.task_number") });

export function createCsvForm(root, onShape) {
  root.innerHTML = `
    <legend>${t("csv.legend")}</legend>
    <div class="csv-source csv-wide">
      <label>${t("csv.file")} <input type="file" accept=".csv,.tsv,.txt,text/csv,text/plain" data-testid="csv-file"></label>
      <label>${t("csv.paste")} <textarea rows="3" spellcheck="false" data-testid="csv-text" placeholder="${escape(t("csv.paste_hint"))}"></textarea></label>
      <div><button type="button" data-testid="csv-read">${t("csv.read")}</button> <small class="csv-rows"></small></div>
    </div>
    <p class="csv-error csv-wide" role="alert" data-testid="csv-error" hidden></p>
    <div class="csv-columns csv-wide" data-testid="csv-columns"></div>
    <label class="csv-task" hidden><span>${t("csv.task_label")}</span> <select data-testid="csv-task"></select></label>
    <label><span>${t("csv.scaling")}</span> <select data-testid="csv-scaling"></select></label>
    <label><span>${t("csv.test_split")}</span> <input type="number" min="0" max="0.9" step="0.05" data-testid="csv-test"></label>
    <p class="csv-summary csv-wide" data-testid="csv-summary">${t("csv.none")}</p>`;
  const $ = (sel) => root.querySelector(sel);
  const text = $("textarea"), error = $(".csv-error"), table = $(".csv-columns");
  const task = $("[data-testid=csv-task]"), scaling = $("[data-testid=csv-scaling]"), split = $("[data-testid=csv-test]");
  let preview = null, picks = null, readText = "";

  async function read(body) {
    $("[data-testid=csv-read]").textContent = t("csv.reading");
    const answer = await readCsv(body);
    $("[data-testid=csv-read]").textContent = t("csv.read");
    error.hidden = !answer.error;
    error.textContent = answer.error || "";
    preview = answer.preview || null;
    if (preview) {
      readText = typeof body === "string" ? body : await body.text();
      if (text.value !== readText) text.value = readText;
      picks = defaultPicks(preview);
      show();
    } else {
      picks = null;
      table.innerHTML = "";
      $(".csv-rows").textContent = "";
    }
    changed();
  }

  function show() {
    $(".csv-rows").textContent = `${t("csv.rows", { rows: count(preview.rows), columns: count(preview.columns.length) })}. ${limits(preview.limits)}`;
    scaling.innerHTML = preview.scalings.map((s) => `<option value="${s.name}" title="${escape(s.description)}">${escape(s.title)}</option>`).join("");
    scaling.value = picks.scaling;
    split.value = String(picks.test_fraction);
    table.innerHTML = `<table><thead><tr><th>${t("csv.column")}</th><th>${t("csv.kind")}</th><th>${t("csv.input")}</th><th>${t("csv.target")}</th></tr></thead><tbody>${
      preview.columns.map((c, k) => row(c, k)).join("")}</tbody></table>`;
  }

  function row(c, k) {
    const kind = c.kind === "number" ? t("csv.numbers") : `${t("csv.text")} · ${tn("csv.values", c.distinct)}`;
    const problem = c.problem ? `<div class="csv-problem">${escape(c.problem)}</div>` : "";
    return `<tr><th scope="row">${escape(c.name)}${problem}</th><td>${kind}</td>
      <td><input type="checkbox" data-input="${k}" aria-label="${escape(c.name)}: ${t("csv.input")}"${picks.inputs.includes(c.name) ? " checked" : ""}${c.kind === "number" ? "" : " disabled"}></td>
      <td><input type="radio" name="csv-target" data-target="${k}" aria-label="${escape(c.name)}: ${t("csv.target")}"${picks.target === c.name ? " checked" : ""}></td></tr>`;
  }

  function changed() {
    if (!preview) { onShape(null); $(".csv-summary").textContent = t("csv.none"); return; }
    const target = preview.columns.find((c) => c.name === picks.target);
    const tasks = tasksFor(target);
    const words = TASKS();
    task.innerHTML = tasks.map((k) => `<option value="${k}">${words[k]}</option>`).join("");
    if (!tasks.includes(picks.task)) picks.task = tasks[0] || taskOf(target);
    task.value = picks.task;
    $(".csv-task").hidden = tasks.length < 2;
    const shape = shapeOf(preview, picks);
    const summary = $(".csv-summary");
    summary.textContent = shape.error || shape.words;
    summary.classList.toggle("is-error", Boolean(shape.error));
    onShape(shape.error ? null : shape);
  }

  table.addEventListener("change", (e) => {
    const input = e.target.dataset.input, target = e.target.dataset.target;
    if (target !== undefined) {
      picks.target = preview.columns[Number(target)].name;
      picks.inputs = picks.inputs.filter((n) => n !== picks.target);
      picks.task = taskOf(preview.columns[Number(target)]);
      show();
    } else if (input !== undefined) {
      const name = preview.columns[Number(input)].name;
      picks.inputs = e.target.checked ? preview.columns.map((c) => c.name).filter((n) => n === name || picks.inputs.includes(n)) : picks.inputs.filter((n) => n !== name);
      if (name === picks.target && e.target.checked) { picks.target = ""; show(); }
    }
    changed();
  });
  $("input[type=file]").addEventListener("change", (e) => { if (e.target.files[0]) read(e.target.files[0]); });
  $("[data-testid=csv-read]").addEventListener("click", () => read(text.value));
  task.addEventListener("change", () => { picks.task = task.value; changed(); });
  scaling.addEventListener("change", () => { picks.scaling = scaling.value; });
  split.addEventListener("change", () => { picks.test_fraction = Number(split.value); });

  return {
    /** The session config's dataset, or null until a file is read. */
    dataset: () => (preview ? csvDataset(text.value === readText ? readText : text.value, picks) : null),
  };
}

function limits(l) {
  return t("csv.limits", { mib: (l.bytes / 2 ** 20).toFixed(0), rows: count(l.rows), columns: count(l.columns), classes: l.classes });
}
