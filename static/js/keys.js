// Page-wide keys, shaped for presentation clickers (which send PageDown/PageUp, arrows and
// sometimes Space). Keys typed into form fields, and arrows on a focused dial, never get here
// as commands: dials stop their own arrows. A clicker's PageDown/PageUp always reach the board,
// even from a field just typed in: a teacher at the front cannot see where the focus is.

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

/** A setting committed with Enter (or picked) hands the keys back to the page, so the next
 * clicker press or Space is a command, not another edit. */
export function releaseAfterChange(root) {
  root.addEventListener("change", (e) => {
    if (e.target.matches("input[type=number], select")) e.target.blur();
  });
}

function commandFor(e, target) {
  const onSlider = target.getAttribute?.("role") === "slider";
  switch (e.key) {
    case "PageDown": return "clickerNext";   // a lesson's Next while one is open, else a step
    case "PageUp": return "clickerBack";
    case "ArrowRight": return onSlider ? null : e.shiftKey ? "phase" : "step";
    case "ArrowLeft": return onSlider || e.shiftKey ? null : "undo";
    case " ": return "togglePlay";
    case "p": case "P": return "toggleProjector";
    case "t": case "T": return "toggleTheme";
    case "?": return "help";
    case "0": return "zoomFit";
    case "+": case "=": return "zoomIn";
    case "-": case "_": return "zoomOut";
    case "z": case "Z": return "zoomToSelected";
    default: return null;
  }
}
