"""The safetensors format: encode named arrays to one blob, and decode one.

Layout: 8-byte little-endian header length N, N bytes of JSON header (padded with spaces to a
multiple of 8), then the tensors' raw little-endian bytes back to back. Tensors are laid out
widest dtype first, so each starts at a multiple of its own item size: a browser can view
them with typed arrays without copying.
"""

import json
import math
import struct
from collections.abc import Mapping

import numpy as np

from dialboard.server.refusals import Refused

Array = np.ndarray

DTYPES: dict[str, str] = {"float64": "F64", "float32": "F32", "float16": "F16", "uint8": "U8",
                          "int64": "I64", "int32": "I32", "bool": "BOOL"}
NUMPY: dict[str, np.dtype] = {v: np.dtype(k) for k, v in DTYPES.items()}
# By dtype: `dtype.name` builds its string on every read, 35 times a frame.
TAGS: dict[np.dtype, str] = {np.dtype(k).newbyteorder("<"): v for k, v in DTYPES.items()}
MAX_HEADER = 1 << 20


def encode(tensors: Mapping[str, Array], metadata: Mapping[str, str] | None = None) -> bytes:
    order = sorted(tensors, key=lambda k: -tensors[k].dtype.itemsize)
    header: dict[str, object] = {}
    if metadata:
        header["__metadata__"] = dict(metadata)
    offset = 0
    chunks: list[memoryview] = []
    for name in order:
        arr = np.ascontiguousarray(tensors[name])
        if arr.dtype.byteorder == ">":
            arr = arr.astype(arr.dtype.newbyteorder("<"))
        header[name] = {"dtype": TAGS[arr.dtype], "shape": list(arr.shape),
                        "data_offsets": [offset, offset + arr.nbytes]}
        chunks.append(arr.reshape(-1).view(np.uint8).data)  # joined below: one copy, not two
        offset += arr.nbytes
    raw = json.dumps(header, separators=(",", ":")).encode()
    raw += b" " * (-len(raw) % 8)
    return b"".join([struct.pack("<Q", len(raw)), raw, *chunks])


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
