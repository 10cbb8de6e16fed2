"""Errors the engine raises. Every message says what to fix, by key and parameters.

A refusal is `Words`: the English sentence (a `str`, so Python readers and logs see English)
that also knows its key in the strings tables (``refusal.*``, templates in `messages.py`) and
its parameters, each already formatted as the English shows it (or itself `Words`, when one
sentence names another), so a page can say the same thing in its reader's language.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Union

from dialboard.engine.messages import MESSAGES

_PLACEHOLDER = re.compile(r"\{(\w+)\}")
Param = Union[str, "Words"]


class Words(str):
    """An English sentence with its key and parameters (see the module's docstring)."""

    key: str
    params: dict[str, Param]

    def __new__(cls, english: str, key: str, params: Mapping[str, Param]) -> Words:
        made = super().__new__(cls, english)
        made.key, made.params = key, dict(params)
        return made

    def __getnewargs__(self) -> tuple[Any, ...]:
        return str(self), self.key, self.params

    def as_json(self) -> dict[str, Any]:
        """``{"key", "params"}``: a parameter that is itself Words nests the same way."""
        return {"key": self.key, "params": {k: v.as_json() if isinstance(v, Words) else str(v)
                                            for k, v in self.params.items()}}


def fill(template: str, key: str, params: Mapping[str, object]) -> Words:
    """Words for `key` from its English `template`; a parameter missing or left over is a bug."""
    wanted = set(_PLACEHOLDER.findall(template))
    if wanted != set(params):
        raise KeyError(f"{key} takes {sorted(wanted)}, was given {sorted(params)}")
    kept = {k: v if isinstance(v, Words) else str(v) for k, v in params.items()}
    return Words(_PLACEHOLDER.sub(lambda m: str(kept[m.group(1)]), template), key, kept)


def count(n: int) -> str:
    """A count as the page writes it (static/js/lib/format.js `fmtCount`): from 10 000 its
    thousands set apart by a narrow no-break space, in every language, since the decimals beside
    it have a point in every language; four digits stand whole ("1438")."""
    return str(n) if abs(n) < 10_000 else f"{n:_}".replace("_", "\u202f")


def words(key: str, **params: object) -> Words:
    """The engine's words for `key` (unknown keys raise KeyError: a bug, not bad input)."""
    return fill(MESSAGES[key], key, params)


class _Refusal:
    words: Words

    def _said(self, key: str, params: dict[str, object]) -> Words:
        self.words = words(key, **params)
        return self.words


class ConfigError(_Refusal, ValueError):
    """A configuration, dataset or argument the engine cannot use."""

    def __init__(self, key: str, **params: object) -> None:
        super().__init__(self._said(key, params))


class DivergedError(_Refusal, RuntimeError):
    """Training was asked to go on after the cost or a parameter stopped being finite.
    Raised with the trainer's `diverged` Words (or a key and parameters)."""

    def __init__(self, key: str, **params: object) -> None:
        if isinstance(key, Words) and not params:
            self.words = key
            super().__init__(key)
        else:
            super().__init__(self._said(key, params))
