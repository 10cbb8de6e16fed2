"""`encode` with `narrow` (the frames' float32 and float16) against NumPy's own cast: the same
bits for every value, float16's subnormal range included (encode rounds those itself), and
values past the narrow type's range pinned at its largest."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from dialboard.server.safetensors_io import decode, encode

SETTINGS = settings(deadline=None, derandomize=True, database=None, max_examples=300,
                    suppress_health_check=list(HealthCheck))


def numpy_cast(a: np.ndarray, dtype: type[np.floating]) -> np.ndarray:
    big = float(np.finfo(dtype).max)
    return np.clip(a, -big, big).astype(dtype)


def same_bits(a: np.ndarray, b: np.ndarray) -> bool:
    assert a.dtype == b.dtype and a.shape == b.shape
    return bool(np.array_equal(a.view(np.uint8), b.view(np.uint8)))


# Magnitudes across float16's subnormals (below 2⁻¹⁴), its normals and past its range.
scales = st.sampled_from([1e-9, 3e-8, 6e-8, 1e-6, 2.0**-14, 1e-3, 1.0, 6e4, 1e6, 1e40])


@SETTINGS
@given(a=arrays(np.float64, st.integers(1, 300),
                elements=st.floats(-4, 4, allow_nan=False)), scale=scales,
       specials=st.lists(st.sampled_from([0.0, -0.0, np.inf, -np.inf, np.nan, 1e300]),
                         max_size=4))
def test_narrowed_tensors_have_numpys_bits(a: np.ndarray, scale: float,
                                           specials: list[float]) -> None:
    a = np.concatenate([a * scale, specials]).reshape(-1, 1)
    wide = np.arange(3, dtype=np.float64)
    own = np.array([np.inf, 1.0], dtype=np.float32)  # already narrow: written as it is
    back = a[::-1] * 7  # a second tensor in the same run and stretch: offsets count
    blob = encode({"o": own, "h": a, "w": wide, "s": a, "i": np.arange(4, dtype=np.int32),
                   "o16": own.astype(np.float16), "h2": back, "s2": back}, {"k": "v"},
                  {"h": np.dtype(np.float16), "s": np.dtype(np.float32),
                   "h2": np.dtype(np.float16), "s2": np.dtype(np.float32)})
    tensors, meta = decode(blob)
    assert meta == {"k": "v"}
    assert same_bits(tensors["o"], own)
    assert same_bits(tensors["o16"], own.astype(np.float16))
    assert same_bits(tensors["h"], numpy_cast(a, np.float16))
    assert same_bits(tensors["s"], numpy_cast(a, np.float32))
    assert same_bits(tensors["h2"], numpy_cast(back, np.float16))
    assert same_bits(tensors["s2"], numpy_cast(back, np.float32))
    assert same_bits(tensors["w"], wide)
    assert tensors["i"].tolist() == [0, 1, 2, 3]


@pytest.mark.parametrize("source", [np.float64, np.float32])
def test_every_float16_subnormal_and_its_rounding_ties(source: type[np.floating]) -> None:
    m = np.arange(0, 1025, dtype=np.float64) * 2.0**-24
    half = 2.0**-25
    ties = np.concatenate([m, m + half, np.nextafter(m + half, 0), np.nextafter(m + half, 1)])
    values = np.concatenate([ties, -ties]).astype(source)
    blob = encode({"x": values}, None, {"x": np.dtype(np.float16)})
    assert same_bits(decode(blob)[0]["x"], values.astype(np.float16))


def test_big_endian_sources_are_written_little_endian() -> None:
    a = np.array([1.5, -2.25, 1e-6], dtype=">f8")
    out = decode(encode({"a": a, "n": a}, None, {"n": np.dtype(np.float16)}))[0]
    assert out["a"].tolist() == [1.5, -2.25, 1e-6]
    assert same_bits(out["n"], a.astype("<f2"))
