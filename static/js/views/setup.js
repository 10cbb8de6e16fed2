// Choosing a board: the preset menu and the form for a custom one. Both end in
// actions.create(config); the server's answer (or its 422 message) comes back through main.

const HIDDEN = ["sigmoid", "tanh", "relu", "linear"];
const OUTPUT = ["sigmoid", "tanh", "softmax", "linear"];
const LOSSES = [["quadratic", "quadratic ½‖y − a‖²"], ["mse", "mean squared error"], ["cross_entropy", "cross-entropy"]];
const LEARNERS = [["gradient_descent", "gradient descent"], ["trial_and_error", "trial and error"], ["evolution", "evolution"]];

const options = (list, selected) => list.map((o) => {
  const [value, text] = Array.isArray(o) ? o : [o, o];
  return `<option value="${value}"${value === selected ? " selected" : ""}>${text}</option>`;
}).join("");

export function createSetup(root, actions) {
  root.innerHTML = `
    <label class="preset-pick">board <select data-testid="preset" aria-label="Preset board"></select></label>
    <button type="button" class="custom-open">New board…</button>
    <dialog class="custom-dialog" aria-labelledby="custom-title">
      <form method="dialog" class="custom-form">
        <h2 id="custom-title">A board of your own</h2>
        <label>layers <input name="layers" value="2, 3, 1" required pattern="\\s*\\d+(\\s*,\\s*\\d+)+\\s*" aria-describedby="layers-help"></label>
        <small id="layers-help">inputs, hidden…, outputs — must match the dataset</small>
        <label>dataset <select name="dataset"></select></label>
        <label>hidden activation <select name="activation">${options(HIDDEN, "sigmoid")}</select></label>
        <label>output activation <select name="output_activation">${options(OUTPUT, "sigmoid")}</select></label>
        <label>loss <select name="loss">${options(LOSSES, "quadratic")}</select></label>
        <label>learning rate η <input name="learning_rate" type="number" step="any" min="0" value="1"></label>
        <label>batch size <input name="batch_size" type="number" min="1" placeholder="all (full batch)"></label>
        <label>learner <select name="learner">${options(LEARNERS, "gradient_descent")}</select></label>
        <label>seed <input name="seed" type="number" min="0" value="0"></label>
        <p class="form-error" role="alert" hidden></p>
        <div class="form-buttons">
          <button value="cancel" formnovalidate>Cancel</button>
          <button value="create" class="primary">Build the board</button>
        </div>
      </form>
    </dialog>`;
  const select = root.querySelector("select[data-testid=preset]");
  const dialog = root.querySelector("dialog");
  const form = root.querySelector("form");
  const error = root.querySelector(".form-error");
  let datasets = [];

  select.addEventListener("change", () => { if (select.value) actions.openPreset(select.value); });
  root.querySelector(".custom-open").addEventListener("click", () => { error.hidden = true; dialog.showModal(); });
  form.addEventListener("submit", async (e) => {
    if (e.submitter?.value !== "create") return;
    e.preventDefault();
    const message = await actions.create(readForm(form));
    if (message) { error.textContent = message; error.hidden = false; } else dialog.close();
  });
  form.elements.dataset.addEventListener("change", () => matchLayers(form, datasets));

  function setPresets(presets, current) {
    select.innerHTML = `${presets.map((p) => `<option value="${p.id}" title="${escape(p.description || "")}">${escape(p.title || p.id)}</option>`).join("")}
      <option value="" disabled${current ? "" : " selected"}>custom board</option>`;
    if (current) select.value = current;
  }

  function setDatasets(list) {
    datasets = list;
    form.elements.dataset.innerHTML = list.map((d) => `<option value="${d.name}">${escape(d.title || d.name)} (${d.n_in} → ${d.n_out})</option>`).join("");
    matchLayers(form, datasets);
  }

  function update(state) {
    root.hidden = state.ui.readOnly;
    if (state.presetId !== undefined && select.value !== (state.presetId || "")) select.value = state.presetId || "";
  }

  return { update, setPresets, setDatasets };
}

function matchLayers(form, datasets) {
  const d = datasets.find((x) => x.name === form.elements.dataset.value);
  if (!d) return;
  const sizes = form.elements.layers.value.split(",").map((x) => Number(x.trim())).filter((x) => x > 0);
  const hidden = sizes.length > 2 ? sizes.slice(1, -1) : [3];
  form.elements.layers.value = [d.n_in, ...hidden, d.n_out].join(", ");
  if (d.n_out > 1 && d.task === "classification") {
    form.elements.output_activation.value = "softmax";
    form.elements.loss.value = "cross_entropy";
  }
}

function readForm(form) {
  const el = form.elements;
  const config = {
    layers: el.layers.value.split(",").map((x) => Number(x.trim())),
    dataset: el.dataset.value,
    activation: el.activation.value,
    output_activation: el.output_activation.value,
    loss: el.loss.value,
    learning_rate: Number(el.learning_rate.value),
    learner: el.learner.value,
    seed: Number(el.seed.value || 0),
  };
  if (el.batch_size.value) config.batch_size = Number(el.batch_size.value);
  return config;
}

function escape(s) {
  return String(s).replace(/[&<>"]/g, (ch) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[ch]);
}
