"""Refusals the server sends a reader, in words: a key of the strings tables and parameters.

English templates of the server's own refusals are ``strings/en.refusals.json``; the engine's
are `dialboard.engine.messages`; both are ``refusal.*`` keys of the English table (i18n.py), so
every language translates them. A refusal goes out as its English sentence (`detail`, or a
websocket error's `message`) with ``"words": {"key", "params"}`` beside it, which a page
renders in its own language (docs/protocol.md).
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from dialboard.engine.errors import Words, fill
from dialboard.server import i18n


def said(key: str | Words, **params: object) -> Words:
    """Words for a ``refusal.*`` key of the English table (an unknown key is a KeyError)."""
    if isinstance(key, Words):
        return key
    return fill(i18n.table(i18n.DEFAULT)[key], key, params)


def words_of(exc: BaseException) -> Words:
    """A refusal's own words; another exception's text (a library's, English) as it said it."""
    own = getattr(exc, "words", None)
    return own if isinstance(own, Words) else said("refusal.as_said", text=str(exc))


def in_field(field: str, exc: BaseException) -> Words:
    """The refusal, naming the config field at fault unless it already starts with it."""
    inner = words_of(exc)
    return inner if inner.startswith(field) else said("refusal.field", field=field, why=inner)


class Refused(ValueError):
    """A refusal in words; subclasses say where it comes from (a config, a CSV, a file)."""

    def __init__(self, key: str | Words, **params: object) -> None:
        self.words = said(key, **params)
        super().__init__(self.words)


class Refusal(Refused):
    """An HTTP refusal: status, key and parameters; answered by `install`'s handler."""

    def __init__(self, status: int, key: str | Words, headers: dict[str, str] | None = None,
                 **params: object) -> None:
        super().__init__(key, **params)
        self.status, self.headers = status, headers


def as_words(sentence: str) -> Words:
    """A sentence as words: a refusal's own, or one with no key yet as it was said."""
    return sentence if isinstance(sentence, Words) else said("refusal.as_said", text=sentence)


def words_json(sentence: str | None) -> dict[str, Any] | None:
    """`{"key", "params"}` of a sentence, or None when there is none."""
    return as_words(sentence).as_json() if sentence else None


def body(words: Words) -> dict[str, Any]:
    return {"detail": str(words), "words": words.as_json()}


def error_message(sentence: str, request_type: str | None, reason: str | None = "rejected"
                  ) -> dict[str, Any]:
    """A websocket `error` message: the English `message` and its `words` (a sentence that
    has no key yet is sent as it was said)."""
    words = as_words(sentence)
    return {"type": "error", "message": str(words), "words": words.as_json(),
            "request_type": request_type, "reason": reason}


def install(app: FastAPI) -> None:
    @app.exception_handler(Refusal)
    async def refused(request: Request, exc: Refusal) -> JSONResponse:
        return JSONResponse(body(exc.words), exc.status, headers=exc.headers)
