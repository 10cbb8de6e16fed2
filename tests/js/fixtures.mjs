// Frames written by the server's own code (tests/test_js.py) and helpers to build fake ones.
// DIALBOARD_JS_FIXTURES names the folder; without it (node run by hand) those tests skip.

import { readFileSync } from "node:fs";
import { join } from "node:path";

export const FIXTURES = process.env.DIALBOARD_JS_FIXTURES || "";
export const noFixtures = FIXTURES ? false : "run through tests/test_js.py for the server's fixture frames";

/** {buffer: ArrayBuffer, expected: {metadata, tensors: {name: {dtype, shape, values}}}} */
export function fixture(name) {
  const bytes = readFileSync(join(FIXTURES, `${name}.safetensors`));
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  const expected = JSON.parse(readFileSync(join(FIXTURES, `${name}.json`), "utf8"));
  return { buffer, expected };
}

/** JSON carries NaN and ±inf as Python's repr strings. */
export const value = (v) => (typeof v === "string" ? Number(v.replace("inf", "Infinity")) : v);

/** A decoded frame as decodeSafetensors returns it, from plain arrays. */
export function fakeFrame(metadata, tensors) {
  const map = new Map();
  for (const [name, data] of Object.entries(tensors)) {
    map.set(name, { dtype: "F32", shape: [data.length], data: data instanceof Float32Array || data instanceof Int32Array ? data : Float32Array.from(data) });
  }
  return { metadata, tensors: map };
}

/** hello for a 2-2-1 network (xor's shape). */
export const HELLO_221 = {
  session: "s1", config: { layers: [2, 2, 1] }, phases: [],
  parameters: [
    { name: "layers.0.weight", shape: [2, 2] }, { name: "layers.0.bias", shape: [2] },
    { name: "layers.1.weight", shape: [1, 2] }, { name: "layers.1.bias", shape: [1] },
  ],
  dataset: { n_train: 4 },
};
