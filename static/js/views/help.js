// The shortcut sheet (`?`): what the keys and a presentation clicker do.

import { t } from "../lib/i18n.js";
import { KEYMAP } from "../keymap.js";

// One row per key map row: help.{id}.key (the keys, named in the page's language) and
// help.{id}.does (what they do) in the strings table.
const ROWS = KEYMAP.map((row) => row.id);

export function createHelp(root) {
  root.innerHTML = `
    <dialog class="help-dialog" data-testid="help" aria-labelledby="help-title">
      <h2 id="help-title">${t("help.title")}</h2>
      <table>${ROWS.map((id) => `<tr><th scope="row"><kbd>${t(`help.${id}.key`)}</kbd></th><td>${t(`help.${id}.does`)}</td></tr>`).join("")}</table>
      <form method="dialog" class="form-buttons"><button class="primary">${t("help.close")}</button></form>
    </dialog>`;
  const dialog = root.querySelector("dialog");

  function toggle() {
    if (dialog.open) { dialog.close(); return; }
    dialog.showModal();
    dialog.scrollTop = 0;   // it focused Close, at its end: opened scrolled past its title
  }

  return { update() {}, toggle, get open() { return dialog.open; } };
}
