// Choosing a board: the preset menu and the form for a custom one. Both end in
// actions.create(config); the server's answer (or its 422 message) comes back through main.
// Every option list and setting label is the server's (GET /api/meta, in state.meta).
// "Your own data" hands the dataset part to lib/csvform.js, which says what board it makes.

import { createCsvForm } from "../lib/csvform.js";
import { ICONS } from "../lib/icons.js";
import { escapeHtml as escape } from "../lib/html.js";
import { t } from "../lib/i18n.js";

const options = (list, selected) => list.map((o) =>
  `<option value="${o.name}" title="${escape(o.description || o.g || "")}"${o.name === selected ? " selected" : ""}>${escape(o.title)}</option>`).join("");

export function createSetup(root, actions) {
  root.innerHTML = `
    <label class="preset-pick"><span class="label">${t("setup.board")}</span> <select data-testid="preset" aria-label="${t("setup.preset_label")}"></select></label>
    <button type="button" class="custom-open" title="${t("setup.new")}">${ICONS.add} <span class="label">${t("setup.new")}</span></button>
    <dialog class="custom-dialog" aria-labelledby="custom-title">
      <form method="dialog" class="custom-form">
        <h2 id="custom-title">${t("setup.title")}</h2>
        <label>${t("setup.layers")} <input name="layers" value="2, 3, 1" required pattern="\\s*\\d+(\\s*,\\s*\\d+)+\\s*" aria-describedby="layers-help"></label>
        <small id="layers-help">${t("setup.layers_help")}</small>
        <label>${t("setup.dataset")} <select name="dataset" data-testid="form-dataset"></select></label>
        <fieldset class="csv-data" data-testid="csv-data" hidden></fieldset>
        <label>${t("setup.activation")} <select name="activation" data-testid="form-activation"></select></label>
        <label>${t("setup.output_activation")} <select name="output_activation" data-testid="form-output-activation"></select></label>
        <label>${t("setup.loss")} <select name="loss" data-testid="form-loss"></select></label>
        <label>${t("setup.learner")} <select name="learner" data-testid="form-learner"></select></label>
        <label data-setting="learning_rate"><span>${t("meta.setting.learning_rate")}</span> <input name="learning_rate" type="number" step="any" min="0" value="1"></label>
        <label data-setting="batch_size"><span>${t("meta.setting.batch_size")}</span> <input name="batch_size" type="number" min="1" placeholder="${t("meta.setting.batch_size_null")}"></label>
        <label data-setting="step_size"><span>${t("meta.setting.step_size")}</span> <input name="step_size" type="number" step="any" min="0" value="0.05"></label>
        <label>${t("setup.seed")} <input name="seed" type="number" min="0" value="0"></label>
        <p class="form-error" role="alert" hidden></p>
        <div class="form-buttons">
          <button value="cancel" formnovalidate>${t("setup.cancel")}</button>
          <button value="create" class="primary">${t("setup.build")}</button>
        </div>
      </form>
    </dialog>`;
  const select = root.querySelector("select[data-testid=preset]");
  const dialog = root.querySelector("dialog");
  const form = root.querySelector("form");
  const error = root.querySelector(".form-error");
  let datasets = [];
  let meta = null;
  let csvShape = null;  // what the chosen columns make: {nIn, nOut, task}, or null
  const csvBox = root.querySelector(".csv-data");
  const csv = createCsvForm(csvBox, (shape) => { csvShape = shape; fitData(); });
  const chosen = () => (form.elements.dataset.value === "csv"
    ? csvShape && { n_in: csvShape.nIn, n_out: csvShape.nOut, task: csvShape.task }
    : datasets.find((x) => x.name === form.elements.dataset.value));
  function fitData() {
    csvBox.hidden = form.elements.dataset.value !== "csv";
    matchLayers(form, chosen());
    fitLoss(form, meta);
  }

  select.addEventListener("change", () => { if (select.value) actions.openPreset(select.value); });
  root.querySelector(".custom-open").addEventListener("click", () => { error.hidden = true; dialog.showModal(); });
  form.addEventListener("submit", async (e) => {
    if (e.submitter?.value !== "create") return;
    e.preventDefault();
    const config = readForm(form);
    if (config.dataset === "csv") config.dataset = csv.dataset();
    const message = config.dataset ? await actions.create(config) : t("setup.read_first");
    if (message) { error.textContent = message; error.hidden = false; } else dialog.close();
  });
  form.elements.dataset.addEventListener("change", fitData);
  form.elements.output_activation.addEventListener("change", () => fitLoss(form, meta));
  form.elements.learner.addEventListener("change", () => showSettings(form, meta));

  function useMeta(m) {
    meta = m;
    const el = form.elements;
    el.activation.innerHTML = options(m.hidden_activations, "sigmoid");
    el.output_activation.innerHTML = options(m.output_activations, "sigmoid");
    el.loss.innerHTML = options(m.losses, "quadratic");
    el.learner.innerHTML = options(m.learners, "gradient_descent");
    for (const label of form.querySelectorAll("[data-setting]")) {
      const s = m.settings.find((x) => x.name === label.dataset.setting);
      if (s) label.querySelector("span").textContent = s.label;
      if (s?.null_label) label.querySelector("input").placeholder = s.null_label;
    }
    fitData();
    showSettings(form, meta);
  }

  function setPresets(presets, current) {
    select.innerHTML = `${presets.map((p) => `<option value="${p.id}" title="${escape(p.description || "")}">${escape(p.title || p.id)}</option>`).join("")}
      <option value="" disabled${current ? "" : " selected"}>${t("setup.custom")}</option>`;
    if (current) select.value = current;
  }

  function setDatasets(list) {
    datasets = list;
    form.elements.dataset.innerHTML = list.map((d) => `<option value="${d.name}">${escape(d.title || d.name)} (${d.n_in} → ${d.n_out})</option>`).join("")
      + `<option value="csv">${t("setup.own_data")}</option>`;
    fitData();
  }

  function update(state) {
    root.hidden = state.ui.readOnly;
    if (state.meta && state.meta !== meta) useMeta(state.meta);
    if (state.presetId !== undefined && select.value !== (state.presetId || "")) select.value = state.presetId || "";
  }

  return { update, setPresets, setDatasets };
}

function matchLayers(form, d) {
  if (!d) return;
  const sizes = form.elements.layers.value.split(",").map((x) => Number(x.trim())).filter((x) => x > 0);
  const hidden = sizes.length > 2 ? sizes.slice(1, -1) : [3];
  form.elements.layers.value = [d.n_in, ...hidden, d.n_out].join(", ");
  const el = form.elements;
  // Many classes read best as probabilities that add up to one, judged by cross-entropy.
  if (d.n_out > 1 && d.task === "classification" && el.output_activation.querySelector('[value="softmax"]')) {
    el.output_activation.value = "softmax";
    if (el.loss.querySelector('[value="cross_entropy"]')) el.loss.value = "cross_entropy";
  }
  // A number to fit: an output that can reach it, judged by the mean squared error.
  if (d.task === "regression" && el.output_activation.querySelector('[value="linear"]')) {
    el.output_activation.value = "linear";
    if (el.loss.querySelector('[value="mse"]')) el.loss.value = "mse";
  }
}

/** Only the losses the server accepts with the chosen output activation can be picked. */
function fitLoss(form, meta) {
  if (!meta) return;
  const out = form.elements.output_activation.value, loss = form.elements.loss;
  for (const o of loss.options) o.disabled = !meta.losses.find((l) => l.name === o.value)?.outputs.includes(out);
  if (loss.selectedOptions[0]?.disabled) loss.value = [...loss.options].find((o) => !o.disabled)?.value ?? "";
}

/** Only the settings the chosen learner reads are asked for. */
function showSettings(form, meta) {
  const reads = meta?.learners.find((l) => l.name === form.elements.learner.value)?.settings || [];
  for (const label of form.querySelectorAll("[data-setting]")) label.hidden = !reads.includes(label.dataset.setting);
}

function readForm(form) {
  const el = form.elements;
  const config = {
    layers: el.layers.value.split(",").map((x) => Number(x.trim())),
    dataset: el.dataset.value,
    activation: el.activation.value,
    output_activation: el.output_activation.value,
    loss: el.loss.value,
    learner: el.learner.value,
    seed: Number(el.seed.value || 0),
  };
  // Settings the learner does not read are left to the server's defaults.
  const asked = (name) => !form.querySelector(`[data-setting="${name}"]`).hidden;
  if (asked("learning_rate")) config.learning_rate = Number(el.learning_rate.value);
  if (asked("batch_size") && el.batch_size.value) config.batch_size = Number(el.batch_size.value);
  if (asked("step_size") && el.step_size.value) config.step_size = Number(el.step_size.value);
  return config;
}
