"""Board files (docs/boardfile.md): a whole board as one safetensors file that a student loads
with `safetensors.torch.load_file` into the `torch.nn.Sequential` its metadata spells out.

Tensors, all F64: every parameter under the name nn.Sequential gives it. Every hidden Linear is
followed by exactly one activation module (nn.Identity for `linear`), so the l-th Linear sits
at index 2l: `layers.{l}.weight` (n_out, n_in), the layout of nn.Linear.weight, is
`{2l}.weight`, and `layers.{l}.bias` is `{2l}.bias`.

Metadata, all strings: `dialboard` (FORMAT_VERSION), `config` (the session config as JSON:
live settings, current locks, the dataset's name or its inline rows when small; no `init`),
`dataset` (the dataset's name, or words for inline data), `torch` (the nn.Sequential to
write) and `step` (steps trained).
"""

import dataclasses
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from dialboard.engine import Architecture, ConfigError, Trainer, bias_name, weight_name
from dialboard.engine.errors import Words
from dialboard.server.refusals import Refused, said
from dialboard.server.safetensors_io import DTYPES, DecodeError, decode, encode

Array = np.ndarray
FORMAT_VERSION = "1"
# Inline rows ride in the header, which safetensors readers bound (ours: 1 MiB).
MAX_INLINE_JSON = 512 * 1024
MAX_LISTED = 6  # mismatches named in one refusal; the rest are counted
# PyTorch's module for each activation of the engine's registry (a test checks the keys).
TORCH_MODULES: dict[str, str] = {
    "sigmoid": "nn.Sigmoid()", "tanh": "nn.Tanh()", "relu": "nn.ReLU()",
    "linear": "nn.Identity()", "softmax": "nn.Softmax(dim=1)",
}
# Settings whose difference changes what the same parameters compute.
MEANING = ("activation", "output_activation", "loss")


class BoardFileError(Refused):
    """The file cannot be used, in words naming the tensor or metadata field at fault."""


@dataclass(frozen=True)
class BoardFile:
    tensors: dict[str, Array]  # as the file names them
    config: dict[str, Any] | None  # its session config, if it carries one
    meta: dict[str, str]


def torch_names(layers: tuple[int, ...] | list[int]) -> dict[str, str]:
    """Our parameter name → nn.Sequential's, for a network of these layer sizes."""
    return {ours: f"{2 * l}.{kind}" for l in range(len(layers) - 1)
            for kind, ours in (("weight", weight_name(l)), ("bias", bias_name(l)))}


def sequential(arch: Architecture) -> str:
    """The nn.Sequential (with `from torch import nn`) whose state dict the file holds."""
    modules: list[str] = []
    for l in range(arch.n_layers):
        modules.append(f"nn.Linear({arch.layers[l]}, {arch.layers[l + 1]})")
        if l < arch.n_layers - 1:
            modules.append(TORCH_MODULES[arch.activation])
        elif arch.output_activation != "linear":
            modules.append(TORCH_MODULES[arch.output_activation])
    return f"nn.Sequential({', '.join(modules)})"


# -- saving ----------------------------------------------------------------------------------
def save(trainer: Trainer, config: Mapping[str, Any]) -> bytes:
    """The board as a file: its parameters now, and `config` (the session's public config)
    with the live settings and locks."""
    names = torch_names(trainer.arch.layers)
    tensors = {names[n]: np.asarray(p, dtype=np.float64) for n, p in trainer.net.params.items()}
    saved, dataset = _saved_config(trainer, config)
    meta = {"dialboard": FORMAT_VERSION, "config": json.dumps(saved, separators=(",", ":")),
            "dataset": dataset, "torch": sequential(trainer.arch),
            "step": str(trainer.step_count)}
    return encode(tensors, meta)


def file_name(trainer: Trainer) -> str:
    sizes = "-".join(str(n) for n in trainer.arch.layers)
    return f"dialboard-{trainer.data.name}-{sizes}-step{trainer.step_count}.safetensors"


def _saved_config(trainer: Trainer, config: Mapping[str, Any]) -> tuple[dict[str, Any], str]:
    out = {k: v for k, v in config.items() if k != "init"}  # the values are the tensors
    out.update(dataclasses.asdict(trainer.config))  # settings as they are now
    out["locked"] = _locks(trainer)
    spec = out.get("dataset")
    if isinstance(spec, str):
        return out, spec
    d = trainer.data
    if isinstance(spec, dict) and spec.get("inline"):  # the public config only counts rows
        n_test = len(d.x_test)
        # As the network sees them (after any scaling), so the file's outputs are the board's.
        spec = {"inputs": np.concatenate([d.x_train, d.x_test]).tolist(),
                "targets": np.concatenate([d.y_train, d.y_test]).tolist(),
                "test_fraction": n_test / (len(d.x_train) + n_test)}
        if d.task == "classification":
            spec["class_names"] = list(d.class_names)
    rows = len(d.x_train) + len(d.x_test)
    if len(json.dumps(spec)) > MAX_INLINE_JSON:
        del out["dataset"]
        return out, f"inline data, {rows} rows (too large to keep in the file)"
    out["dataset"] = spec
    return out, f"inline data, {rows} rows"


def _locks(trainer: Trainer) -> list[Any]:
    """Current locks as the config's `locked` list: a name for a whole tensor, else dials."""
    out: list[Any] = []
    for name in trainer.arch.parameter_names:
        mask = trainer.locks[name]
        if mask.all():
            out.append(name)
        else:
            out.extend({"name": name, "index": [int(i) for i in idx]} for idx in np.argwhere(mask))
    return out


# -- reading ---------------------------------------------------------------------------------
def read(blob: bytes) -> BoardFile:
    """Decode and check what does not depend on a board: format, metadata, dtypes."""
    try:
        tensors, meta = decode(blob)
    except DecodeError as exc:
        raise BoardFileError("refusal.boardfile.not_board", why=exc.words) from None
    version = meta.get("dialboard", FORMAT_VERSION)
    if version != FORMAT_VERSION:
        raise BoardFileError("refusal.boardfile.version", version=f"{version!r:.20}",
                             ours=FORMAT_VERSION)
    config = None
    if "config" in meta:
        try:
            config = json.loads(meta["config"])
        except (ValueError, RecursionError):
            raise BoardFileError("refusal.boardfile.config_json") from None
        if not isinstance(config, dict):
            raise BoardFileError("refusal.boardfile.config_object")
    for name, a in tensors.items():
        if a.dtype.kind != "f":
            raise BoardFileError("refusal.boardfile.dtype", name=repr(name),
                                 dtype=DTYPES[a.dtype.name])
    if not tensors:
        raise BoardFileError("refusal.boardfile.empty")
    return BoardFile(tensors, config, meta)


def fit(tensors: Mapping[str, Array], layers: tuple[int, ...] | list[int]) -> dict[str, Array]:
    """The file's tensors as our parameters (float64) for a board of these layer sizes, or
    BoardFileError naming every tensor that is missing, extra or of the wrong shape."""
    ours = torch_names(layers)
    arch = Architecture(tuple(layers))
    problems: list[Words] = []
    for name, theirs in ours.items():
        want = list(arch.shape(name))
        if theirs not in tensors:
            problems.append(said("refusal.boardfile.missing", tensor=repr(theirs), name=name,
                                 want=want))
        elif list(tensors[theirs].shape) != want:
            problems.append(said("refusal.boardfile.shape", tensor=repr(theirs), name=name,
                                 want=want, got=list(tensors[theirs].shape)))
    for extra in sorted(set(tensors) - set(ours.values())):
        problems.append(said("refusal.boardfile.extra", tensor=repr(extra),
                             got=list(tensors[extra].shape)))
    if problems:
        sizes = "-".join(str(n) for n in layers)
        raise BoardFileError("refusal.boardfile.misfit", sizes=sizes, listed=_listed(problems))
    return {name: tensors[theirs].astype(np.float64) for name, theirs in ours.items()}


def layers_of(tensors: Mapping[str, Array]) -> list[int] | None:
    """The layer sizes the file's `{2l}.weight` tensors spell, or None if they spell none."""
    sizes: list[int] = []
    for l in range(len(tensors)):
        w = tensors.get(f"{2 * l}.weight")
        if w is None or w.ndim != 2 or (sizes and w.shape[1] != sizes[-1]):
            break
        if not sizes:
            sizes.append(int(w.shape[1]))
        sizes.append(int(w.shape[0]))
    return sizes or None


def _listed(problems: list[Words]) -> Words:
    """The first MAX_LISTED problems, "; " between them, and how many more there are."""
    shown, more = problems[:MAX_LISTED], len(problems) - MAX_LISTED
    listed = said("refusal.and_more", first=shown[-1], more=more) if more > 0 else shown[-1]
    for earlier in reversed(shown[:-1]):
        listed = said("refusal.list", first=earlier, rest=listed)
    return listed


def new_board(board: BoardFile) -> dict[str, Any]:
    """A session config that opens the file as a new board: its config, the values as `init`."""
    config = board.config
    if config is None:
        raise BoardFileError("refusal.boardfile.no_config")
    if "dataset" not in config:
        raise BoardFileError("refusal.boardfile.no_data", dataset=board.meta.get("dataset"))
    layers = config.get("layers")
    try:
        arch = Architecture(tuple(layers) if isinstance(layers, list) else ())
    except ConfigError as exc:
        raise BoardFileError("refusal.boardfile.config", why=exc.words) from None
    values = fit(board.tensors, arch.layers)
    return {**config, "init": {name: a.tolist() for name, a in values.items()}}


def differences(saved: Mapping[str, Any] | None, board: Mapping[str, Any]) -> list[str]:
    """What makes the same parameters compute something else on this board than on the
    saved one, in words."""
    if saved is None:
        return []
    return [f"the file's board used {key} {saved[key]!r}, this board uses {board.get(key)!r}"
            for key in MEANING if key in saved and saved[key] != board.get(key)]
