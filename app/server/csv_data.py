"""A teacher's CSV file → a preview of its columns, and the chosen columns → inline data.

Parsed with the standard library's `csv` (no pandas). Row numbers count as a spreadsheet does
(the header is row 1, blank lines count); columns are named by their header. Every refusal is a
CsvError whose words name the row and the column. docs/datasets.md has the rules and limits.
"""

import csv
import io
import math
import re
from dataclasses import dataclass
from typing import Any

import numpy as np

from dialboard.engine._inline import (
    MAX_INLINE_ROWS,
    MAX_INLINE_VALUES,
    SCALINGS,
    name_problem,
)
from dialboard.engine.errors import Words
from dialboard.server import i18n
from dialboard.server.refusals import Refused, said

MAX_CSV_BYTES = 4 * 2**20  # of UTF-8 text
MAX_CSV_ROWS = MAX_INLINE_ROWS  # data rows, the header not counted
MAX_CSV_COLUMNS = 1_000
MAX_CSV_CELLS = MAX_INLINE_VALUES  # data rows × columns
READER_ERRORS = {"refusal.csv.unclosed": "end of data", "refusal.csv.field_limit": "field limit",
                 "refusal.csv.after_quote": "expected after"}
MAX_CLASSES = 50  # distinct values a class column may have: one output each
PREVIEW_ROWS = 5
DELIMITERS = (",", ";", "\t")
MISSING = frozenset({"", "na", "n/a", "nan", "null", "none", "?"})  # compared case-folded
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
_DECIMAL_COMMA = re.compile(r"[+-]?\d+,\d+")


class CsvError(Refused):
    """A refusal in words that name the row and column."""


@dataclass(frozen=True)
class Column:
    name: str
    kind: str  # "number" (mostly numbers) or "text"
    cells: tuple[str, ...]  # stripped, one per data row
    numbers: tuple[float, ...] | None  # every cell as a finite number, when each one is
    problem: Words | None  # the first cell that keeps it from being used, in words

    def labels(self) -> tuple[tuple[str, ...], list[int]]:
        """Distinct values in order (numbers by value, each named as first written; text
        alphabetically) and each row's index among them."""
        keys: tuple[float | str, ...] = self.numbers or self.cells
        first: dict[float | str, str] = {}
        for key, cell in zip(keys, self.cells, strict=True):
            first.setdefault(key, cell)
        order = sorted(first)  # all floats or all strings
        index = {key: k for k, key in enumerate(order)}
        return tuple(first[key] for key in order), [index[key] for key in keys]


@dataclass(frozen=True)
class Table:
    columns: tuple[Column, ...]
    rows: tuple[int, ...]  # each data row's row number in the file
    delimiter: str

    def column(self, name: object, field: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        known = ", ".join(repr(c.name) for c in self.columns[:20])
        raise CsvError("refusal.csv.no_column", field=field, name=f"{name!r:.80}", known=known)


def _number(cell: str, delimiter: str) -> float | None:
    """The cell as a number, or None; NaN and ±inf are passed on for the caller to judge."""
    if "_" in cell:
        return None  # float() would take "1_000"; a file does not mean it
    try:
        return float(cell)
    except ValueError:
        if delimiter == ";" and _DECIMAL_COMMA.fullmatch(cell):
            return float(cell.replace(",", "."))  # "3,5": a decimal comma, as ";" files write
        return None


def _column(name: str, cells: list[str], rows: tuple[int, ...], delimiter: str) -> Column:
    try:  # the common case, a column of numbers, read at once
        fast = np.array(cells, dtype=np.float64)
    except ValueError:
        fast = None
    if fast is not None and np.isfinite(fast).all() and "_" not in "".join(cells):
        return Column(name, "number", tuple(cells), tuple(fast.tolist()), None)
    numbers: list[float] = []
    odd: list[int] = []  # cells that are not finite numbers: looked at one by one below
    for k, cell in enumerate(cells):
        v = _number(cell, delimiter)
        if v is None or not -math.inf < v < math.inf:  # NaN compares false
            odd.append(k)
        numbers.append(0.0 if v is None else v)
    missing = [k for k in odd if cells[k].casefold() in MISSING]
    absent = set(missing)
    text = [k for k in odd if k not in absent and _number(cells[k], delimiter) is None]
    kind = "number" if len(text) * 2 < len(cells) - len(missing) else "text"
    problem = None
    if missing:
        k = missing[0]
        shown = {"value": repr(cells[k])} if cells[k] else {}
        problem = said("refusal.csv.missing_shown" if shown else "refusal.csv.missing",
                       row=rows[k], column=repr(name), **shown)
    elif kind == "number" and odd:
        k = odd[0]
        problem = said("refusal.csv.text_in_numbers" if text and k == text[0] else
                       "refusal.csv.not_finite", row=rows[k], column=repr(name),
                       value=f"{cells[k]!r:.40}")
    clean = kind == "number" and problem is None
    return Column(name, kind, tuple(cells), tuple(numbers) if clean else None, problem)


def _delimiter(header_line: str) -> str:
    counts = [header_line.count(d) for d in DELIMITERS]
    return DELIMITERS[counts.index(max(counts))]  # a tie (none at all) means a comma


def _header(cells: list[str], row: int) -> list[str]:
    names = [c.strip() for c in cells]
    if len(names) > MAX_CSV_COLUMNS:
        raise CsvError("refusal.csv.too_wide", row=row, count=f"{len(names):,}",
                       limit=f"{MAX_CSV_COLUMNS:,}")
    if len(names) < 2:
        raise CsvError("refusal.csv.one_column", row=row, name=f"{names[0]!r:.80}")
    for k, name in enumerate(names):
        if not name:
            raise CsvError("refusal.csv.empty_header", row=row, column=k + 1)
        problem = name_problem(name)
        if problem:
            raise CsvError("refusal.csv.bad_name", row=row, column=k + 1, name=repr(name[:40]),
                           problem=problem)
        if name in names[:k]:
            raise CsvError("refusal.csv.same_name", row=row, first=names.index(name) + 1,
                           column=k + 1, name=repr(name))
    return names


def _text(text: str) -> str:
    try:
        size = len(text.encode("utf-8"))
    except UnicodeEncodeError as exc:
        row = text[:exc.start].count("\n") + 1
        raise CsvError("refusal.csv.unicode", row=row) from None
    if size > MAX_CSV_BYTES:
        raise CsvError("refusal.csv.too_big", size=f"{size / 2**20:.1f}",
                       limit=MAX_CSV_BYTES >> 20)
    return text.removeprefix("\ufeff")


def parse(text: str) -> Table:
    """The file's columns. Raises CsvError for a file that cannot be a table at all."""
    text = _text(text)
    first = next((line for line in io.StringIO(text, newline="") if line.strip()), "")
    delimiter = _delimiter(first)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    done = [0]  # the last line of the last whole record read
    try:
        header = next((c for c in reader if any(x.strip() for x in c)), None)
        if header is None:
            raise CsvError("refusal.csv.empty")
        names = _header(header, reader.line_num)
        done[0] = reader.line_num
        rows, data = _rows(reader, names, done)
    except csv.Error as exc:  # the csv module's few strict-mode errors, said in our words
        why = next((k for k, text in READER_ERRORS.items() if text in str(exc)), None)
        extra = {"limit": f"{csv.field_size_limit():,}"} if why == "refusal.csv.field_limit" else {}
        raise (CsvError(why, row=done[0] + 1, **extra) if why else CsvError(
            "refusal.csv.unreadable", row=done[0] + 1, detail=exc)) from None
    if not data:
        raise CsvError("refusal.csv.no_data")
    numbered = tuple(rows)
    columns = tuple(_column(n, list(cells), numbered, delimiter)
                    for n, cells in zip(names, zip(*data, strict=True), strict=True))
    return Table(columns, numbered, delimiter)


def _rows(reader: Any, names: list[str], done: list[int]) -> tuple[list[int], list[list[str]]]:
    rows: list[int] = []
    data: list[list[str]] = []
    for cells in reader:
        row = reader.line_num
        if not any(c.strip() for c in cells):
            continue  # a blank line, often the last one
        if len(cells) != len(names):
            short = {"column": repr(names[len(cells)])} if len(cells) < len(names) else {}
            raise CsvError("refusal.csv.short_row" if short else "refusal.csv.long_row", row=row,
                           count=len(cells), columns=len(names), **short)
        if len(data) >= MAX_CSV_ROWS or (len(data) + 1) * len(names) > MAX_CSV_CELLS:
            raise CsvError("refusal.csv.too_long", row=row, columns=len(names),
                           limit=f"{min(MAX_CSV_ROWS, MAX_CSV_CELLS // len(names)):,}")
        rows.append(row)
        data.append([c.strip() for c in cells])
        done[0] = row
    return rows, data


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
            k = next(k for k, v in enumerate(c.cells) if _number(v, table.delimiter) is None)
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
                       count=f"{len(classes):,}", limit=MAX_CLASSES)
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
