"""Board files that cannot be used: each refused in words naming the tensor or metadata at
fault (the shape expected and the shape got), and nothing changes. Files are written with the
reference `safetensors` library."""

from __future__ import annotations

import httpx
import numpy as np
import pytest
from safetensors.numpy import save

from tests.server.live import Live
from tests.server.test_boardfile import server_params, url


def _file(arrays: dict[str, np.ndarray], meta: dict[str, str] | None = None) -> bytes:
    return save(arrays, metadata=meta)


def _xor_arrays(n_hidden: int = 2) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(3)
    return {"0.weight": rng.normal(size=(n_hidden, 2)), "0.bias": rng.normal(size=n_hidden),
            "2.weight": rng.normal(size=(1, n_hidden)), "2.bias": rng.normal(size=1)}


def _without(d: dict[str, np.ndarray], key: str) -> dict[str, np.ndarray]:
    return {k: v for k, v in d.items() if k != key}


BAD: list[tuple[str, bytes, list[str]]] = [
    ("wrong shape", _file({**_xor_arrays(), "2.weight": np.zeros((1, 3))}),
     ["'2.weight'", "layers.1.weight", "expected shape [1, 2]", "got [1, 3]"]),
    ("missing tensor", _file(_without(_xor_arrays(), "2.bias")),
     ["'2.bias'", "missing", "expected shape [1]"]),
    ("extra tensor", _file({**_xor_arrays(), "4.weight": np.zeros((1, 1))}),
     ["'4.weight'", "extra", "got shape [1, 1]"]),
    ("another network", _file(_xor_arrays(3)),
     ["2-2-1", "'0.weight'", "expected shape [2, 2]", "got [3, 2]", "'2.weight'",
      "expected shape [1, 2]", "got [1, 3]"]),
    ("torch's own names", _file({"layers.0.weight": np.zeros((2, 2))}),
     ["'0.weight'", "missing", "'layers.0.weight'", "extra"]),
    ("config not JSON", _file(_xor_arrays(), {"config": "{layers: [2, 2, 1]"}),
     ["metadata 'config'", "not JSON"]),
    ("config not an object", _file(_xor_arrays(), {"config": "[2, 2, 1]"}),
     ["metadata 'config'", "JSON object"]),
    ("a newer format", _file(_xor_arrays(), {"dialboard": "7"}),
     ["metadata 'dialboard'", "'7'"]),
    ("integers", _file({**_xor_arrays(), "0.bias": np.zeros(2, dtype=np.int64)}),
     ["'0.bias'", "I64", "floats"]),
    ("not safetensors", b"PK\x03\x04 a zip, not a board", ["not a board file"]),
    ("empty", b"", ["not a board file", "too short"]),
]


@pytest.mark.parametrize(("case", "blob", "words"), BAD, ids=[b[0] for b in BAD])
def test_a_file_that_does_not_fit_is_refused_by_name_and_shape_and_changes_nothing(
        live: Live, case: str, blob: bytes, words: list[str]) -> None:
    created = live.create(preset="xor")
    sid = created["id"]
    before = server_params(live, sid)
    version = live.call(lambda: live.session(sid).version)
    r = httpx.put(url(live, sid), content=blob,
                  headers={"Authorization": f"Bearer {created['control_token']}"})
    assert r.status_code == 422, r.text
    for word in words:
        assert word in r.json()["detail"], (case, word, r.json()["detail"])
    assert live.call(lambda: live.session(sid).version) == version
    assert live.call(lambda: len(live.session(sid).history)) == 0
    after = server_params(live, sid)
    for name, a in before.items():
        np.testing.assert_array_equal(after[name], a)


def test_a_file_without_a_config_can_only_be_restored(live: Live) -> None:
    r = httpx.post(f"{live.base}/api/board-files", content=_file(_xor_arrays(3)))
    assert r.status_code == 200, r.text
    assert r.json()["config"] is None and r.json()["layers"] == [2, 3, 1]
    assert "no board config" in r.json()["new_board_refused"]
    bad = httpx.post(f"{live.base}/api/board-files", content=b"not safetensors at all")
    assert bad.status_code == 422 and "not a board file" in bad.json()["detail"]
