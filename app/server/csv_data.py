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
from dialboard.server import i18n

MAX_CSV_BYTES = 4 * 2**20  # of UTF-8 text
MAX_CSV_ROWS = MAX_INLINE_ROWS  # data rows, the header not counted
MAX_CSV_COLUMNS = 1_000
MAX_CSV_CELLS = MAX_INLINE_VALUES  # data rows × columns
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


class CsvError(ValueError):
    """A refusal in words that name the row and column."""


@dataclass(frozen=True)
class Column:
    name: str
    kind: str  # "number" (mostly numbers) or "text"
    cells: tuple[str, ...]  # stripped, one per data row
    numbers: tuple[float, ...] | None  # every cell as a finite number, when each one is
    problem: str | None  # the first cell that keeps it from being used, in words

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
        raise CsvError(f"{field}: the file has no column {name!r:.80}; its columns are {known}")


def _where(row: int, column: str) -> str:
    return f"row {row}, column {column!r}"


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
        shown = f" ({cells[k]!r})" if cells[k] else ""
        problem = (f"{_where(rows[k], name)}: the value is missing{shown}; fill it in or "
                   "drop the row")
    elif kind == "number" and odd:
        k = odd[0]
        what = ("is text in a column of numbers" if text and k == text[0]
                else "is not a finite number")
        problem = f"{_where(rows[k], name)}: {cells[k]!r:.40} {what}"
    clean = kind == "number" and problem is None
    return Column(name, kind, tuple(cells), tuple(numbers) if clean else None, problem)


def _delimiter(header_line: str) -> str:
    counts = [header_line.count(d) for d in DELIMITERS]
    return DELIMITERS[counts.index(max(counts))]  # a tie (none at all) means a comma


def _header(cells: list[str], row: int) -> list[str]:
    names = [c.strip() for c in cells]
    if len(names) > MAX_CSV_COLUMNS:
        raise CsvError(f"row {row} (the header) has {len(names):,} columns; at most "
                       f"{MAX_CSV_COLUMNS:,} are allowed: the file is too wide")
    if len(names) < 2:
        raise CsvError(f"row {row} (the header) has one column {names[0]!r:.80}; a board needs at "
                       "least an input column and a target column, separated by , ; or a tab")
    for k, name in enumerate(names):
        if not name:
            raise CsvError(f"row {row}, column {k + 1}: the header is empty; name every column")
        problem = name_problem(name)
        if problem:
            raise CsvError(f"row {row}, column {k + 1}: the name {name[:40]!r} {problem}")
        if name in names[:k]:
            raise CsvError(f"row {row}, columns {names.index(name) + 1} and {k + 1} are both "
                           f"named {name!r}; every column needs its own name")
    return names


def _text(text: str) -> str:
    try:
        size = len(text.encode("utf-8"))
    except UnicodeEncodeError as exc:
        row = text[:exc.start].count("\n") + 1
        raise CsvError(f"row {row}: the text holds a character that is not valid Unicode") from None
    if size > MAX_CSV_BYTES:
        raise CsvError(f"the file is {size / 2**20:.1f} MiB; at most {MAX_CSV_BYTES >> 20} MiB "
                       "are allowed")
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
            raise CsvError("the file is empty; it needs a header row and rows of data")
        names = _header(header, reader.line_num)
        done[0] = reader.line_num
        rows, data = _rows(reader, names, done)
    except csv.Error as exc:
        unclosed = " (a quote opened here is never closed)" if "end of data" in str(exc) else ""
        raise CsvError(f"row {done[0] + 1}: {exc}{unclosed}") from None
    if not data:
        raise CsvError("the file has a header row but no rows of data")
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
            missing = f" (no value for column {names[len(cells)]!r})" if len(cells) < len(
                names) else ""
            raise CsvError(f"row {row} has {len(cells)} values but the header names "
                           f"{len(names)} columns{missing}")
        if len(data) >= MAX_CSV_ROWS or (len(data) + 1) * len(names) > MAX_CSV_CELLS:
            raise CsvError(f"row {row}: the file has more rows than allowed: at most "
                           f"{min(MAX_CSV_ROWS, MAX_CSV_CELLS // len(names)):,} rows of data "
                           f"for {len(names)} columns")
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
            "name": c.name, "kind": c.kind, "problem": c.problem, "distinct": distinct,
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
        raise CsvError("inputs must be a list of one or more column names")
    picked = [table.column(name, "inputs") for name in inputs]
    goal = table.column(target, "target")
    if len(set(inputs)) != len(inputs):
        twice = next(n for n in inputs if inputs.count(n) > 1)
        raise CsvError(f"inputs: column {twice!r} is picked twice")
    if goal in picked:
        raise CsvError(f"target: column {goal.name!r} is also picked as an input; a board "
                       "cannot be given the answer it should find")
    for c in picked:
        if c.problem is not None:
            raise CsvError(c.problem)
        if c.numbers is None:
            k = next(k for k, v in enumerate(c.cells) if _number(v, table.delimiter) is None)
            raise CsvError(f"{_where(table.rows[k], c.name)}: {c.cells[k]!r:.40} is text; an "
                           "input column must hold numbers (pick it as the target instead?)")
    return picked, goal


def _task(goal: Column, task: object) -> str:
    if task is None:
        task = "classification" if goal.kind == "text" else "regression"
    if not isinstance(task, str) or task not in ("classification", "regression"):
        raise CsvError(f"task must be classification or regression, got {task!r:.40}")
    if goal.problem is not None:
        raise CsvError(goal.problem)
    if task == "regression" and goal.numbers is None:
        raise CsvError(f"target: column {goal.name!r} holds text ({goal.cells[0]!r:.40} in "
                       "the first row), so it can only be classes (task classification)")
    return str(task)


def _classes(table: Table, goal: Column) -> tuple[str, ...]:
    classes, _ = goal.labels()
    if len(classes) > MAX_CLASSES:
        raise CsvError(f"column {goal.name!r} has {len(classes):,} different values; a class "
                       f"column may have at most {MAX_CLASSES} (one output each). Is it a "
                       "name or an id?")
    if len(classes) < 2:
        raise CsvError(f"column {goal.name!r} has one class only ({classes[0]!r:.40}, rows "
                       f"{table.rows[0]} to {table.rows[-1]}); a class column needs at least two")
    for name in classes:
        problem = name_problem(name)
        if problem:
            k = goal.cells.index(name)
            raise CsvError(f"{_where(table.rows[k], goal.name)}: the class name {name[:40]!r} "
                           f"{problem}")
    return classes


def to_inline(spec: object) -> dict[str, Any]:
    """`{"text", "inputs", "target", "task"?, "scaling"?, "test_fraction"?}` → the inline data
    a session config holds: one-hot targets with their class names, or the numbers."""
    if not isinstance(spec, dict) or not isinstance(spec.get("text"), str):
        raise CsvError('must be {"text": the file, "inputs": [column names], "target": name}')
    unknown = sorted(set(spec) - set(SPEC_FIELDS))
    if unknown:
        raise CsvError(f"unknown field {unknown[0]!r:.40}; known fields: {', '.join(SPEC_FIELDS)}")
    scaling = spec.get("scaling", DEFAULT_SCALING)
    if not isinstance(scaling, str) or scaling not in SCALINGS:
        raise CsvError(f"scaling must be one of {', '.join(SCALINGS)}, got {scaling!r:.40}")
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
