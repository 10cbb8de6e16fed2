"""A board file opened in PyTorch gives the board's outputs (docs/boardfile.md).

    python examples/torch_roundtrip.py [--url http://127.0.0.1:8000]

Without --url it starts a Dialboard server of its own on a free loopback port (sessions in
memory only) and stops it at the end. For boards that use every activation, it creates the
board, trains it a few steps over the websocket, downloads `board.safetensors`, loads it with
`safetensors.torch.load_file` into the `nn.Sequential` the file's metadata spells, and compares
that module's outputs with the server's for a few training examples: the output layer's
activations the server streams (F64, as the network has them) for the example on display.
Needs `torch` and `safetensors`, which Dialboard itself does not.
"""

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from websockets.sync.client import connect

try:
    import torch
    from safetensors import safe_open
    from safetensors.numpy import load
    from safetensors.torch import load_file
    from torch import nn
except ImportError as exc:
    sys.exit(f"this example needs PyTorch and safetensors ({exc.name} is missing): "
             "pip install torch safetensors")

BOARDS: list[dict[str, Any]] = [  # every hidden and output activation at least once
    {"preset": "xor"},
    {"preset": "circle", "activation": "relu"},
    {"preset": "sine", "activation": "linear", "layers": [1, 3, 3, 1]},
    {"preset": "digits", "activation": "tanh"},
    {"preset": "circle", "output_activation": "tanh", "loss": "quadratic"},
]
STEPS, EXAMPLES = 20, 4


def request(url: str, body: dict[str, Any] | None = None) -> bytes:
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as res:
        return bytes(res.read())


@contextmanager
def own_server() -> Iterator[str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "DIALBOARD_DATA_DIR": ""}
    proc = subprocess.Popen([sys.executable, "-m", "dialboard", "--port", str(port)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                request(f"{base}/healthz")
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    sys.exit("the Dialboard server did not start")
                time.sleep(0.1)
        yield base
    finally:
        proc.terminate()
        proc.wait(10)


def frame_where(ws: Any, **meta: str) -> dict[str, Any]:
    """The next state frame whose metadata says `meta`, as {metadata, tensors}."""
    while True:
        raw = ws.recv(timeout=30)
        if isinstance(raw, str):
            reply = json.loads(raw)
            if reply.get("type") == "error":
                sys.exit(f"the server refused: {reply['message']}")
            continue
        n = int.from_bytes(raw[:8], "little")
        got = json.loads(raw[8 : 8 + n])["__metadata__"]
        if all(got.get(k) == v for k, v in meta.items()):
            return {"metadata": got, "tensors": load(raw)}


def server_outputs(base: str, config: dict[str, Any]) -> tuple[str, list[tuple[Any, Any]]]:
    """A trained board's id and (input, output) of a few examples, as the server streams them."""
    created = json.loads(request(f"{base}/api/sessions", config))
    ws_url = base.replace("http", "ws", 1) + f"/ws/sessions/{created['id']}"
    last = f"layers.{len(created['config']['layers']) - 2}.activation"
    pairs = []
    with connect(ws_url, max_size=None) as ws:
        ws.send(json.dumps({"type": "control", "token": created["control_token"]}))
        ws.send(json.dumps({"type": "step", "count": STEPS}))
        frame_where(ws, step=str(STEPS), running="false")
        for k in range(EXAMPLES):
            ws.send(json.dumps({"type": "example", "index": k}))
            t = frame_where(ws, example=str(k), in_step="false")["tensors"]
            pairs.append((t["example.input"], t[last]))
    return created["id"], pairs


def check(base: str, config: dict[str, Any], folder: Path) -> float:
    sid, pairs = server_outputs(base, config)
    path = folder / f"{sid}.safetensors"
    path.write_bytes(request(f"{base}/api/sessions/{sid}/board.safetensors"))
    with safe_open(str(path), "pt") as f:
        spelled = f.metadata()["torch"]
    # The metadata is the line a student types; evaluated here with nothing but `nn` in reach.
    model = eval(spelled, {"__builtins__": {}, "nn": nn}).double()
    model.load_state_dict(load_file(str(path)))
    worst = 0.0
    with torch.no_grad():
        for x, served in pairs:
            ours = model(torch.from_numpy(x.astype("float64"))[None])[0].numpy()
            worst = max(worst, float(abs(ours - served).max()))
    print(f"{spelled}\n    {len(pairs)} examples, largest |PyTorch − server| = {worst:.2e}")
    return worst


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", help="a running Dialboard server (default: start one)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, (
            own_server() if args.url is None else _given(args.url)) as base:
        worst = max(check(base, config, Path(tmp)) for config in BOARDS)
    # A presenter's frames carry the example's numbers in F64: the two differ only in the
    # order of their sums.
    print("same outputs" if worst < 1e-12 else "outputs differ")
    sys.exit(0 if worst < 1e-12 else 1)


@contextmanager
def _given(url: str) -> Iterator[str]:
    yield url.rstrip("/")


if __name__ == "__main__":
    main()
