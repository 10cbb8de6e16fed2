// The shortcut sheet (`?`): what the keys and a presentation clicker do.

import { t } from "../lib/i18n.js";

// One row per id: help.{id}.key (the keys) and help.{id}.does (what they do) in the strings table.
const ROWS = [
  "step", "phase", "undo", "play", "projector", "theme",
  "help", "tab", "jump", "turn", "exact", "lock", "drag",
  "wheel", "zoom", "pan", "dblclick", "neuron", "zoom_selected",
  "fit", "lock_click",
];

export function createHelp(root) {
  root.innerHTML = `
    <dialog class="help-dialog" data-testid="help" aria-labelledby="help-title">
      <h2 id="help-title">${t("help.title")}</h2>
      <table>${ROWS.map((id) => `<tr><th scope="row"><kbd>${t(`help.${id}.key`)}</kbd></th><td>${t(`help.${id}.does`)}</td></tr>`).join("")}</table>
      <form method="dialog" class="form-buttons"><button class="primary">${t("help.close")}</button></form>
    </dialog>`;
  const dialog = root.querySelector("dialog");

  function toggle() {
    if (dialog.open) dialog.close(); else dialog.showModal();
  }

  return { update() {}, toggle, get open() { return dialog.open; } };
}
