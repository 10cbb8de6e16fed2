// Page-wide keys, shaped for presentation clickers (which send PageDown/PageUp, arrows and
// sometimes Space). Keys typed into form fields, and arrows on a focused dial, never get here
// as commands: dials stop their own arrows. A clicker's PageDown/PageUp always reach the board,
// even from a field just typed in: a teacher at the front cannot see where the focus is.

import { COMMANDS } from "./keymap.js";

const TYPING = new Set(["INPUT", "SELECT", "TEXTAREA"]);
const CLICKER = new Set(["PageDown", "PageUp"]);

export function attachKeys(actions) {
  document.addEventListener("keydown", (e) => {
    if (e.ctrlKey || e.metaKey || e.altKey || e.defaultPrevented) return;
    const t = e.target;
    const typing = TYPING.has(t.tagName) || t.isContentEditable;
    if (typing && !(CLICKER.has(e.key) && t.tagName !== "TEXTAREA" && !t.closest("dialog"))) return;
    if (typing) t.blur();
    if (document.querySelector("dialog[open]") && e.key !== "?") return;
    const command = commandFor(e, t);
    if (!command) return;
    e.preventDefault();
    actions[command]();
  });
}

/** A setting committed with Enter (or picked), anywhere but in a dialog's form, hands the keys
 * back to the page, so the next clicker press or Space is a command, not another edit: a →
 * after picking a board from the menu picked the next board, and the class followed. A slider
 * let go by the pointer does too (→ after it moved the speed); one moved by its keys keeps
 * them. */
export function releaseAfterChange(root) {
  root.addEventListener("change", (e) => {
    if (e.target.matches("input[type=number], select") && !e.target.closest("dialog")) e.target.blur();
  });
  root.addEventListener("pointerup", (e) => {
    if (e.target.matches?.("input[type=range]")) e.target.blur();
  });
}

function commandFor(e, target) {
  // Arrows on a focused dial turn the dial (it stops them; this is the backstop).
  if (target.getAttribute?.("role") === "slider" && e.key.startsWith("Arrow")) return null;
  const shifted = e.shiftKey && e.key.startsWith("Arrow") ? "Shift+" : "";
  return COMMANDS.get(shifted + e.key) || null;
}
