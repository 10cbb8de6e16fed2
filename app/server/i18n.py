"""The interface's words: one strings table per language, declared once.

Every table is ``strings/<code>.json``: a flat object, keys grouped by view (``screen.cost``,
``transport.step``, …), values with ``{name}`` placeholders for what the code fills in, and
``<b>``/``<i>`` as their only markup. English is the reference: every other table must have
exactly its keys, the same placeholders and the same tags (checked when this module loads, so
a broken translation stops the server before it serves a page, and by a test).

The refusals a reader may meet (``refusal.*``: the server's and the engine's, see
refusals.py) are kept apart in ``strings/<code>.refusals.json`` and merged into the same table;
English takes the engine's templates from `dialboard.engine.messages`. A key given twice is an
error.

``pseudo`` is no file: it is English with every piece of text wrapped in ⟦…⟧ (placeholders
and tags kept outside), so a page shown in it reveals any word that bypasses the tables.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

from dialboard.engine.errors import Words
from dialboard.engine.messages import MESSAGES

STRINGS_DIR = Path(__file__).resolve().parent / "strings"
DEFAULT = "en"
PSEUDO = "pseudo"
_PLACEHOLDER = re.compile(r"\{(\w+)\}")
_TAG = re.compile(r"</?[a-z]+>")
# A text piece between tags and placeholders, for the pseudo-language.
_PIECES = re.compile(r"(</?[a-z]+>|\{\w+\})")


def placeholders(text: str) -> list[str]:
    return sorted(_PLACEHOLDER.findall(text))


def tags(text: str) -> list[str]:
    return sorted(_TAG.findall(text))


def _read(code: str) -> dict[str, str]:
    data = json.loads((STRINGS_DIR / f"{code}.json").read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in data.items()):
        raise ValueError(f"strings/{code}.json must be one object of strings")
    return data


def _merged(code: str) -> dict[str, str]:
    """A language's table: its page words, its refusals and (English) the engine's refusals."""
    parts = [_read(code), _read(f"{code}.refusals")] + ([MESSAGES] if code == DEFAULT else [])
    merged: dict[str, str] = {}
    for part in parts:
        twice = sorted(merged.keys() & part.keys())
        if twice:
            raise ValueError(f"strings/{code}: {twice[0]!r} is given twice")
        merged.update(part)
    return merged


def problems(reference: Mapping[str, str], table: Mapping[str, str]) -> list[str]:
    """How `table` differs from the reference in keys, placeholders or tags, in words."""
    found = [f"missing key {k!r}" for k in reference if k not in table]
    found += [f"unknown key {k!r}" for k in table if k not in reference]
    for key in reference.keys() & table.keys():
        if placeholders(reference[key]) != placeholders(table[key]):
            found.append(f"{key!r}: placeholders {placeholders(table[key])}, "
                         f"English has {placeholders(reference[key])}")
        if tags(reference[key]) != tags(table[key]):
            found.append(f"{key!r}: tags {tags(table[key])}, English has {tags(reference[key])}")
        if not table[key].strip():
            found.append(f"{key!r}: empty")
    return found


def _wrap(text: str) -> str:
    return "".join(piece if _PIECES.fullmatch(piece) or not piece.strip() else f"⟦{piece}⟧"
                   for piece in _PIECES.split(text))


def pseudo(table: Mapping[str, str]) -> dict[str, str]:
    """Every piece of text wrapped in ⟦…⟧; placeholders and tags stay outside the brackets."""
    return {key: _wrap(text) for key, text in table.items()}


@cache
def _tables() -> dict[str, dict[str, str]]:
    codes = sorted(p.stem for p in STRINGS_DIR.glob("*.json") if "." not in p.stem)
    tables = {code: _merged(code) for code in codes}
    english = tables[DEFAULT]
    for code, table in tables.items():
        found = problems(english, table)
        if found:
            raise ValueError(f"strings/{code}.json: " + "; ".join(found))
    tables[PSEUDO] = pseudo(english)
    return tables


def languages() -> list[dict[str, str]]:
    """The languages a reader can choose, each named in itself, English first."""
    codes = sorted(_tables(), key=lambda c: (c != DEFAULT, c))
    return [{"code": c, "name": _tables()[c]["language.name"]} for c in codes if c != PSEUDO]


def resolve(lang: str | None) -> str:
    """The table for a requested language: its own if there is one, else English."""
    return lang if lang in _tables() else DEFAULT


def table(lang: str | None) -> dict[str, str]:
    return _tables()[resolve(lang)]


def text(lang: str | None, key: str, **params: Any) -> str:
    """One string of a language, its placeholders filled."""
    return _PLACEHOLDER.sub(lambda m: str(params[m.group(1)]), table(lang)[key])


def say(lang: str | None, words: Words) -> str:
    """Refusal words in a language; a parameter that is itself words is said in it too."""
    return text(lang, words.key, **{k: say(lang, v) if isinstance(v, Words) else v
                                   for k, v in words.params.items()})


def page_context(lang: str | None) -> dict[str, Any]:
    """What the page template needs: the language, its table and the menu's languages."""
    code = resolve(lang)
    html_lang = DEFAULT if code == PSEUDO else code
    return {"lang": code, "html_lang": html_lang, "strings": table(code),
            "languages": languages(), "t": lambda key, **p: text(code, key, **p)}


_tables()  # a broken table stops the server at startup, not a reader mid-lesson
