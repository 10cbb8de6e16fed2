// What the board draws of one frame (pure, no DOM): each dial's value and lock read into
// the board's flat arrays, the layers the phase works on, and a key for the lock pattern.

import { parsePhase } from "../lib/names.js";

/** Copies the frame's parameters and locks onto dials: values, locked are flat over layout. */
export function readFrame(layout, frame, values, locked) {
  const { params, locked: locks } = frame;
  for (const t of layout.tensors) {
    if (params[t.name]) values.set(params[t.name], t.offset);
    if (locks[t.name]) locked.set(locks[t.name], t.offset);
    else locked.fill(0, t.offset, t.offset + t.count);
  }
}

/** Per weight layer: does the phase work on it? (an update, nudge or keep: all of them) */
export function activeLayers(phase, count) {
  const { kind, layer } = parsePhase(phase);
  const on = new Array(count).fill(false);
  if (layer !== null && layer < count) on[layer] = true;
  if (kind === "update" || kind === "nudge" || kind === "keep") on.fill(true);
  return on;
}

/** A hash of which dials are locked: the still layer is redrawn when it changes. */
export function lockKey(locked) {
  let h = 0;
  for (let k = 0; k < locked.length; k++) if (locked[k]) h = (h * 31 + k + 1) | 0;
  return h;
}
