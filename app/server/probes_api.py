"""REST questions about one dial (docs/protocol.md, "REST"): the cost along it, and every
training example's nudge on it. Answers come from the engine's probes, exactly."""

import math
from typing import Any

from fastapi import APIRouter, Request

from dialboard.engine import ConfigError, Dataset, next_update
from dialboard.engine.network import parse_name
from dialboard.engine.probes import MAX_POINTS, cost_slice, dial_scale, nudges, sweep_values
from dialboard.server.refusals import Refusal, words_json
from dialboard.server.rest import REFUSALS, session_or_404
from dialboard.server.session import Session

router = APIRouter(responses=REFUSALS)


def _dial(s: Session, name: str, index: str) -> tuple[int, tuple[int, ...]]:
    """(layer, index) from `name` and "i,j", or 422 in words."""
    t = s.trainer
    try:
        layer, _ = parse_name(name, t.arch.n_layers)
        parts = [p.strip() for p in index.split(",")]
        if not all(p.isascii() and p.isdigit() for p in parts):
            raise Refusal(422, "refusal.index.text", value=f"{index!r:.40}")
        return layer, t.index_of(name, [int(p) for p in parts])
    except ConfigError as exc:
        raise Refusal(422, exc.words) from None


def _state(s: Session) -> dict[str, Any]:
    """Which state the answer is about, so a client can match it to a frame."""
    return {"version": s.version, "step": s.trainer.step_count,
            "diverged": s.trainer.diverged or "",
            "diverged_words": words_json(s.trainer.diverged)}


def _labels(d: Dataset) -> list[int] | None:
    """Each training example's class index (one 0/1 column: 0 or 1); None for regression."""
    if d.task != "classification":
        return None
    y = d.y_train
    return (y.argmax(axis=1) if y.shape[1] > 1 else (y[:, 0] > 0.5).astype(int)).tolist()


@router.get("/api/sessions/{session_id}/slice")
async def cost_along_a_dial(request: Request, session_id: str, name: str, index: str,
                            points: int = 101, lo: float | None = None,
                            hi: float | None = None) -> dict[str, Any]:
    s = session_or_404(request, session_id, retired=True)
    layer, idx = _dial(s, name, index)
    t = s.trainer
    if t.diverged:  # no cost to plot: said, not an error
        return {"name": name, "index": list(idx), **_state(s)}
    scale = dial_scale(t.net, layer)
    lo, hi = -scale if lo is None else lo, scale if hi is None else hi
    if math.isfinite(lo) and lo < hi and math.isfinite(hi) and not math.isfinite(hi - lo):
        raise Refusal(422, "refusal.probe.too_wide", lo=repr(lo), hi=repr(hi))
    try:
        values = sweep_values(lo, hi, points)
    except ConfigError as exc:
        raise Refusal(422, exc.words) from None
    costs = cost_slice(t.screen, name, idx, values)
    return {"name": name, "index": list(idx), **_state(s), "values": values.tolist(),
            "costs": costs.tolist(), "value": t.value(name, idx), "cost": t.cost(),
            "slope": float(t.gradient()[name][idx]), "max_points": MAX_POINTS}


@router.get("/api/sessions/{session_id}/nudges")
async def nudges_on_a_dial(request: Request, session_id: str, name: str,
                           index: str) -> dict[str, Any]:
    s = session_or_404(request, session_id, retired=True)
    _, idx = _dial(s, name, index)
    t = s.trainer
    if t.diverged:
        return {"name": name, "index": list(idx), **_state(s)}
    each = nudges(t.screen, name, idx)
    nxt = next_update(t)
    batch = None if nxt.batch is None or nxt.learner != "gradient_descent" else nxt.batch
    return {"name": name, "index": list(idx), **_state(s), "nudges": each.tolist(),
            "labels": _labels(t.data),
            "mean": float(each.mean()), "grad": float(t.gradient()[name][idx]),
            "batch": None if batch is None else batch.tolist()}
