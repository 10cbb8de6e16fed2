"""Engine snapshots ↔ bytes, exactly: a JSON document for the scalars and one safetensors blob
for the arrays (float64 stays float64, so a restored session's next steps are bit-identical).

The engine never serialises; this module is the one place that knows how its state is laid
out. Everything a `Snapshot` holds is stored except the screen's cache (`screen`, and the
screen half of `tentative`), which the trainer recomputes from the parameters.
"""

from __future__ import annotations

import json
from dataclasses import asdict, fields
from typing import Any

import numpy as np

from dialboard.engine import Snapshot, TrainConfig, Work
from dialboard.engine.learners import GradientState, TryState
from dialboard.engine.steps import Trace
from dialboard.server.history import Inverse
from dialboard.server.safetensors_io import decode, encode

Array = np.ndarray
CODEC_VERSION = 1
# Every field of Snapshot, and how it is kept: a test fails when the engine grows a field
# this codec does not know about.
SNAPSHOT_FIELDS = {
    "params": "arrays", "locks": "arrays", "rng_state": "json", "config": "json",
    "step_count": "json", "pos": "json", "last_phase": "json", "learner_state": "both",
    "work": "json", "diverged": "json", "screen": "recomputed", "tentative": "arrays",
}


class CodecError(ValueError):
    """Stored bytes this code cannot turn back into a snapshot."""


class _Arrays:
    """Collects arrays under unique names for one safetensors blob."""

    def __init__(self) -> None:
        self.tensors: dict[str, Array] = {}

    def put(self, name: str, a: Array) -> str:
        assert name not in self.tensors, name
        a = np.asarray(a)
        if a.dtype.kind in "iu" and a.dtype.itemsize == 8 and a.dtype != np.int64:
            a = a.astype(np.int64)
        self.tensors[name] = a
        return name

    def put_dict(self, prefix: str, d: dict[str, Array]) -> list[str]:
        for k, v in d.items():
            self.put(f"{prefix}/{k}", v)
        return list(d)

    def put_list(self, prefix: str, items: list[Array | None]) -> list[bool]:
        present = []
        for i, v in enumerate(items):
            present.append(v is not None)
            if v is not None:
                self.put(f"{prefix}/{i}", v)
        return present


def _take(arrays: dict[str, Array], name: str) -> Array:
    try:
        # A private, writable copy: nothing restored shares memory with the stored bytes.
        return np.array(arrays[name], copy=True)
    except KeyError:
        raise CodecError(f"the stored state lacks the array {name!r}") from None


def _take_dict(arrays: dict[str, Array], prefix: str, names: list[str]) -> dict[str, Array]:
    return {k: _take(arrays, f"{prefix}/{k}") for k in names}


def _take_list(arrays: dict[str, Array], prefix: str, present: list[bool]) -> list[Array | None]:
    return [_take(arrays, f"{prefix}/{i}") if p else None for i, p in enumerate(present)]


def _trace_out(t: Trace, out: _Arrays) -> dict[str, Any]:
    if t.batch is not None:
        out.put("trace/batch", t.batch)
    return {"batch": t.batch is not None, "zs": out.put_list("trace/zs", t.zs),
            "acts": out.put_list("trace/acts", t.acts),
            "deltas": out.put_list("trace/deltas", t.deltas),
            "grads": out.put_dict("trace/grads", t.grads), "batch_cost": t.batch_cost,
            "tried": None if t.tried is None else out.put_dict("trace/tried", t.tried),
            "base_cost": t.base_cost, "trial_cost": t.trial_cost}


def _trace_in(m: dict[str, Any], arrays: dict[str, Array]) -> Trace:
    return Trace(
        batch=_take(arrays, "trace/batch") if m["batch"] else None,
        zs=_take_list(arrays, "trace/zs", m["zs"]),
        acts=_take_list(arrays, "trace/acts", m["acts"]),
        deltas=_take_list(arrays, "trace/deltas", m["deltas"]),
        grads=_take_dict(arrays, "trace/grads", m["grads"]), batch_cost=m["batch_cost"],
        tried=None if m["tried"] is None else _take_dict(arrays, "trace/tried", m["tried"]),
        base_cost=m["base_cost"], trial_cost=m["trial_cost"])


def _learner_out(state: object, out: _Arrays) -> dict[str, Any]:
    if isinstance(state, GradientState):
        out.put("learner/order", state.order)
        return {"kind": "gradient", "cursor": state.cursor,
                "velocity": out.put_dict("learner/velocity", state.velocity),
                "trace": None if state.trace is None else _trace_out(state.trace, out)}
    if isinstance(state, TryState):
        out.put("learner/order", state.order)
        return {"kind": "try", "base_cost": state.base_cost, "trial_cost": state.trial_cost,
                "tried": None if state.tried is None else out.put_dict("learner/tried",
                                                                       state.tried),
                "cursor": state.cursor, "direction": state.direction}
    raise CodecError(f"no codec for learner state {type(state).__name__}")


def _learner_in(m: dict[str, Any], arrays: dict[str, Array]) -> object:
    if m["kind"] == "gradient":
        return GradientState(order=_take(arrays, "learner/order"), cursor=m["cursor"],
                             velocity=_take_dict(arrays, "learner/velocity", m["velocity"]),
                             trace=None if m["trace"] is None else _trace_in(m["trace"], arrays))
    if m["kind"] == "try":
        return TryState(base_cost=m["base_cost"], trial_cost=m["trial_cost"],
                        tried=None if m["tried"] is None else
                        _take_dict(arrays, "learner/tried", m["tried"]),
                        cursor=m["cursor"], direction=m["direction"],
                        order=_take(arrays, "learner/order"))
    raise CodecError(f"unknown learner state {m['kind']!r}")


def encode_snapshot(s: Snapshot) -> tuple[str, bytes]:
    """A snapshot → (JSON text, safetensors bytes). Floats in the JSON round-trip exactly."""
    out = _Arrays()
    meta = {
        "codec": CODEC_VERSION,
        "params": out.put_dict("params", s.params),
        "locks": out.put_dict("locks", s.locks),
        "rng_state": s.rng_state, "config": asdict(s.config), "step_count": s.step_count,
        "pos": s.pos, "last_phase": s.last_phase,
        "learner": _learner_out(s.learner_state, out), "work": asdict(s.work),
        "diverged": s.diverged,
        "tentative": None if s.tentative is None else out.put_dict("tentative", s.tentative[0]),
    }
    return json.dumps(meta), encode(out.tensors)  # NaN and ±inf round-trip too


def decode_snapshot(meta_text: str, blob: bytes) -> Snapshot:
    try:
        m = json.loads(meta_text)
        if m.get("codec") != CODEC_VERSION:
            raise CodecError(f"snapshot codec {m.get('codec')!r}; this code reads "
                             f"{CODEC_VERSION}")
        arrays, _ = decode(blob)
        return Snapshot(
            params=_take_dict(arrays, "params", m["params"]),
            locks={k: v.astype(bool) for k, v in
                   _take_dict(arrays, "locks", m["locks"]).items()},
            rng_state=m["rng_state"], config=TrainConfig(**m["config"]),
            step_count=int(m["step_count"]), pos=int(m["pos"]), last_phase=str(m["last_phase"]),
            learner_state=_learner_in(m["learner"], arrays), work=Work(**m["work"]),
            diverged=m["diverged"], screen=None,
            tentative=None if m["tentative"] is None else
            (_take_dict(arrays, "tentative", m["tentative"]), None),
        )
    except CodecError:
        raise
    except (KeyError, TypeError, ValueError) as exc:
        raise CodecError(f"a stored snapshot could not be read: {exc!r}") from None


def encode_inverse(inv: Inverse) -> tuple[str, bytes]:
    """An undo level that holds a change's inverse (made while training ran) → (JSON, bytes)."""
    meta = {"codec": CODEC_VERSION, "inverse": {
        "kind": inv.kind, "name": inv.name, "index": list(inv.index), "value": inv.value,
        "settings": inv.settings, "mask": inv.mask is not None}}
    return json.dumps(meta), encode({} if inv.mask is None else {"mask": inv.mask})


def encode_level(snapshot: Snapshot | None, inverse: Inverse | None) -> tuple[str, bytes]:
    if snapshot is not None:
        return encode_snapshot(snapshot)
    if inverse is None:
        raise CodecError("an undo level holds neither a snapshot nor an inverse")
    return encode_inverse(inverse)


def decode_level(meta_text: str, blob: bytes) -> tuple[Snapshot | None, Inverse | None]:
    """(snapshot, None) or (None, inverse)."""
    try:
        m = json.loads(meta_text).get("inverse")
        if m is None:
            return decode_snapshot(meta_text, blob), None
        arrays, _ = decode(blob)
        return None, Inverse(kind=str(m["kind"]), name=str(m["name"]),
                             index=tuple(int(i) for i in m["index"]), value=m["value"],
                             mask=_take(arrays, "mask").astype(bool) if m["mask"] else None,
                             settings=m["settings"])
    except CodecError:
        raise
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise CodecError(f"a stored undo level could not be read: {exc!r}") from None


def encode_history(points: list[tuple[int, float]]) -> bytes:
    steps = np.array([p[0] for p in points], dtype=np.int64)
    costs = np.array([p[1] for p in points], dtype=np.float64)
    return encode({"step": steps, "cost": costs})


def decode_history(blob: bytes) -> list[tuple[int, float]]:
    arrays, _ = decode(blob)
    return [(int(s), float(c)) for s, c in zip(arrays["step"], arrays["cost"], strict=True)]


def unhandled_snapshot_fields() -> set[str]:
    """Fields of the engine's Snapshot this codec does not know (should be empty)."""
    return {f.name for f in fields(Snapshot)} ^ set(SNAPSHOT_FIELDS)
