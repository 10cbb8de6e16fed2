// The teacher hands dials to the class (the protocol's `hands`): one dial each, the steepest
// first; one neuron each, of a chosen layer; or the selected neuron's dials, one each. Then
// freeze them, hand them back, or take them back. The button says how many students hold
// dials, so the projector shows it too.

import { layerTitle, neuronLabel } from "../lib/names.js";
import { t } from "../lib/i18n.js";

export function createHandout(root, actions) {
  root.innerHTML = `
    <button type="button" class="handout-open" data-testid="handout-button" aria-haspopup="dialog">
      ${t("handout.open")} <span class="handout-count" data-testid="hands-held" hidden></span></button>
    <dialog class="handout-dialog" aria-labelledby="handout-title">
      <h2 id="handout-title">${t("handout.title")}</h2>
      <p>${t("handout.intro")}</p>
      <div class="handout-modes">
        <button type="button" data-mode="everyone" data-testid="handout-everyone">${t("handout.everyone")}</button>
        <div class="handout-neuron">
          <button type="button" data-mode="neuron" data-testid="handout-neuron">${t("handout.neuron")}</button>
          <label>${t("handout.layer")} <select class="handout-layer" data-testid="handout-layer"></select></label>
        </div>
        <button type="button" data-mode="chosen" data-testid="handout-chosen">${t("handout.chosen")}</button>
      </div>
      <p class="handout-state" role="status" data-testid="handout-state"></p>
      <div class="form-buttons">
        <button type="button" class="handout-freeze" data-testid="handout-freeze"></button>
        <button type="button" class="handout-back" data-testid="handout-back">${t("handout.take_back")}</button>
        <button type="button" class="handout-close primary">${t("share.done")}</button>
      </div>
    </dialog>`;
  const $ = (sel) => root.querySelector(sel);
  const dialog = $(".handout-dialog"), layer = $(".handout-layer"), freeze = $(".handout-freeze");
  let last = null;

  $(".handout-open").addEventListener("click", () => dialog.showModal());
  $(".handout-close").addEventListener("click", () => dialog.close());
  $("[data-mode=everyone]").addEventListener("click", () => actions.command({ type: "hands", mode: "everyone" }));
  $("[data-mode=neuron]").addEventListener("click", () => actions.command({ type: "hands", mode: "neuron", layer: Number(layer.value) }));
  $("[data-mode=chosen]").addEventListener("click", () => {
    const dials = selectedNeuron(last);
    if (dials) actions.command({ type: "hands", mode: "chosen", dials });
  });
  $(".handout-back").addEventListener("click", () => actions.command({ type: "hands", mode: "none" }));
  freeze.addEventListener("click", () => actions.command({ type: "hands", open: !(last?.hands?.open ?? true) }));

  let shownLayers = "";
  function update(state) {
    last = state;
    root.hidden = state.ui.readOnly || !state.session;
    if (root.hidden) return;
    const sizes = state.session.sizes, key = sizes.join(",");
    if (key !== shownLayers) {
      shownLayers = key;
      layer.replaceChildren(...sizes.slice(1).map((n, l) => new Option(`${layerTitle(l + 1, sizes)} (${n})`, String(l))));
    }
    const h = state.hands?.seat === null ? state.hands : null;
    const held = h && h.mode !== "none" ? h.holding : 0;
    const count = $(".handout-count");
    count.hidden = !held;
    count.textContent = held ? String(held) : "";
    $(".handout-state").textContent = !h || h.mode === "none"
      ? t("handout.none", { seats: h?.seats ?? 0 })
      : t(h.open ? "handout.held" : "handout.held_frozen", { holding: h.holding, seats: h.seats, dials: h.dials });
    freeze.textContent = t(h && !h.open ? "handout.unfreeze" : "handout.freeze");
    freeze.disabled = $(".handout-back").disabled = !h || h.mode === "none";
    const sel = selectedNeuron(state);
    $("[data-mode=chosen]").disabled = !sel;
    $("[data-mode=chosen]").title = sel ? t("handout.chosen_title", { neuron: neuronOf(state) }) : t("handout.chosen_none");
  }

  return { update };
}

/** The selected dial's neuron: its incoming weights and its bias, as {name, index} dials. */
function selectedNeuron(state) {
  const sel = state?.ui?.selected, s = state?.session;
  const m = sel && /^layers\.(\d+)\.(weight|bias)$/.exec(sel.name);
  if (!m || !s) return null;
  const l = Number(m[1]), j = sel.index[0];
  const dials = Array.from({ length: s.sizes[l] }, (_, i) => ({ name: `layers.${l}.weight`, index: [j, i] }));
  return [...dials, { name: `layers.${l}.bias`, index: [j] }];
}

function neuronOf(state) {
  const sel = state.ui.selected, s = state.session;
  const l = Number(/^layers\.(\d+)/.exec(sel.name)[1]);
  return neuronLabel(l + 1, sel.index[0], s.sizes, s.dataset?.class_names || []);
}
