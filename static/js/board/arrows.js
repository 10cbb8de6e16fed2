// What a dial's arrow is: the next update exactly as the server sends it (`{name}.update`),
// never something computed here. A dial gets an arrow only when its tensor's update is in the
// frame (during a step: only layers `backward` has reached, per `update_layers`) and it is
// not locked. Pure functions, so Node tests them.

import { fmtSigned } from "../lib/format.js";

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

/** The legend's words for the arrow, e.g. "the next step" (the ×gain is added by the board). */
export function arrowMeaning(frame) {
  const kind = frame.updateKind || (frame.learner === GD ? GD : "");
  if (frame.diverged) return "no arrows: diverged";
  if (frame.updateRefused) return "no arrows: the next update would be refused";
  if (frame.inStep && kind !== GD) return "no arrows: the try is on the dials";
  if (frame.inStep) return frame.updateLayers.length ? "arrow: this step’s update, layers backward has reached" : "arrows appear as backward reaches each layer";
  if (kind === "trial_and_error") return "arrow: the dial it will try next";
  if (kind === "evolution") return "arrow: the random turn it will try next";
  return "arrow: the next step";
}

function examplesNote(frame, nTrain) {
  const n = frame.updateExamples;
  if (!n) return "";
  return n === nTrain ? `all ${n} training examples` : `these ${n} examples`;
}

/**
 * The tip's "next step" line for one dial: {label, text}.
 * info: {has, update, locked, layer}; nTrain: training examples in the dataset.
 */
export function nextTurn(frame, info, nTrain) {
  const kind = frame.updateKind || frame.learner || GD;
  const label = kind === GD ? "next step" : "next try";
  if (info.locked) return { label, text: "none (locked)" };
  if (info.has) {
    if (kind === "trial_and_error") {
      return { label, text: info.update ? `${fmtSigned(info.update, 3)} (the dial it tries)` : "0 (it tries another dial)" };
    }
    if (kind === "evolution") return { label, text: `${fmtSigned(info.update, 3)} (kept if the cost falls)` };
    const note = examplesNote(frame, nTrain);
    return { label, text: `${fmtSigned(info.update, 3)}${note ? ` (${note})` : ""}` };
  }
  if (frame.diverged) return { label, text: "none (diverged)" };
  if (frame.updateRefused) return { label, text: `none: ${frame.updateRefused}` };
  if (frame.inStep && kind === GD) return { label, text: `not yet: backward has not reached layer ${info.layer + 1}` };
  if (frame.inStep) return { label, text: "none: the try is already on the dials" };
  return { label, text: "none" };
}
