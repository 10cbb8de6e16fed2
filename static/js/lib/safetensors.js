// Decode one safetensors blob into typed arrays.
// Layout: u64 little-endian header length n, n bytes of JSON, then raw little-endian data.
// F32/F64/U8/I32 tensors become views on the received buffer (no copy) when their offset is
// aligned to the element size; the server aligns them, a misaligned one is copied.

const F16_TABLE = buildF16Table();

function buildF16Table() {
  // 65,536 entries, so decoding F16 is one lookup per value.
  const table = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) {
    const sign = h & 0x8000 ? -1 : 1;
    const exp = (h >> 10) & 0x1f;
    const frac = h & 0x3ff;
    if (exp === 0) table[h] = sign * frac * 2 ** -24;          // subnormal: frac · 2⁻²⁴
    else if (exp === 31) table[h] = frac ? NaN : sign * Infinity;
    else table[h] = sign * (1 + frac / 1024) * 2 ** (exp - 15);
  }
  return table;
}

const VIEWS = { F64: Float64Array, F32: Float32Array, U8: Uint8Array, I32: Int32Array, I64: BigInt64Array };
const SIZES = { F64: 8, F32: 4, F16: 2, BF16: 2, U8: 1, I32: 4, I64: 8, BOOL: 1 };

function view(Type, buffer, offset, count, size) {
  if (offset % size === 0) return new Type(buffer, offset, count);
  return new Type(buffer.slice(offset, offset + count * size));
}

function decodeHalf(buffer, offset, count, bf16) {
  const bits = view(Uint16Array, buffer, offset, count, 2);
  const out = new Float32Array(count);
  if (bf16) {
    const u32 = new Uint32Array(out.buffer);
    for (let k = 0; k < count; k++) u32[k] = bits[k] << 16;   // bf16 is the top half of an f32
  } else {
    for (let k = 0; k < count; k++) out[k] = F16_TABLE[bits[k]];
  }
  return out;
}

export function decodeTensor(buffer, base, entry) {
  const [start, end] = entry.data_offsets;
  const size = SIZES[entry.dtype];
  if (!size) throw new Error(`unsupported dtype ${entry.dtype}`);
  const count = (end - start) / size;
  const offset = base + start;
  if (entry.dtype === "F16" || entry.dtype === "BF16") {
    return decodeHalf(buffer, offset, count, entry.dtype === "BF16");
  }
  if (entry.dtype === "BOOL") return view(Uint8Array, buffer, offset, count, 1);
  return view(VIEWS[entry.dtype], buffer, offset, count, size);
}

/** → { metadata: {…strings}, tensors: Map(name → {dtype, shape, data}) } */
export function decodeSafetensors(buffer) {
  const dv = new DataView(buffer);
  const headerLength = Number(dv.getBigUint64(0, true));
  if (headerLength + 8 > buffer.byteLength) throw new Error("truncated safetensors frame");
  const header = JSON.parse(new TextDecoder().decode(new Uint8Array(buffer, 8, headerLength)));
  const base = 8 + headerLength;
  const tensors = new Map();
  let metadata = {};
  for (const [name, entry] of Object.entries(header)) {
    if (name === "__metadata__") { metadata = entry || {}; continue; }
    tensors.set(name, { dtype: entry.dtype, shape: entry.shape, data: decodeTensor(buffer, base, entry) });
  }
  return { metadata, tensors };
}
