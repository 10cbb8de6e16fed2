"""Hypothesis against the safetensors import: `decode` on its own, and `PUT state.safetensors`.

- `decode` returns tensors exactly as the header describes them (dtype, shape, bytes) or
  raises DecodeError, never another exception;
- the PUT answers 2xx, or 4xx with a JSON `detail` in words, never 5xx; after a refused PUT
  the state is byte-identical (the export with gradients and arrows, and the server's own
  image of the session: the storage codec's bytes of its snapshot, its version and its undo
  levels), so a refusal neither changes the board nor leaves an undo level.

The files are arbitrary bytes, and valid files mutated: the header-length field, the JSON
header (dtypes, shapes huge, negative, float, bool or Infinity, data_offsets, names,
`__metadata__`, numbers too long for Python's int), and the data (truncated, extended).
"""

from __future__ import annotations

import json
import struct
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from dialboard.server.app import create_app
from dialboard.server.safetensors_io import DTYPES, NUMPY, DecodeError, decode, encode
from dialboard.server.settings import Settings
from dialboard.server.storage.codec import encode_snapshot

DECODE_EXAMPLES = 600
PUT_EXAMPLES = 250
LONG_INT = "@@long-int@@"  # replaced in the header text by 5,000 digits (json.dumps cannot)
PARAMS = {"layers.0.weight": (2, 2), "layers.0.bias": (2,), "layers.1.weight": (1, 2),
          "layers.1.bias": (1,)}  # the xor board
SETTINGS = settings(deadline=None, derandomize=True, database=None,
                    suppress_health_check=list(HealthCheck))

# -- strategies ---------------------------------------------------------------------------------

odd_values = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**70), 2**70),
    st.sampled_from([-1, 0, 1, 2**31, 2**31 + 1, 2**63, 2**64, 10**30, LONG_INT]),
    st.floats(),  # NaN and ±Infinity become bare tokens
    st.sampled_from([1.5, -0.0, 8.0, 1e300]), st.text(max_size=12),
    st.lists(st.integers(-2, 10), max_size=3), st.dictionaries(st.text(max_size=4),
                                                               st.integers(), max_size=2),
)
odd_dtypes = st.one_of(st.sampled_from([*DTYPES.values(), "BF16", "I8", "U16", "F8_E4M3",
                                        "f64", "", "float64"]), odd_values)
odd_shapes = st.one_of(
    st.lists(st.integers(0, 4), max_size=3),
    st.lists(st.sampled_from([-1, 2**31, 2**31 + 1, 2**32, 2**63, 10**30, 1.5, 2.0, True,
                              False, None, "2", float("inf"), float("nan"), LONG_INT]),
             min_size=1, max_size=3),
    st.lists(st.integers(0, 2), min_size=9, max_size=10),  # too many dimensions
    odd_values,
)
odd_offsets = st.one_of(
    st.lists(st.integers(-2, 80), min_size=2, max_size=2),
    st.lists(st.sampled_from([0, 8, -8, 2**64, 10**30, 1.0, True, None, float("inf"),
                              LONG_INT]), min_size=0, max_size=3),
    odd_values,
)
odd_names = st.one_of(st.sampled_from(["", "__metadata__", "cost", "x.grad", "layers.0.weight",
                                       "layers.9.bias", "é∂σ", "\u0000", "a" * 300]),
                      st.text(max_size=10))


@st.composite
def tensors(draw: st.DrawFn, names: st.SearchStrategy[str] | None = None) -> dict[str, Any]:
    """A few tensors of any dtype the format knows; for the PUT, mostly this board's
    parameters with their own shapes and float dtypes."""
    out: dict[str, Any] = {}
    for _ in range(draw(st.integers(0 if names is None else 1, 4))):
        if names is not None and draw(st.integers(0, 7)) > 0:
            name = draw(names)
            shape = PARAMS.get(name, (2,)) if draw(st.integers(0, 4)) > 0 else draw(
                st.lists(st.integers(0, 3), max_size=3).map(tuple))
            dtype = draw(st.sampled_from(["float64", "float32", "float16"] * 3 + ["int32",
                                                                                 "uint8"]))
            if dtype.startswith("float") and draw(st.integers(0, 3)) > 0:  # values a board takes
                out[name] = draw(arrays(np.dtype(dtype), shape, elements=st.floats(
                    -4, 4, width=int(dtype[5:]))))
                continue
        else:
            name = draw(st.text(max_size=8) | odd_names)
            shape = draw(st.lists(st.integers(0, 3), max_size=3).map(tuple))
            dtype = draw(st.sampled_from(sorted(DTYPES)))
        out[name] = draw(arrays(np.dtype(dtype), shape))
    return out


metadata = st.one_of(st.none(), st.dictionaries(st.text(max_size=6), st.text(max_size=6),
                                                max_size=3))


@st.composite
def files(draw: st.DrawFn, names: st.SearchStrategy[str] | None = None) -> bytes:
    """A valid file, then (mostly) one or two mutations."""
    blob = encode(draw(tensors(names)), draw(metadata))
    for _ in range(draw(st.sampled_from([0, 1, 1, 1, 2] if names is None else [0, 0, 1, 1, 2]))):
        blob = draw(mutated(blob))
    return blob


@st.composite
def mutated(draw: st.DrawFn, blob: bytes) -> bytes:
    bytewise = ["truncate", "extend", "flip"]
    try:  # a file an earlier mutation broke is mutated byte by byte only
        (n,) = struct.unpack("<Q", blob[:8])
        header: dict[str, Any] = json.loads(blob[8 : 8 + n])
        data = blob[8 + n :]
        entries = [k for k in header if k != "__metadata__" and isinstance(header[k], dict)]
    except (struct.error, ValueError, RecursionError):
        header, data, entries = {}, b"", []
    how = draw(st.sampled_from(bytewise if not isinstance(header, dict) or not header else [
        "length", "entry", "entry", "entry", "drop-key", "extra-key", "rename", "metadata",
        "not-an-entry", *bytewise]))
    if how in bytewise and not blob:
        return draw(st.binary(max_size=16))
    if how == "length":
        length = draw(st.one_of(st.integers(0, n + 16), st.sampled_from(
            [0, n - 1, n + 1, 2**20, 2**20 + 1, 2**63, 2**64 - 1])))
        return struct.pack("<Q", max(0, length)) + blob[8:]
    if how == "truncate":
        return blob[: draw(st.integers(0, len(blob)))]
    if how == "extend":
        return blob + draw(st.binary(min_size=1, max_size=16))
    if how == "flip":
        at = draw(st.integers(0, len(blob) - 1))
        return blob[:at] + bytes([draw(st.integers(0, 255))]) + blob[at + 1 :]
    if how == "metadata":
        header["__metadata__"] = draw(odd_values | st.dictionaries(
            st.text(max_size=4), odd_values, max_size=3))
    elif how == "not-an-entry":
        header[draw(odd_names)] = draw(odd_values)
    elif entries:
        name = draw(st.sampled_from(entries))
        entry = header[name]
        if how == "entry":
            key = draw(st.sampled_from(["dtype", "shape", "data_offsets"]))
            entry[key] = draw({"dtype": odd_dtypes, "shape": odd_shapes,
                               "data_offsets": odd_offsets}[key])
        elif how == "drop-key" and entry:
            del entry[draw(st.sampled_from(sorted(entry)))]
        elif how == "extra-key":
            entry[draw(st.text(max_size=6))] = draw(odd_values)
        elif how == "rename":
            header[draw(odd_names)] = header.pop(name)
    text = json.dumps(header).replace(json.dumps(LONG_INT), "1" * 5000).encode()
    return struct.pack("<Q", len(text)) + text + data


any_blob = st.one_of(files(), files(), files(), st.binary(max_size=120),
                     st.binary(max_size=40).map(lambda b: struct.pack("<Q", len(b)) + b))


# -- decode ---------------------------------------------------------------------------------------

def consistent(blob: bytes, out: dict[str, np.ndarray], meta: dict[str, str]) -> None:
    """Every tensor decode returned is exactly what the header says, and nothing else."""
    (n,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8 : 8 + n])
    raw_meta = header.pop("__metadata__", None) or {}
    assert meta == {str(k): str(v) for k, v in raw_meta.items()}
    assert set(out) == set(header)
    data = blob[8 + n :]
    for name, a in out.items():
        info = header[name]
        start, end = info["data_offsets"]
        assert a.dtype == NUMPY[info["dtype"]].newbyteorder("<")
        assert a.shape == tuple(info["shape"])
        assert a.tobytes() == data[start:end]


@given(blob=any_blob)
@settings(SETTINGS, max_examples=DECODE_EXAMPLES)
def test_decode_reads_what_the_header_says_or_refuses_in_words(blob: bytes) -> None:
    try:
        out, meta = decode(blob)
    except DecodeError as exc:
        assert str(exc).strip(), "a refusal without words"
        return
    consistent(blob, out, meta)


def test_a_number_too_long_for_python_is_a_decode_error() -> None:
    """Found by the fuzzer: 5,000 digits in the header made json.loads raise a plain
    ValueError (Python's int limit), which the PUT answered with a 500."""
    header = ('{"layers.0.bias": {"dtype": "F64", "shape": [' + "1" * 5000 +
              '], "data_offsets": [0, 16]}}').encode()
    with pytest.raises(DecodeError, match="too long"):
        decode(struct.pack("<Q", len(header)) + header + bytes(16))


# -- PUT state.safetensors ------------------------------------------------------------------------

class Board:
    def __init__(self, client: TestClient) -> None:
        self.client = client
        created = client.post("/api/sessions", json={"preset": "xor"}).json()
        self.sid, self.token = created["id"], created["control_token"]
        self.url = f"/api/sessions/{self.sid}/state.safetensors"
        self.counts = {"accepted": 0, "refused": 0}

    def state(self) -> tuple[bytes, tuple[Any, ...]]:
        r = self.client.get(self.url, params={"grads": "true"})
        assert r.status_code == 200, r.text
        s = self.client.app.state.registry.get(self.sid)  # type: ignore[attr-defined]
        meta, blob = encode_snapshot(s.trainer.snapshot())
        levels = tuple((lv.kind, repr(lv.key), lv.at) for lv in s.history.levels)
        return r.content, (meta, blob, s.version, s.example, levels)

    def put(self, blob: bytes) -> Any:
        return self.client.put(self.url, content=blob,
                               headers={"Authorization": f"Bearer {self.token}"})


@pytest.fixture(scope="module")
def board() -> Iterator[Board]:
    with TestClient(create_app(Settings()), base_url="http://localhost") as client:
        b = Board(client)
        yield b
        print(f"safetensors PUT fuzz: {b.counts}")


board_names = st.sampled_from([*sorted(PARAMS), *sorted(PARAMS), "cost", "layers.0.weight.grad"])
put_blobs = st.one_of(files(board_names), files(board_names), files(board_names), any_blob)


@given(blob=put_blobs)
@settings(SETTINGS, max_examples=PUT_EXAMPLES)
def test_a_refused_import_is_in_words_and_changes_nothing(board: Board, blob: bytes) -> None:
    before = board.state()
    r = board.put(blob)
    assert r.status_code < 500, r.text
    if r.status_code < 300:
        board.counts["accepted"] += 1
        assert sorted(r.json()["replaced"]) == r.json()["replaced"]
        return
    board.counts["refused"] += 1
    assert 400 <= r.status_code < 500
    detail = r.json().get("detail")
    assert isinstance(detail, str) and detail.strip(), r.text
    after = board.state()
    assert after[0] == before[0], f"the exported state changed after a refusal: {detail}"
    assert after[1] == before[1], f"the session changed after a refusal: {detail}"


def test_a_number_too_long_for_python_is_refused_in_words(board: Board) -> None:
    header = ('{"layers.0.bias": {"dtype": "F64", "shape": [2], "data_offsets": [0, ' +
              "1" * 5000 + ']}}').encode()
    before = board.state()
    r = board.put(struct.pack("<Q", len(header)) + header + bytes(16))
    assert r.status_code == 422 and "too long" in r.json()["detail"], r.text
    assert board.state() == before
