"""Lessons: guided tours through the live board, one JSON file each (docs/lessons.md).

A lesson is data a teacher can write: `lessons/<id>.json`, a title, a summary and steps. Each
step may set up the board (a session config, settings, locks, a dial to select), highlight
regions of the page, say something in a few words and give the class a task whose check the
page evaluates on every frame. Every file is checked when it is loaded; an error names the
file, the step and the field, so a broken lesson stops the server before it serves a page.

The vocabulary of the format is declared here once: REGIONS (the page's region ids, which a
test finds in the page), CONDITIONS (the checks, which a test finds in `lib/lesson.js`), the
step's fields and the settings a step may change (the protocol's own `configure` fields).
"""

from __future__ import annotations

import itertools
import json
import re
from functools import cache
from pathlib import Path
from typing import Any

from dialboard.server import i18n
from dialboard.server.protocol import CLIENT_MESSAGES, KINDS
from dialboard.server.session_config import InvalidConfig, resolve

LESSONS_DIR = Path(__file__).resolve().parent / "lessons"
ID = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")
REGIONS: tuple[str, ...] = (
    "screen", "transport", "board", "phase", "slice", "nudges", "network", "boundary", "setup",
)
# name → (kind of value, what it means); the page evaluates them (lib/lesson.js).
CONDITIONS: dict[str, tuple[str, str]] = {
    "cost_below": ("number", "the screen's cost is below this"),
    "accuracy_at_least": ("number", "the training accuracy is at least this (0 … 1)"),
    "steps_taken": ("int", "at least this many steps since the step began"),
    "phase": ("phase", "the last completed phase is this one"),
    "cost_changed": ("bool", "the cost differs from the cost when the step began"),
}
LESSON_FIELDS = ("title", "summary", "order", "steps")
STEP_FIELDS = ("title", "text", "board", "fresh", "settings", "locks", "select", "zoom",
               "run", "highlight", "task")
ZOOMS = ("fit", "selected")
RUNS = {"phases": 50, "steps": 10_000}  # what a step may run when Next enters it, at most
SETTINGS: dict[str, str] = {k: kind for k, (kind, _) in CLIENT_MESSAGES["configure"].fields.items()}


class LessonError(ValueError):
    """A lesson file that cannot be used; the message names the file, step and field."""


def _codes() -> list[str]:
    return [lang["code"] for lang in i18n.languages()]


def _text(value: object, where: str) -> dict[str, str]:
    codes = _codes()
    if not isinstance(value, dict) or set(value) != set(codes):
        raise LessonError(f"{where}: must be an object with a text for each of "
                          f"{', '.join(codes)}, got {value!r:.80}")
    for code, text in value.items():
        if not isinstance(text, str) or not text.strip():
            raise LessonError(f"{where}.{code}: must be a text, not {text!r:.60}")
    return value


def _only(obj: object, fields: tuple[str, ...], where: str) -> dict[str, Any]:
    if not isinstance(obj, dict):
        raise LessonError(f"{where}: must be a JSON object")
    unknown = sorted(set(obj) - set(fields))
    if unknown:
        raise LessonError(f"{where}: unknown field {unknown[0]!r}; known: {', '.join(fields)}")
    return obj


def _shapes(config: dict[str, Any]) -> dict[str, tuple[int, ...]]:
    sizes = config["layers"]
    out: dict[str, tuple[int, ...]] = {}
    for layer, (n_in, n_out) in enumerate(itertools.pairwise(sizes)):
        out[f"layers.{layer}.weight"], out[f"layers.{layer}.bias"] = (n_out, n_in), (n_out,)
    return out


def _phases(config: dict[str, Any], learner: str) -> set[str]:
    if learner != "gradient_descent":
        return {"idle", "nudge", "cost", "keep"}
    count = len(config["layers"]) - 1
    return {"idle", "cost", "update", *(f"{kind}:{layer}" for layer in range(count)
                                          for kind in ("forward", "backward"))}


def _dial(value: object, shapes: dict[str, tuple[int, ...]], where: str,
          whole: bool = False) -> None:
    if not isinstance(value, dict) or not isinstance(value.get("name"), str):
        raise LessonError(f"{where}: must be {{\"name\", \"index\"}}")
    name, index = value["name"], value.get("index")
    if name not in shapes:
        raise LessonError(f"{where}: no dial {name!r} on this board; it has {', '.join(shapes)}")
    if index is None and whole:
        return
    shape = shapes[name]
    if (not isinstance(index, list) or len(index) != len(shape)
            or not all(KINDS["int"][0](i) and 0 <= i < n for i, n in zip(index, shape,
                                                                           strict=True))):
        raise LessonError(f"{where}: index {index!r} is not in {name} of shape {list(shape)}")


class _Board:
    """What the steps so far have set up: the config, its dial shapes and the learner."""

    def __init__(self) -> None:
        self.config: dict[str, Any] | None = None
        self.shapes: dict[str, tuple[int, ...]] = {}
        self.learner = "gradient_descent"


def _setup(step: dict[str, Any], board: _Board, where: str) -> None:
    if "board" in step:
        try:
            board.config = resolve(step["board"])
        except InvalidConfig as exc:
            raise LessonError(f"{where}.board: {exc}") from None
        board.shapes, board.learner = _shapes(board.config), board.config["learner"]
    if board.config is None:
        raise LessonError(f"{where}: the first step must open a board (\"board\")")
    if not isinstance(step.get("fresh", False), bool):
        raise LessonError(f"{where}.fresh: must be true or false")
    settings = _only(step.get("settings", {}), tuple(SETTINGS), f"{where}.settings")
    for name, value in settings.items():
        check, words = KINDS[SETTINGS[name]]
        if not check(value):
            raise LessonError(f"{where}.settings.{name}: must be {words}, not {value!r}")
        if name == "learner":
            board.learner = value
    locks = step.get("locks", [])
    if not isinstance(locks, list):
        raise LessonError(f"{where}.locks: must be a list of {{\"name\", \"index\"?, \"locked\"}}")
    for k, lock in enumerate(locks):
        _dial(lock, board.shapes, f"{where}.locks[{k}]", whole=True)
        _only(lock, ("name", "index", "locked"), f"{where}.locks[{k}]")
        if not isinstance(lock.get("locked"), bool):
            raise LessonError(f"{where}.locks[{k}].locked: must be true or false")
    if "select" in step:
        _dial(_only(step["select"], ("name", "index"), f"{where}.select"), board.shapes,
              f"{where}.select")


def _run(value: object, where: str) -> None:
    run = _only(value, tuple(RUNS), where)
    if len(run) != 1:
        raise LessonError(f"{where}: must name one of {', '.join(RUNS)}")
    (kind, count), = run.items()
    if not KINDS["int"][0](count) or not 1 <= count <= RUNS[kind]:
        raise LessonError(f"{where}.{kind}: must be a whole number 1 … {RUNS[kind]}")


def _highlight(value: object, where: str) -> None:
    if not isinstance(value, list) or not all(isinstance(r, str) for r in value):
        raise LessonError(f"{where}: must be a list of region names")
    for region in value:
        if region not in REGIONS:
            raise LessonError(f"{where}: no region {region!r}; known: {', '.join(REGIONS)}")


def _task(value: object, board: _Board, where: str) -> None:
    task = _only(value, ("text", "check"), where)
    _text(task.get("text"), f"{where}.text")
    check = _only(task.get("check"), tuple(CONDITIONS), f"{where}.check")
    if not check:
        raise LessonError(f"{where}.check: name at least one of {', '.join(CONDITIONS)}")
    for name, wanted in check.items():
        kind = CONDITIONS[name][0]
        if kind == "phase":
            assert board.config is not None
            phases = sorted(_phases(board.config, board.learner))
            if wanted not in phases:
                raise LessonError(f"{where}.check.phase: {wanted!r} is no phase of this board; "
                                  f"it has {', '.join(phases)}")
        elif not KINDS[kind][0](wanted):
            raise LessonError(f"{where}.check.{name}: must be {KINDS[kind][1]}, not {wanted!r}")


def check_lesson(data: object, where: str) -> dict[str, Any]:
    """The lesson as read, or LessonError naming `where`, the step and the field."""
    lesson = _only(data, LESSON_FIELDS, where)
    _text(lesson.get("title"), f"{where}: title")
    _text(lesson.get("summary"), f"{where}: summary")
    if not KINDS["int"][0](lesson.get("order", 0)):
        raise LessonError(f"{where}: order must be a whole number (the menu's order)")
    steps = lesson.get("steps")
    if not isinstance(steps, list) or not steps:
        raise LessonError(f"{where}: steps must be a non-empty list")
    board = _Board()
    for n, step in enumerate(steps, 1):
        at = f"{where}, step {n}"
        _only(step, STEP_FIELDS, at)
        _text(step.get("title"), f"{at}: title")
        _text(step.get("text"), f"{at}: text")
        _setup(step, board, at)
        if step.get("zoom", "fit") not in ZOOMS:
            raise LessonError(f"{at}.zoom: must be one of {', '.join(ZOOMS)}")
        if "run" in step:
            _run(step["run"], f"{at}.run")
        _highlight(step.get("highlight", []), f"{at}.highlight")
        if "task" in step:
            _task(step["task"], board, f"{at}.task")
    return lesson


def read_lesson(path: Path) -> dict[str, Any]:
    where = f"lessons/{path.name}"
    if not ID.fullmatch(path.stem):
        raise LessonError(f"{where}: a lesson's id (its file name) is lower-case letters, "
                          "digits and dashes")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise LessonError(f"{where}: not JSON in UTF-8: {exc}") from None
    return check_lesson(data, where)


@cache
def lessons() -> dict[str, dict[str, Any]]:
    """Every lesson by id (its file name), in the menu's order: `order`, then id."""
    found = {p.stem: read_lesson(p) for p in LESSONS_DIR.glob("*.json")}
    return dict(sorted(found.items(), key=lambda kv: (kv[1].get("order", 0), kv[0])))


def _words(text: dict[str, str], lang: str | None) -> str:
    code = i18n.resolve(lang)
    if code == i18n.PSEUDO:
        return i18n.pseudo({"": text[i18n.DEFAULT]})[""]
    return text.get(code, text[i18n.DEFAULT])


def in_language(value: Any, lang: str | None) -> Any:
    """The lesson with every {en, de} text replaced by the words of `lang`."""
    if isinstance(value, dict) and value and set(value) == set(_codes()) and all(
            isinstance(v, str) for v in value.values()):
        return _words(value, lang)
    if isinstance(value, dict):
        return {k: v if k == "board" else in_language(v, lang) for k, v in value.items()}
    if isinstance(value, list):
        return [in_language(v, lang) for v in value]
    return value
