"""REST routes (docs/protocol.md, "REST"). Errors are {"detail": "…"} in plain words."""

import json
import math
import time
from typing import Any

import numpy as np
from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel

from dialboard.engine import ConfigError, next_update
from dialboard.server import csv_data
from dialboard.server.csv_data import CsvError
from dialboard.server.hello import MAX_POINTS_INPUTS
from dialboard.server.presets import datasets_document, presets_document
from dialboard.server.refusals import Refusal
from dialboard.server.registry import InvalidConfig, Registry, TooManySessions
from dialboard.server.safetensors_io import DecodeError, decode, encode
from dialboard.server.session import Session
from dialboard.server.settings import Settings
from dialboard.server.ws import origin_allowed

MAX_BODY_BYTES = 16 * 2**20


class SaidWords(BaseModel):
    """A refusal's key in the strings tables and its parameters (a parameter may nest)."""

    key: str
    params: dict[str, Any]


class RefusalBody(BaseModel):
    """Every refusal's body: the reason in English words, and the same by key and parameters
    for a page to say in its reader's language (what /openapi.json declares for a 4xx)."""

    detail: str
    words: SaidWords | None = None


# Declared for every route, so /openapi.json does not promise FastAPI's own 422 body (a list
# of validation errors): app.py answers those in words too.
REFUSALS: dict[int | str, dict[str, Any]] = {
    "4XX": {"model": RefusalBody, "description": "Refused, with the reason in words"}}
router = APIRouter(responses=REFUSALS)


def registry(request: Request) -> Registry:
    reg: Registry = request.app.state.registry
    return reg


def session_or_404(request: Request, session_id: str, *, retired: bool = False) -> Session:
    """The live board `session_id`; with `retired`, also one its class room just left (for
    read-only questions asked about it before it closed)."""
    reg = registry(request)
    session = reg.answering(session_id) if retired else reg.get(session_id)
    if session is None:
        raise Refusal(404, "refusal.session.unknown", id=repr(session_id))
    session.last_active = time.monotonic()
    return session


def require_token(request: Request, session: Session) -> None:
    auth = request.headers.get("authorization", "")
    if not auth.lower().startswith("bearer ") or not auth[7:].strip():
        raise Refusal(401, "refusal.session.no_token")
    if not session.token_matches(auth[7:].strip()):
        raise Refusal(403, "refusal.session.bad_token")


async def read_body(request: Request) -> bytes:
    """The body, refused (413) as soon as it passes MAX_BODY_BYTES: never held whole first."""
    too_big = Refusal(413, "refusal.body.too_big", limit=MAX_BODY_BYTES >> 20)
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise too_big
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise too_big
        chunks.append(chunk)
    return b"".join(chunks)


def _num(v: float | None) -> float | None:
    return None if v is None or not math.isfinite(v) else v


@router.get("/api/presets")
async def presets(lang: str | None = None) -> list[dict[str, Any]]:
    """The ready-made boards, titled in the language `lang` names (English by default)."""
    return presets_document(lang)


@router.get("/api/datasets")
async def datasets(lang: str | None = None) -> list[dict[str, object]]:
    """Every dataset, titled and described in the language `lang` names (English by default)."""
    return datasets_document(lang)


def may_create(request: Request) -> None:
    """Only JSON, only from this server's own pages (or allowed origins), and at most
    `sessions_per_minute` per client address (this machine's own excepted): a stranger's
    page cannot fill the server."""
    settings: Settings = request.app.state.settings
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype != "application/json":
        raise Refusal(415, "refusal.session.json")
    if not origin_allowed(request, settings):
        raise Refusal(403, "refusal.session.origin")
    who = request.client.host if request.client else ""
    over = request.app.state.creations.take(who, settings.sessions_per_minute, time.monotonic())
    if over is not None:
        count, wait = over
        raise Refusal(429, "refusal.session.rate", count=count, wait=wait,
                      headers={"Retry-After": str(wait)})


CSV_BODY = {"requestBody": {"required": True, "content": {
    "application/json": {"schema": {"type": "object", "required": ["text"],
                                    "properties": {"text": {"type": "string"}}}},
    "text/csv": {"schema": {"type": "string"}}}}}


@router.post("/api/csv", openapi_extra=CSV_BODY)
async def csv_preview(request: Request, lang: str | None = None) -> dict[str, Any]:
    """A CSV file's columns, for the page to pick inputs and a target from: JSON {"text"} or
    the file itself as text/csv or text/plain. Nothing is kept. Words in the language `lang`
    names (English by default)."""
    raw = await read_body(request)
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype == "application/json":
        try:
            body = json.loads(raw)
        except (ValueError, RecursionError):
            raise Refusal(422, "refusal.csv.body_json") from None
        if not isinstance(body, dict) or set(body) != {"text"} or not isinstance(body["text"],
                                                                                 str):
            raise Refusal(422, "refusal.csv.body_shape")
        text = body["text"]
    else:
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise Refusal(422, "refusal.csv.utf8", byte=exc.start + 1,
                          value=f"{raw[exc.start]:#04x}") from None
    try:
        return await run_in_threadpool(csv_data.preview_text, text, lang)
    except CsvError as exc:
        raise Refusal(422, exc.words) from None


@router.post("/api/sessions", status_code=201)
async def create_session(request: Request) -> dict[str, Any]:
    may_create(request)
    raw = await read_body(request)
    try:
        body = json.loads(raw) if raw.strip() else {}
    except json.JSONDecodeError as exc:
        raise Refusal(422, "refusal.body.not_json", detail=exc.msg) from None
    except (ValueError, RecursionError):
        raise Refusal(422, "refusal.body.unreadable") from None
    try:
        session = registry(request).create(body)
    except InvalidConfig as exc:
        raise Refusal(422, exc.words) from None
    except OverflowError:
        raise Refusal(422, "refusal.config.overflow") from None
    except TooManySessions as exc:
        raise Refusal(503, exc.words) from None
    return {"id": session.id, "control_token": session.control_token, "config": session.config,
            "parameter_count": session.trainer.arch.parameter_count}


@router.get("/api/sessions/{session_id}")
async def get_session(request: Request, session_id: str) -> dict[str, Any]:
    s = session_or_404(request, session_id)
    t = s.trainer
    return {"id": s.id, "config": s.config, "step": t.step_count, "phase": t.phase,
            "next_phase": t.next_phase, "cost": _num(t.cost()), "test_cost": _num(t.test_cost()),
            "accuracy": t.accuracy(), "test_accuracy": t.accuracy(test=True),
            "learner": t.config.learner, "playing": s.playing,
            "viewers": len(s.peers), "diverged": t.diverged,
            "parameter_count": t.arch.parameter_count}


@router.get("/api/sessions/{session_id}/dataset")
async def get_dataset(request: Request, session_id: str) -> dict[str, Any]:
    """The data points, for datasets of one or two inputs (drawn under the boundary)."""
    d = session_or_404(request, session_id).trainer.data
    if d.n_in > MAX_POINTS_INPUTS:
        raise Refusal(404, "refusal.points.too_many_inputs", name=d.name, count=d.n_in,
                      limit=MAX_POINTS_INPUTS)
    return {"name": d.name,
            "train": {"inputs": d.x_train.tolist(), "targets": d.y_train.tolist()},
            "test": {"inputs": d.x_test.tolist(), "targets": d.y_test.tolist()}}


@router.get("/api/sessions/{session_id}/state.safetensors")
async def get_state(request: Request, session_id: str, grads: bool = False) -> Response:
    t = session_or_404(request, session_id).trainer
    tensors = {n: p.astype(np.float64) for n, p in t.net.params.items()}
    tensors["cost"] = np.array([t.cost()])
    refused = ""
    if grads:
        tensors.update({f"{n}.grad": g for n, g in t.gradient().items()})
        nxt = next_update(t)
        refused = nxt.refused or ""
        if nxt.delta is not None:  # exactly what the next step adds (new − old)
            tensors.update({f"{n}.update": d for n, d in nxt.delta.items()})
    meta = {"step": str(t.step_count), "phase": t.phase, "learner": t.config.learner,
            "update_refused": refused}
    return Response(encode(tensors, meta), media_type="application/octet-stream",
                    headers={"Content-Disposition": 'attachment; filename="state.safetensors"'})


@router.put("/api/sessions/{session_id}/state.safetensors")
async def put_state(request: Request, session_id: str) -> dict[str, list[str]]:
    s = session_or_404(request, session_id)
    require_token(request, s)
    try:
        tensors, _ = decode(await read_body(request))
    except DecodeError as exc:
        raise Refusal(422, exc.words) from None
    values = {n: a for n, a in tensors.items() if n in s.trainer.net.params}
    for name, a in values.items():
        if a.dtype.kind != "f":
            raise Refusal(422, "refusal.import.dtype", name=name, dtype=a.dtype.name)
    ignored = sorted(set(tensors) - set(values) - {"cost"} - {n for n in tensors
                                                              if n.endswith(".grad")})
    if ignored:
        raise Refusal(422, "refusal.parameter.unknown", name=repr(ignored[0]),
                      names=", ".join(s.trainer.arch.parameter_names))
    if not values:
        raise Refusal(422, "refusal.import.none")
    import_params(s, values)
    return {"replaced": sorted(values)}


def import_params(s: Session, values: dict[str, np.ndarray]) -> None:
    """Replace parameters as one action of a person (an undo level, a frame to every socket),
    or refuse and change nothing: 409 while training runs, 422 for values the engine refuses."""
    if s.busy:
        raise Refusal(409, "refusal.import.busy")
    try:
        with s.action("import"):
            s.trainer.replace_params({n: a.astype(np.float64) for n, a in values.items()})
    except ConfigError as exc:
        raise Refusal(422, exc.words) from None


@router.delete("/api/sessions/{session_id}", status_code=204)
async def delete_session(request: Request, session_id: str) -> Response:
    s = session_or_404(request, session_id)
    require_token(request, s)
    await registry(request).delete(s.id)
    return Response(status_code=204)
