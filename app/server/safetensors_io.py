"""The safetensors format: encode named arrays to one blob, and decode one.

Layout: 8-byte little-endian header length N, N bytes of JSON header (padded with spaces to a
multiple of 8), then the tensors' raw little-endian bytes back to back. Tensors are laid out
widest dtype first, so each starts at a multiple of its own item size: a browser can view
them with typed arrays without copying.
"""

import functools
import json
import math
import struct
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from dialboard.server.refusals import Refused

Array = np.ndarray

DTYPES: dict[str, str] = {"float64": "F64", "float32": "F32", "float16": "F16", "uint8": "U8",
                          "int64": "I64", "int32": "I32", "bool": "BOOL"}
NUMPY: dict[str, np.dtype] = {v: np.dtype(k) for k, v in DTYPES.items()}
# By dtype: `dtype.name` builds its string on every read, 35 times a frame.
TAGS: dict[np.dtype, str] = {np.dtype(k).newbyteorder("<"): v for k, v in DTYPES.items()}
MAX_HEADER = 1 << 20
HALF_NORMAL = 2.0**-14  # float16's smallest normal number


# (name, shape, dtype given, narrowed) of each tensor, in the caller's order
Signature = tuple[tuple[str, tuple[int, ...], np.dtype, bool], ...]


@dataclass(frozen=True)
class Layout:
    """Where the tensors of one signature go: the header's entries (JSON text without its
    braces), the runs of tensors written as one dtype back to back (dtype, offset, values,
    names; each run is filled in one call), the data's size, and the stretch (dtype, first
    and end offset, names) of each narrowed dtype."""

    entries: str
    runs: tuple[tuple[np.dtype, int, int, tuple[str, ...]], ...]
    size: int
    stretches: tuple[tuple[np.dtype, int, int, tuple[str, ...]], ...]


@functools.lru_cache(maxsize=256)  # a board's frames keep their tensors: one layout each
def layout(signature: Signature) -> Layout:
    kinds = {n: np.dtype(d).newbyteorder("<") for n, _, d, _ in signature}
    narrowed = {n for n, _, _, cast in signature if cast}
    shapes = {n: shape for n, shape, _, _ in signature}
    # Widest first; of one width, the narrowed first and by dtype, so each narrow dtype's
    # tensors lie in one stretch (_pin looks at each stretch once).
    names = sorted(kinds, key=lambda k: (-kinds[k].itemsize, k not in narrowed,
                                         kinds[k].str if k in narrowed else ""))
    entries: dict[str, object] = {}
    spans: dict[str, tuple[int, int]] = {}
    offset = 0
    for name in names:
        spans[name] = (offset, offset + kinds[name].itemsize * math.prod(shapes[name]))
        entries[name] = {"dtype": TAGS[kinds[name]], "shape": list(shapes[name]),
                         "data_offsets": list(spans[name])}
        offset = spans[name][1]
    runs: list[tuple[np.dtype, int, int, tuple[str, ...]]] = []
    for name in names:
        count = math.prod(shapes[name])
        if runs and runs[-1][0] == kinds[name]:
            dtype, lo, n, run = runs[-1]
            runs[-1] = (dtype, lo, n + count, (*run, name))
        else:
            runs.append((kinds[name], spans[name][0], count, (name,)))
    stretches = []
    for dtype in dict.fromkeys(kinds[n] for n in names if n in narrowed):
        mine = tuple(n for n in names if n in narrowed and kinds[n] == dtype)
        stretches.append((dtype, spans[mine[0]][0], spans[mine[-1]][1], mine))
    text = json.dumps(entries, separators=(",", ":"))[1:-1]
    return Layout(text, tuple(runs), offset, tuple(stretches))


def encode(tensors: Mapping[str, Array], metadata: Mapping[str, str] | None = None,
           narrow: Mapping[str, np.dtype] | None = None) -> bytes:
    """`narrow`: names written as a narrower float dtype (float32, float16), each value past
    its range pinned at its largest, not inf. Each tensor is written once, straight into
    the blob."""
    narrow = narrow or {}
    lay = layout(tuple((n, a.shape, narrow.get(n, a.dtype), n in narrow)
                       for n, a in tensors.items()))
    parts = [f'"__metadata__":{json.dumps(dict(metadata), separators=(",", ":"))}'] \
        if metadata else []
    raw = ("{" + ",".join([*parts, lay.entries] if lay.entries else parts) + "}").encode()
    raw += b" " * (-len(raw) % 8)
    start = 8 + len(raw)
    blob = bytearray(start + lay.size)
    blob[:start] = struct.pack("<Q", len(raw)) + raw
    with np.errstate(over="ignore"):  # past a narrow type's range: pinned just below
        for dtype, lo, count, names in lay.runs:
            _fill(np.frombuffer(blob, dtype, count, start + lo), [tensors[n] for n in names])
    for dtype, lo, hi, names in lay.stretches:
        stretch = np.frombuffer(blob, dtype, (hi - lo) // dtype.itemsize, start + lo)
        _pin(dtype, names, tensors, stretch)
    return bytes(blob)


def _fill(dst: Array, parts: list[Array]) -> None:
    """dst[:] = the parts flattened back to back, cast: one call for a run of float32 or
    wider (a frame has dozens of tensors, most of them small); to float16 tensor by tensor,
    each rounded its own way (_copy)."""
    if dst.dtype == np.float16:  # rounded in _copy, tensor by tensor (each its own way)
        at = 0
        for p in parts:
            _copy(dst[at : at + p.size], p.reshape(-1))
            at += p.size
    else:
        np.concatenate([p.reshape(-1) for p in parts], out=dst, casting="unsafe")


def _copy(dst: Array, src: Array) -> None:
    """dst[:] = src, cast. To float16, values in its subnormal range (|x| < 2⁻¹⁴, common
    in gradients) are rounded here: NumPy's cast takes about 20 times longer on them. A
    float16 subnormal is m·2⁻²⁴ with m its bits, so m = round-half-even(|x|·2²⁴) (exact:
    scaling by a power of two), the very rounding of NumPy's cast; m = 1024 is 2⁻¹⁴, the
    smallest normal, whose bits are 1024 too."""
    if dst.dtype != np.float16 or src.dtype.itemsize <= 2 or src.size < 1024:  # few: cast
        np.copyto(dst, src, casting="unsafe")
        return
    small = np.abs(src) < HALF_NORMAL
    if np.count_nonzero(small) * 16 < small.size:  # a few: NumPy's cast is the quicker
        np.copyto(dst, src, casting="unsafe")
        return
    np.copyto(dst, np.where(small, 0.0, src), casting="unsafe")
    tiny = src[small]
    bits = np.rint(np.abs(tiny) * 2.0**24).astype(np.uint16)
    dst.view(np.uint16)[small] = bits | (np.signbit(tiny).astype(np.uint16) << 15)


def _pin(dtype: np.dtype, names: tuple[str, ...], tensors: Mapping[str, Array],
         stretch: Array) -> None:
    """Values a narrowing cast made inf from finite ones: its largest instead. `stretch`:
    the blob's span holding the tensors narrowed to `dtype`, in order (one look over it)."""
    if np.isfinite(stretch).all():
        return
    big, at = float(np.finfo(dtype).max), 0
    for name in names:
        src = tensors[name].reshape(-1)
        np.clip(src, -big, big, out=stretch[at : at + src.size], casting="unsafe")
        at += src.size


class DecodeError(Refused):
    """The bytes are not a safetensors file we can read."""


def _whole(values: object, count: int | None) -> tuple[int, ...]:
    """Non-negative JSON integers (no floats, no booleans, no Infinity), `count` of them."""
    if not isinstance(values, list) or (count is not None and len(values) != count):
        raise ValueError
    if not all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in values):
        raise ValueError
    return tuple(values)


def decode(blob: bytes) -> tuple[dict[str, Array], dict[str, str]]:
    if len(blob) < 8:
        raise DecodeError("refusal.safetensors.short")
    (n,) = struct.unpack("<Q", blob[:8])
    if n > MAX_HEADER or 8 + n > len(blob):
        raise DecodeError("refusal.safetensors.length")
    try:
        header = json.loads(blob[8 : 8 + n])
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise DecodeError("refusal.safetensors.not_json") from None
    except RecursionError:
        raise DecodeError("refusal.safetensors.deep") from None
    except ValueError:  # a number of more than 4300 digits (Python's int limit)
        raise DecodeError("refusal.safetensors.long_number") from None
    if not isinstance(header, dict):
        raise DecodeError("refusal.safetensors.not_object")
    meta = header.pop("__metadata__", None) or {}
    if not isinstance(meta, dict):
        raise DecodeError("refusal.safetensors.metadata")
    data = memoryview(blob)[8 + n :]
    out: dict[str, Array] = {}
    for name, info in header.items():
        try:
            dtype = NUMPY[info["dtype"]]
            start, end = _whole(info["data_offsets"], 2)
            shape = _whole(info["shape"], None)
            if len(shape) != len(info["shape"]) or len(shape) > 8 or max(shape, default=0) > 2**31:
                raise ValueError
        except (KeyError, TypeError, ValueError):
            raise DecodeError("refusal.safetensors.entry", name=repr(name)) from None
        # math.prod of Python ints cannot overflow, so a huge shape cannot pass as small.
        if not 0 <= start <= end <= len(data) or end - start != dtype.itemsize * math.prod(shape):
            raise DecodeError("refusal.safetensors.offsets", name=repr(name))
        out[name] = np.frombuffer(data[start:end], dtype=dtype.newbyteorder("<")).reshape(shape)
    return out, {str(k): str(v) for k, v in meta.items()}
