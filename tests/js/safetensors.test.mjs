import { test } from "node:test";
import assert from "node:assert/strict";
import { decodeSafetensors } from "../../static/js/lib/safetensors.js";
import { fixture, noFixtures, value } from "./fixtures.mjs";

/** A safetensors blob from {name: {dtype, shape, bytes}}, `pad` bytes before the data. */
function blob(entries, metadata = {}, pad = 0) {
  const header = { __metadata__: metadata };
  let offset = pad;
  for (const [name, e] of Object.entries(entries)) {
    header[name] = { dtype: e.dtype, shape: e.shape, data_offsets: [offset, offset + e.bytes.length] };
    offset += e.bytes.length;
  }
  let json = JSON.stringify(header);
  json += " ".repeat((8 - (json.length % 8)) % 8);
  const out = new Uint8Array(8 + json.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(new TextEncoder().encode(json), 8);
  let at = 8 + json.length + pad;
  for (const e of Object.values(entries)) { out.set(e.bytes, at); at += e.bytes.length; }
  return out.buffer;
}

const bytesOf = (typed) => new Uint8Array(typed.buffer, typed.byteOffset, typed.byteLength);

function sameValues(actual, expected, name) {
  assert.equal(actual.length, expected.length, name);
  for (let k = 0; k < expected.length; k++) {
    const want = value(expected[k]);
    assert.ok(Object.is(actual[k], want) || actual[k] === want, `${name}[${k}]: ${actual[k]} ≠ ${want}`);
  }
}

/** Every tensor of a server frame decodes to the values the server's own decoder reads. */
function checkFixture(name) {
  const { buffer, expected } = fixture(name);
  const { metadata, tensors } = decodeSafetensors(buffer);
  assert.deepEqual(metadata, expected.metadata);
  assert.deepEqual([...tensors.keys()].sort(), Object.keys(expected.tensors).sort());
  for (const [n, e] of Object.entries(expected.tensors)) {
    assert.deepEqual(tensors.get(n).shape, e.shape, n);
    sameValues(tensors.get(n).data, e.values, n);
  }
  return tensors;
}

test("I32 decodes with its sign and extremes, as a view on the buffer", () => {
  const i32 = Int32Array.from([-(2 ** 31), -1, 0, 7, 2 ** 31 - 1]);
  const buf = blob({ "update.batch": { dtype: "I32", shape: [5], bytes: bytesOf(i32) } });
  const t = decodeSafetensors(buf).tensors.get("update.batch");
  assert.ok(t.data instanceof Int32Array);
  assert.equal(t.data.buffer, buf);
  assert.deepEqual([...t.data], [...i32]);
});

test("a misaligned I32 or F32 tensor is copied, not misread", () => {
  const f32 = Float32Array.from([1.5, -2.25]), i32 = Int32Array.from([3, -4]);
  const buf = blob({ a: { dtype: "F32", shape: [2], bytes: bytesOf(f32) }, b: { dtype: "I32", shape: [2], bytes: bytesOf(i32) } }, {}, 2);
  const { tensors } = decodeSafetensors(buf);
  assert.deepEqual([...tensors.get("a").data], [1.5, -2.25]);
  assert.deepEqual([...tensors.get("b").data], [3, -4]);
});

test("F16: zero, negative zero, subnormal, normal, largest, ±inf and NaN", () => {
  const bits = Uint16Array.from([0x0000, 0x8000, 0x0001, 0x0400, 0x3555, 0xc100, 0x7bff, 0x7c00, 0xfc00, 0x7e00]);
  const got = decodeSafetensors(blob({ h: { dtype: "F16", shape: [10], bytes: bytesOf(bits) } })).tensors.get("h").data;
  const want = [0, -0, 2 ** -24, 2 ** -14, 0.333251953125, -2.5, 65504, Infinity, -Infinity, NaN];
  want.forEach((w, k) => assert.ok(Object.is(got[k], w), `${k}: ${got[k]} ≠ ${w}`));
});

test("metadata and a truncated frame", () => {
  const buf = blob({}, { step: "3", in_step: "true" });
  assert.deepEqual(decodeSafetensors(buf).metadata, { step: "3", in_step: "true" });
  assert.throws(() => decodeSafetensors(buf.slice(0, 12)), /truncated/);
});

test("the server's encoder: I32, F16 specials, F64, F32, U8", { skip: noFixtures }, () => {
  const t = checkFixture("dtypes");
  assert.ok(t.get("i32").data instanceof Int32Array);
});

test("a presenter's xor frame (F32) decodes to the server's values", { skip: noFixtures }, () => {
  const t = checkFixture("xor-f32");
  assert.ok(t.has("layers.0.weight.update") && t.has("grid.output"));
});

test("a viewer's xor frames (F16, with and without gradients) decode to the server's values", { skip: noFixtures }, () => {
  checkFixture("xor-f16");
  const bare = checkFixture("xor-f16-bare");
  assert.ok(!bare.has("layers.0.weight.update") && !bare.has("layers.0.weight.grad"));
});

test("a frame mid-backward decodes to the server's values", { skip: noFixtures }, () => {
  checkFixture("xor-backward");
});
