// What a dial's arrow is: the next update exactly as the server sends it (`{name}.update`),
// never something computed here. A dial gets an arrow only when its tensor's update is in the
// frame (during a step: only layers `backward` has reached, per `update_layers`) and it is
// not locked. Pure functions, so Node tests them.

import { fmtSigned } from "../lib/format.js";
import { t, tn } from "../lib/i18n.js";

const GD = "gradient_descent";

/** Does the frame show an arrow for tensor `t` ({name, layer})? */
function shows(frame, t) {
  if (!frame.updates || !frame.updates[t.name]) return false;
  return !frame.inStep || frame.updateLayers.includes(t.layer);
}

/**
 * Fills `updates` (Float32Array, one per dial) with the frame's next update and `has`
 * (Uint8Array) with 1 where a dial gets an arrow. Returns the number of such dials.
 */
export function gatherUpdates(layout, frame, locked, updates, has) {
  updates.fill(0);
  has.fill(0);
  let n = 0;
  for (const t of layout.tensors) {
    if (!shows(frame, t)) continue;
    updates.set(frame.updates[t.name], t.offset);
    for (let k = t.offset; k < t.offset + t.count; k++) {
      if (!locked[k]) { has[k] = 1; n++; }
    }
  }
  return n;
}

/**
 * The arrows' magnification in words: "×20" when every layer with arrows has that gain,
 * "×5–200" when they differ (each layer's title says its own), "" at true size or with none.
 * gains: per layer, 0 where a layer has no arrow (scales.js).
 */
export function gainText(gains) {
  let lo = Infinity, hi = 0;
  for (const g of gains) if (g > 0) { lo = Math.min(lo, g); hi = Math.max(hi, g); }
  if (hi <= 1) return "";
  return lo === hi ? `×${hi}` : `×${lo}–${hi}`;
}

/** The legend's words for the arrow, e.g. "the next step" (the ×gain is added by the board). */
export function arrowMeaning(frame) {
  const kind = frame.updateKind || (frame.learner === GD ? GD : "");
  if (frame.diverged) return t("arrows.none_diverged");
  if (frame.updateRefused) return t("arrows.none_refused");
  if (frame.inStep && kind !== GD) return t("arrows.none_try_on");
  if (frame.inStep) return frame.updateLayers.length ? t("arrows.this_step") : t("arrows.appear");
  if (kind === "trial_and_error") return t("arrows.trial");
  if (kind === "evolution") return t("arrows.evolution");
  return t("arrows.next_step");
}

function examplesNote(frame, nTrain) {
  const n = frame.updateExamples;
  if (!n) return "";
  return tn(n === nTrain ? "examples.all" : "examples.these", n);
}

/**
 * The tip's "next step" line for one dial: {label, text}, and when there is no update,
 * `why` (the reason alone, for sentences of other views).
 * info: {has, update, locked, layer, digits (of the update: stepDigits, 3 if not given)};
 * nTrain: training examples in the dataset.
 */
export function nextTurn(frame, info, nTrain) {
  const kind = frame.updateKind || frame.learner || GD;
  // During a step the update backward has found is this step's, as the phase panel says.
  const label = kind !== GD ? t("tip.next_try") : frame.inStep ? t("tip.this_step") : t("tip.next_step");
  const none = (why) => ({ label, text: t("tip.none_because", { why }), why });
  if (info.locked) return none(t("tip.why_locked"));
  if (info.has) {
    const update = fmtSigned(info.update, info.digits ?? 3);
    if (kind === "trial_and_error") {
      return { label, text: info.update ? t("tip.trial_tries", { update }) : t("tip.trial_other") };
    }
    if (kind === "evolution") return { label, text: t("tip.evolution", { update }) };
    const note = examplesNote(frame, nTrain);
    return { label, text: note ? t("tip.update_over", { update, examples: note }) : update };
  }
  if (frame.diverged) return none(t("tip.why_diverged"));
  if (frame.updateRefused) return { label, text: t("tip.none_colon", { why: frame.updateRefused }), why: frame.updateRefused };
  if (frame.inStep && kind === GD) {
    // The why alone: a sentence that gives it ("no mark for …: …") said "not yet" twice.
    const layer = info.layer + 1;
    return { label, text: t("tip.not_yet", { layer }), why: t("tip.why_not_yet", { layer }) };
  }
  if (frame.inStep) return { label, text: t("tip.none_colon", { why: t("tip.why_try_on") }), why: t("tip.why_try_on") };
  return { label, text: t("tip.none"), why: null };
}
