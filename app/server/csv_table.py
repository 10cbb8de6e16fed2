"""A teacher's CSV file → a table of named columns: each one's kind, cells and first problem.

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

from dialboard.engine._inline import MAX_INLINE_ROWS, MAX_INLINE_VALUES, name_problem
from dialboard.engine.errors import Words, count
from dialboard.server.refusals import Refused, said

MAX_CSV_BYTES = 4 * 2**20  # of UTF-8 text
MAX_CSV_ROWS = MAX_INLINE_ROWS  # data rows, the header not counted
MAX_CSV_COLUMNS = 1_000
MAX_CSV_CELLS = MAX_INLINE_VALUES  # data rows × columns
READER_ERRORS = {"refusal.csv.unclosed": "end of data", "refusal.csv.field_limit": "field limit",
                 "refusal.csv.after_quote": "expected after"}
DELIMITERS = (",", ";", "\t")
MISSING = frozenset({"", "na", "n/a", "nan", "null", "none", "?"})  # compared case-folded
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


def number(cell: str, delimiter: str) -> float | None:
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
        v = number(cell, delimiter)
        if v is None or not -math.inf < v < math.inf:  # NaN compares false
            odd.append(k)
        numbers.append(0.0 if v is None else v)
    missing = [k for k in odd if cells[k].casefold() in MISSING]
    absent = set(missing)
    text = [k for k in odd if k not in absent and number(cells[k], delimiter) is None]
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
        raise CsvError("refusal.csv.too_wide", row=row, count=count(len(names)),
                       limit=count(MAX_CSV_COLUMNS))
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
        extra = {"limit": count(csv.field_size_limit())} if why == "refusal.csv.field_limit" else {}
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
                           limit=count(min(MAX_CSV_ROWS, MAX_CSV_CELLS // len(names))))
        rows.append(row)
        data.append([c.strip() for c in cells])
        done[0] = row
    return rows, data
