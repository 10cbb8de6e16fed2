// Page-wide keys, shaped for presentation clickers (which send PageDown/PageUp, arrows and
// sometimes Space). Keys typed into form fields, and arrows on a focused dial, never get here
// as commands: dials stop their own arrows.

const TYPING = new Set(["INPUT", "SELECT", "TEXTAREA"]);

export function attachKeys(actions) {
  document.addEventListener("keydown", (e) => {
    if (e.ctrlKey || e.metaKey || e.altKey || e.defaultPrevented) return;
    const t = e.target;
    if (TYPING.has(t.tagName) || t.isContentEditable) return;
    if (document.querySelector("dialog[open]") && e.key !== "?") return;
    const command = commandFor(e, t);
    if (!command) return;
    e.preventDefault();
    actions[command]();
  });
}

function commandFor(e, target) {
  const onSlider = target.getAttribute?.("role") === "slider";
  switch (e.key) {
    case "PageDown": return "step";
    case "PageUp": return "undo";
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
