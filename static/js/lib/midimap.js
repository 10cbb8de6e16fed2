// What a MIDI controller's messages mean on the board (pure, tested under Node): which dials
// the knobs turn, where a knob's 0…127 puts its dial, and soft takeover — a knob is ignored
// until it reaches its dial's current value, so picking up a knob never makes its dial jump.

import { createScales } from "../board/scales.js";
import { parseName } from "./names.js";

/** The one table of what the controller's controls do. Knob k is Control Change number
 * `firstController + k` on any channel (faders count as knobs). The three notes are the first
 * three pads of most pad controllers (C1, C♯1, D1 in the General MIDI drum map). */
export const MIDI_MAP = {
  firstController: 0,
  notes: { 36: "step", 37: "phase", 38: "play" },
};

export const KNOB_MAX = 127;
// A knob that goes quiet this long while its dial sits elsewhere has lost its dial (a step,
// an undo, another hand): it must take over again. Shorter than that is the frame's round trip.
export const SETTLE_MS = 500;

/** Raw bytes → {kind: "knob", knob, value} | {kind: "note", action} | null (anything else). */
export function parseMidi(data, map = MIDI_MAP) {
  if (!data || data.length < 3) return null;
  const type = data[0] & 0xf0;
  if (type === 0xb0) {
    const knob = data[1] - map.firstController;
    return knob >= 0 ? { kind: "knob", knob, value: data[2] } : null;
  }
  if (type === 0x90 && data[2] > 0 && map.notes[data[1]]) return { kind: "note", action: map.notes[data[1]] };
  return null;   // Note Off, Note On with velocity 0 (a release), clock, sysex …
}

/** The selected dial's neuron: its incoming weights in order, then its bias, as {name, index}. */
export function neuronDials(session, selected) {
  const p = selected && parseName(selected.name);
  if (!p || !session?.sizes || p.layer + 1 >= session.sizes.length) return [];
  const j = selected.index[0], inputs = session.sizes[p.layer];
  const dials = [];
  for (let i = 0; i < inputs; i++) dials.push({ name: `layers.${p.layer}.weight`, index: [j, i] });
  dials.push({ name: `layers.${p.layer}.bias`, index: [j] });
  return dials;
}

/** A dial's value in the frame (weights are [out, in] row-major), or null. */
export function dialValue(session, params, dial) {
  const values = params?.[dial.name];
  if (!values) return null;
  const flat = dial.index.length === 2 ? dial.index[0] * session.sizes[parseName(dial.name).layer] + dial.index[1] : dial.index[0];
  const v = values[flat];
  return Number.isFinite(v) ? v : null;
}

/** The layer's dial scale R as a fresh board picks it (board/scales.js): knobs span −R…+R. */
export function layerScale(params, layer) {
  const w = params?.[`layers.${layer}.weight`] ?? [], b = params?.[`layers.${layer}.bias`] ?? [];
  const values = Float64Array.from([...w, ...b]);
  const layout = { count: values.length, groups: [null], layer: new Uint8Array(values.length) };
  return createScales().update(layout, values)[0];
}

/** Knob position 0…127 → value on −R…+R (64 is just above the middle: 127 steps, no centre). */
export function knobToValue(position, R) { return -R + (2 * R * position) / KNOB_MAX; }

export function valueToKnob(value, R) { return ((value + R) * KNOB_MAX) / (2 * R); }

/**
 * Soft takeover of one knob: {live, position, R, sentAt, sent}. `position` is where the knob
 * was last seen (null before it moved). A knob takes over when it comes within one step of its
 * dial or crosses it between two messages; from then on each message turns the dial.
 */
export function createKnob() {
  return { live: false, position: null, R: null, sent: null, sentAt: -Infinity };
}

/** A knob message → the value to send, or null while the knob has not reached its dial. */
export function moveKnob(knob, position, dial, R, now) {
  if (!knob.live) knob.R = R;
  const at = valueToKnob(dial, knob.R);
  const before = knob.position;
  knob.position = position;
  if (!knob.live) {
    const near = Math.abs(position - at) <= 1;
    const crossed = before !== null && (before - at) * (position - at) <= 0;
    if (!near && !crossed) return null;
    knob.live = true;
  }
  knob.sent = knobToValue(position, knob.R);
  knob.sentAt = now;
  return knob.sent;
}

/** Between messages: a live knob whose dial was put elsewhere (not by it) lets go of it. */
export function checkKnob(knob, dial, now) {
  if (!knob.live || dial === null || now - knob.sentAt < SETTLE_MS) return;
  if (Math.abs(dial - knob.sent) > (2 * knob.R) / KNOB_MAX) knob.live = false;
}

/** The cue for one knob: "live", or which way to turn it to reach its dial ("up", "down"),
 * or "unknown" before the knob has said where it is. */
export function knobCue(knob, dial, R) {
  if (knob.live) return "live";
  if (knob.position === null || dial === null) return "unknown";
  return knob.position < valueToKnob(dial, R) ? "up" : "down";
}
