import { test } from "node:test";
import assert from "node:assert/strict";
import {
  MIDI_MAP, SETTLE_MS, checkKnob, createKnob, dialValue, knobCue, knobToValue, layerScale, moveKnob,
  neuronDials, parseMidi, valueToKnob,
} from "../../static/js/lib/midimap.js";

// 2 inputs → 3 hidden → 1 output.
const session = { sizes: [2, 3, 1] };
const params = {
  "layers.0.weight": Float32Array.from([0.1, 0.2, 0.3, 0.4, 0.5, -1.5]),   // [3, 2]
  "layers.0.bias": Float32Array.from([0.7, 0.8, 0.9]),
  "layers.1.weight": Float32Array.from([0.05, -0.04, 0.03]),
  "layers.1.bias": Float32Array.from([0.01]),
};

test("Control Change on any channel is a knob numbered from the first controller", () => {
  assert.deepEqual(parseMidi([0xb0, MIDI_MAP.firstController + 2, 99]), { kind: "knob", knob: 2, value: 99 });
  assert.deepEqual(parseMidi(Uint8Array.from([0xbf, MIDI_MAP.firstController, 0])), { kind: "knob", knob: 0, value: 0 });
});

test("the three notes step, phase and play; releases and other messages mean nothing", () => {
  const [step, phase, play] = Object.keys(MIDI_MAP.notes).map(Number);
  assert.deepEqual(parseMidi([0x90, step, 100]), { kind: "note", action: "step" });
  assert.deepEqual(parseMidi([0x93, phase, 1]), { kind: "note", action: "phase" });
  assert.deepEqual(parseMidi([0x90, play, 64]), { kind: "note", action: "play" });
  assert.equal(parseMidi([0x90, step, 0]), null);    // Note On with velocity 0 is a release
  assert.equal(parseMidi([0x80, step, 64]), null);   // Note Off
  assert.equal(parseMidi([0x90, 60, 64]), null);     // a note without a job
  assert.equal(parseMidi([0xf8]), null);             // clock
  assert.equal(parseMidi([0xe0, 0, 64]), null);      // pitch bend
});

test("a neuron's knobs are its incoming weights in order, then its bias", () => {
  assert.deepEqual(neuronDials(session, { name: "layers.0.weight", index: [1, 0] }), [
    { name: "layers.0.weight", index: [1, 0] }, { name: "layers.0.weight", index: [1, 1] },
    { name: "layers.0.bias", index: [1] },
  ]);
  assert.deepEqual(neuronDials(session, { name: "layers.1.bias", index: [0] }).map((d) => d.index),
    [[0, 0], [0, 1], [0, 2], [0]]);
  assert.deepEqual(neuronDials(session, null), []);
  assert.equal(dialValue(session, params, { name: "layers.0.weight", index: [2, 1] }), params["layers.0.weight"][5]);
  assert.equal(dialValue(session, params, { name: "layers.0.bias", index: [2] }), params["layers.0.bias"][2]);
});

test("a knob spans its layer's dial scale as a fresh board picks it", () => {
  assert.equal(layerScale(params, 0), 2);     // |−1.5| × 1.05 → 2
  assert.equal(layerScale(params, 1), 0.1);   // at least 0.1
  assert.equal(knobToValue(0, 2), -2);
  assert.equal(knobToValue(127, 2), 2);
  assert.ok(Math.abs(valueToKnob(knobToValue(40, 2), 2) - 40) < 1e-9);
});

test("soft takeover: a knob far below its dial does nothing until it reaches it", () => {
  const knob = createKnob(), R = 2, dial = 0.5;   // the dial sits at knob position 79.375
  assert.equal(knobCue(knob, dial, R), "unknown");
  assert.equal(moveKnob(knob, 10, dial, R, 0), null);
  assert.equal(knobCue(knob, dial, R), "up");
  assert.equal(moveKnob(knob, 60, dial, R, 1), null);
  assert.equal(knobCue(knob, dial, R), "up");
  const v = moveKnob(knob, 85, dial, R, 2);   // crossed the dial between two messages
  assert.equal(v, knobToValue(85, R));
  assert.equal(knobCue(knob, dial, R), "live");
  assert.equal(moveKnob(knob, 20, v, R, 3), knobToValue(20, R));   // live: every move turns the dial
});

test("soft takeover from above, and within one step of the dial", () => {
  const knob = createKnob(), R = 1, dial = -0.3;   // knob position 44.45
  assert.equal(moveKnob(knob, 120, dial, R, 0), null);
  assert.equal(knobCue(knob, dial, R), "down");
  assert.equal(moveKnob(knob, 46, dial, R, 1), null);   // 1.55 steps away: not yet
  assert.equal(moveKnob(knob, 45, dial, R, 2), knobToValue(45, R));   // within one step
  const first = createKnob();
  assert.equal(moveKnob(first, 44, dial, R, 0), knobToValue(44, R));   // its very first message, close enough
});

test("a live knob keeps its scale and lets go of a dial moved elsewhere", () => {
  const knob = createKnob();
  const sent = moveKnob(knob, 64, knobToValue(64, 2), 2, 0);
  assert.equal(moveKnob(knob, 70, sent, 0.5, 10), knobToValue(70, 2));   // the scale it took over with
  checkKnob(knob, 0.3, 10 + SETTLE_MS / 2);   // a frame from before the last move: still live
  assert.equal(knob.live, true);
  checkKnob(knob, knobToValue(70, 2), 10 + SETTLE_MS * 2);   // the dial is where the knob put it
  assert.equal(knob.live, true);
  checkKnob(knob, 1.7, 10 + SETTLE_MS * 2);   // a step or another hand moved it
  assert.equal(knob.live, false);
  assert.equal(knobCue(knob, 1.7, 2), "up");
  assert.equal(moveKnob(knob, 71, 1.7, 1, 2000), null);   // must take over again, on today's scale
  assert.equal(knob.R, 1);
});
