"""A teacher's CSV file → a preview of its columns, and the chosen columns → inline data.

csv_table.py reads the file into a `Table` and says how; a refusal here is a CsvError too.
"""

from typing import Any

from dialboard.engine._inline import SCALINGS, name_problem
from dialboard.engine.errors import count
from dialboard.server import i18n
from dialboard.server.csv_table import (
    MAX_CSV_BYTES,
    MAX_CSV_CELLS,
    MAX_CSV_COLUMNS,
    MAX_CSV_ROWS,
    Column,
    CsvError,
    Table,
    number,
    parse,
)

MAX_CLASSES = 50  # distinct values a class column may have: one output each
PREVIEW_ROWS = 5
SPEC_FIELDS = ("text", "inputs", "target", "task", "scaling", "test_fraction")
DEFAULT_SCALING = "standardise"
# The scalings' words for the page, in the strings tables (keys written out: the strings test
# sees them used); the engine's SCALINGS says what each does, for dataset descriptions.
SCALING_WORDS = {
    "standardise": ("csv.scaling.standardise.title", "csv.scaling.standardise.description"),
    "minmax": ("csv.scaling.minmax.title", "csv.scaling.minmax.description"),
    "none": ("csv.scaling.none.title", "csv.scaling.none.description"),
}
DEFAULT_TEST_FRACTION = 0.2


def preview(table: Table, lang: str | None = None) -> dict[str, Any]:
    """What the page shows to pick columns from (docs/protocol.md, `POST /api/csv`)."""
    columns = []
    for c in table.columns:
        distinct = len(set(c.cells))
        columns.append({
            "name": c.name, "kind": c.kind, "distinct": distinct,
            "problem": i18n.say(lang, c.problem) if c.problem else None,
            "classes": list(c.labels()[0]) if c.problem is None and distinct <= MAX_CLASSES
            else None,
        })
    head = [[c.cells[r] for c in table.columns] for r in range(min(PREVIEW_ROWS, len(table.rows)))]
    return {"rows": len(table.rows), "delimiter": table.delimiter, "columns": columns,
            "head": head, "limits": limits(), "defaults": {
                "scaling": DEFAULT_SCALING, "test_fraction": DEFAULT_TEST_FRACTION},
            "scalings": [{"name": n, "title": i18n.text(lang, SCALING_WORDS[n][0]),
                          "description": i18n.text(lang, SCALING_WORDS[n][1])}
                         for n in SCALINGS]}


def preview_text(text: str, lang: str | None = None) -> dict[str, Any]:
    return preview(parse(text), lang)


def limits() -> dict[str, int]:
    return {"bytes": MAX_CSV_BYTES, "rows": MAX_CSV_ROWS, "columns": MAX_CSV_COLUMNS,
            "cells": MAX_CSV_CELLS, "classes": MAX_CLASSES}


def _pick(table: Table, spec: dict[str, Any]) -> tuple[list[Column], Column]:
    inputs, target = spec.get("inputs"), spec.get("target")
    if not isinstance(inputs, list) or not inputs:
        raise CsvError("refusal.csv.inputs")
    picked = [table.column(name, "inputs") for name in inputs]
    goal = table.column(target, "target")
    if len(set(inputs)) != len(inputs):
        twice = next(n for n in inputs if inputs.count(n) > 1)
        raise CsvError("refusal.csv.twice", name=repr(twice))
    if goal in picked:
        raise CsvError("refusal.csv.target_is_input", name=repr(goal.name))
    for c in picked:
        if c.problem is not None:
            raise CsvError(c.problem)
        if c.numbers is None:
            k = next(k for k, v in enumerate(c.cells) if number(v, table.delimiter) is None)
            raise CsvError("refusal.csv.text_input", row=table.rows[k], column=repr(c.name),
                           value=f"{c.cells[k]!r:.40}")
    return picked, goal


def _task(goal: Column, task: object) -> str:
    if task is None:
        task = "classification" if goal.kind == "text" else "regression"
    if not isinstance(task, str) or task not in ("classification", "regression"):
        raise CsvError("refusal.csv.task", value=f"{task!r:.40}")
    if goal.problem is not None:
        raise CsvError(goal.problem)
    if task == "regression" and goal.numbers is None:
        raise CsvError("refusal.csv.text_target", name=repr(goal.name),
                       value=f"{goal.cells[0]!r:.40}")
    return str(task)


def _classes(table: Table, goal: Column) -> tuple[str, ...]:
    classes, _ = goal.labels()
    if len(classes) > MAX_CLASSES:
        raise CsvError("refusal.csv.many_classes", name=repr(goal.name),
                       count=count(len(classes)), limit=MAX_CLASSES)
    if len(classes) < 2:
        raise CsvError("refusal.csv.one_class", name=repr(goal.name),
                       value=f"{classes[0]!r:.40}", first=table.rows[0], last=table.rows[-1])
    for name in classes:
        problem = name_problem(name)
        if problem:
            k = goal.cells.index(name)
            raise CsvError("refusal.csv.class_name", row=table.rows[k], column=repr(goal.name),
                           name=repr(name[:40]), problem=problem)
    return classes


def to_inline(spec: object) -> dict[str, Any]:
    """`{"text", "inputs", "target", "task"?, "scaling"?, "test_fraction"?}` → the inline data
    a session config holds: one-hot targets with their class names, or the numbers."""
    if not isinstance(spec, dict) or not isinstance(spec.get("text"), str):
        raise CsvError("refusal.csv.spec")
    unknown = sorted(set(spec) - set(SPEC_FIELDS))
    if unknown:
        raise CsvError("refusal.unknown_field", name=f"{unknown[0]!r:.40}",
                       known=", ".join(SPEC_FIELDS))
    scaling = spec.get("scaling", DEFAULT_SCALING)
    if not isinstance(scaling, str) or scaling not in SCALINGS:
        raise CsvError("refusal.scaling", known=", ".join(SCALINGS), value=f"{scaling!r:.40}")
    table = parse(spec["text"])
    picked, goal = _pick(table, spec)
    task = _task(goal, spec.get("task"))
    inputs = [list(row) for row in zip(*(c.numbers or () for c in picked), strict=True)]
    out: dict[str, Any] = {"inputs": inputs, "scaling": scaling,
                           "test_fraction": spec.get("test_fraction", DEFAULT_TEST_FRACTION),
                           "columns": {"inputs": [c.name for c in picked], "target": goal.name}}
    if task == "regression":
        out["targets"] = [[v] for v in goal.numbers or ()]
        return out
    classes = _classes(table, goal)
    eye = [[float(j == k) for j in range(len(classes))] for k in range(len(classes))]
    out["targets"] = [eye[k] for k in goal.labels()[1]]
    out["class_names"] = list(classes)
    return out


__all__ = ["MAX_CLASSES", "MAX_CSV_BYTES", "MAX_CSV_CELLS", "MAX_CSV_COLUMNS", "MAX_CSV_ROWS",
           "CsvError", "limits", "parse", "preview", "preview_text", "to_inline"]
