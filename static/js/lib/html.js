// Text put into HTML. Names a teacher typed (a CSV's columns and classes, hence neuron and dial
// labels) and the server's sentences are text, never markup: every innerHTML that carries them
// passes them through here first.

const ENTITIES = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

/** `s` as HTML text, safe inside elements and quoted attributes alike. */
export function escapeHtml(s) {
  return String(s).replace(/[&<>"']/g, (ch) => ENTITIES[ch]);
}
