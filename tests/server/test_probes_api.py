"""GET …/slice and …/nudges through a real server: exact answers, words for bad requests."""

import httpx
import numpy as np
import pytest
from safetensors.numpy import load

from dialboard.engine import Architecture, Network
from tests.server.live import Live

INLINE = {"inputs": [[0.1 * k, (-1) ** k * 0.3, 0.05 * k * k % 1] for k in range(24)],
          "targets": [[float(k % 3 == 0)] for k in range(24)]}


def _params(live: Live, sid: str) -> dict[str, np.ndarray]:
    return load(httpx.get(f"{live.base}/api/sessions/{sid}/state.safetensors?grads=true").content)


def test_the_slice_matches_the_cost_computed_apart(live: Live) -> None:
    s = live.create(dataset=INLINE, layers=[3, 4, 1], activation="tanh", batch_size=5)
    url = f"{live.base}/api/sessions/{s['id']}"
    r = httpx.get(f"{url}/slice", params={"name": "layers.0.weight", "index": "2,1",
                                         "points": 11, "lo": -2, "hi": 2})
    assert r.status_code == 200, r.text
    body = r.json()
    state = _params(live, s["id"])
    params = {n: state[n] for n in ("layers.0.weight", "layers.0.bias", "layers.1.weight",
                                    "layers.1.bias")}
    net = Network(Architecture((3, 4, 1), "tanh", "sigmoid", "quadratic"), params)
    x, y = np.array(INLINE["inputs"]), np.array(INLINE["targets"])
    assert body["values"] == pytest.approx(np.linspace(-2, 2, 11).tolist(), abs=1e-15)
    for v, c in zip(body["values"], body["costs"], strict=True):
        p = {n: a.copy() for n, a in params.items()}
        p["layers.0.weight"][2, 1] = v
        _z, a = Network(net.arch, p).forward(x)
        assert c == pytest.approx(0.5 * ((a[-1] - y) ** 2).sum() / 24, abs=1e-12)
    assert body["value"] == float(params["layers.0.weight"][2, 1])
    assert body["slope"] == float(state["layers.0.weight.grad"][2, 1])
    default = httpx.get(f"{url}/slice", params={"name": "layers.1.bias", "index": "0"}).json()
    assert len(default["values"]) == 101
    assert -default["values"][0] == default["values"][-1] > 0


def test_the_nudges_average_to_the_gradient_and_name_the_next_batch(live: Live) -> None:
    s = live.create(dataset=INLINE, layers=[3, 4, 1], batch_size=5)
    url = f"{live.base}/api/sessions/{s['id']}"
    body = httpx.get(f"{url}/nudges", params={"name": "layers.0.weight", "index": "1,0"}).json()
    state = _params(live, s["id"])
    assert len(body["nudges"]) == 24
    assert body["mean"] == pytest.approx(float(state["layers.0.weight.grad"][1, 0]), abs=1e-12)
    assert len(body["batch"]) == 5 and len(set(body["batch"])) == 5
    full = live.create(dataset=INLINE, layers=[3, 4, 1], batch_size=None)
    assert httpx.get(f"{live.base}/api/sessions/{full['id']}/nudges",
                     params={"name": "layers.1.bias", "index": "0"}).json()["batch"] is None


@pytest.mark.parametrize(("path", "params", "needle"), [
    ("slice", {"name": "layers.9.weight", "index": "0,0"}, "unknown parameter"),
    ("slice", {"name": "layers.0.weight", "index": "0"}, "needs 2 whole numbers"),
    ("slice", {"name": "layers.0.weight", "index": "0,9"}, "must be 0"),
    ("slice", {"name": "layers.0.weight", "index": "a,b"}, "whole numbers"),
    ("slice", {"name": "layers.0.weight", "index": "0,0", "points": 1}, "points"),
    ("slice", {"name": "layers.0.weight", "index": "0,0", "points": 5000}, "points"),
    ("slice", {"name": "layers.0.weight", "index": "0,0", "lo": 1, "hi": 0}, "lo < hi"),
    ("slice", {"name": "layers.0.weight", "index": "0,0", "lo": "inf"}, "finite"),
    # Found by the fuzz test: a range where no dial can be set overflowed the forward pass.
    ("slice", {"name": "layers.0.weight", "index": "0,0", "lo": -2, "hi": 1.79e308,
               "points": 398}, "goes past ±1e+08"),
    ("slice", {"index": "0,0"}, "name"),
    ("nudges", {"name": "layers.0.bias", "index": "7"}, "must be 0"),
])
def test_bad_questions_get_words(live: Live, path: str, params: dict[str, object],
                                 needle: str) -> None:
    s = live.create(preset="xor")
    r = httpx.get(f"{live.base}/api/sessions/{s['id']}/{path}", params=params)
    assert r.status_code == 422 and needle in r.json()["detail"], r.text


def test_answers_name_their_state_and_a_diverged_board_says_so(live: Live) -> None:
    s = live.create(dataset=INLINE, layers=[3, 4, 1], batch_size=5)
    url = f"{live.base}/api/sessions/{s['id']}"
    body = httpx.get(f"{url}/nudges", params={"name": "layers.0.bias", "index": "1"}).json()
    assert body["step"] == 0 and body["diverged"] == "" and isinstance(body["version"], int)
    assert body["labels"] == [int(k % 3 == 0) for k in range(24)]
    session = live.session(s["id"])
    session.trainer.diverged = "training diverged at step 1: test"
    for path in ("slice", "nudges"):
        r = httpx.get(f"{url}/{path}", params={"name": "layers.0.bias", "index": "1"})
        assert r.status_code == 200 and r.json()["diverged"].startswith("training diverged")
        assert "costs" not in r.json() and "nudges" not in r.json()
