// Every key and gesture, declared once. keys.js turns the page's keys into actions from this
// table, the key sheet (views/help.js) lists it in order, and tests check the strings tables'
// key names and docs/frontend.md's "Keys and clicker" against it. `keys` are the
// KeyboardEvent.key values the page handles ("Shift+" marks a shifted arrow); `command` is
// the action they run (one per key where they differ). Rows without `keys` are handled by the
// board itself (on a focused dial, or by pointer) and are only listed.

export const KEYMAP = [
  { id: "step", keys: ["ArrowRight", "PageDown"], command: "clickerNext" },
  { id: "phase", keys: ["Shift+ArrowRight"], command: "phase" },
  { id: "undo", keys: ["ArrowLeft", "PageUp"], command: "clickerBack" },
  { id: "play", keys: [" "], command: "togglePlay" },
  { id: "projector", keys: ["p", "P"], command: "toggleProjector" },
  { id: "theme", keys: ["t", "T"], command: "toggleTheme" },
  { id: "help", keys: ["?"], command: "help" },
  { id: "tab" },
  { id: "jump" },
  { id: "turn" },
  { id: "exact" },
  { id: "lock" },
  { id: "drag" },
  { id: "wheel" },
  { id: "zoom" },
  { id: "pan" },
  { id: "dblclick" },
  { id: "neuron" },
  { id: "zoom_selected", keys: ["z", "Z"], command: "zoomToSelected" },
  { id: "fit", keys: ["0", "+", "=", "-", "_"],
    command: { 0: "zoomFit", "+": "zoomIn", "=": "zoomIn", "-": "zoomOut", _: "zoomOut" } },
  { id: "lock_click" },
];

/** "Shift+ArrowRight" / "p" … → the action name, for the page-wide keys. */
export const COMMANDS = new Map(KEYMAP.flatMap((row) => (row.keys || []).map(
  (key) => [key, typeof row.command === "string" ? row.command : row.command[key]])));
