// What the probe views (the cost along a dial, every example's nudge) ask the server about
// the selected dial in a given state: one question per frame version, or, on a diverged
// board, nothing but the server's sentence.

import { t } from "./i18n.js";

/** → {subject, wish} to hand a latestOnly queue, or {subject, error} to show instead. */
export function probeQuestion(state) {
  const f = state.frame, s = state.session, sel = state.ui.selected;
  const subject = `${s.id}|${sel.name}|${sel.index}`;
  if (f.diverged || state.divergence) {
    return { subject, error: t("error.probe_diverged", { why: f.diverged || state.divergence.message }) };
  }
  return { subject, wish: { subject, key: `${subject}|${f.version}`, id: s.id, name: sel.name, index: sel.index } };
}
