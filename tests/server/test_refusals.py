"""Every refusal a reader may meet is said by key, in English and German: the raise sites name
keys that exist with the parameters they fill, German translates them, and a real websocket
client and REST client get `words` that render in German."""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from dialboard.engine import ConfigError, DivergedError
from dialboard.engine.errors import count
from dialboard.engine.messages import MESSAGES
from dialboard.server import i18n
from dialboard.server.app import create_app
from dialboard.server.protocol import Rejected
from dialboard.server.refusals import Refusal
from dialboard.server.settings import Settings
from tests.server.live import Client, Live, opened, run

ROOT = Path(__file__).resolve().parents[2]
ENGLISH, GERMAN = i18n.table("en"), i18n.table("de")
REFUSALS = sorted(k for k in ENGLISH if k.startswith("refusal."))
# Where German is rightly the same as English: only placeholders and punctuation.
SAME_IN_EVERY_LANGUAGE = {"refusal.as_said", "refusal.field", "refusal.list"}
# The exceptions (and helpers) that take a refusal key first; Refusal and RoomError take the
# HTTP status before it.
ENGINE = {"ConfigError", "DivergedError", "words"}  # the engine's own table: MESSAGES
KEYED = {"ConfigError", "DivergedError", "Rejected", "Refused", "CsvError", "InvalidConfig",
         "BoardFileError", "DecodeError", "TooManySessions", "said", "words"}
STATUS_FIRST = {"Refusal", "RoomError"}


def _key_argument(call: ast.Call) -> ast.expr | None:
    name = call.func.id if isinstance(call.func, ast.Name) else getattr(call.func, "attr", "")
    at = 0 if name in KEYED else 1 if name in STATUS_FIRST else None
    return call.args[at] if at is not None and len(call.args) > at else None


def raise_sites() -> Iterator[tuple[str, ast.Call, ast.expr]]:
    for path in sorted((ROOT / "app").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and (arg := _key_argument(node)) is not None:
                yield f"{path.relative_to(ROOT)}:{node.lineno}", node, arg


def keys_named(arg: ast.expr) -> list[str] | None:
    """The keys a key argument can be: a literal, or either literal of `a if … else b`."""
    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
        return [arg.value]
    if isinstance(arg, ast.IfExp):
        both = [keys_named(arg.body), keys_named(arg.orelse)]
        return [k for side in both for k in side or ["(not a literal)"]]
    assert not isinstance(arg, ast.JoinedStr), "a key is written out whole, so it can be found"
    return None  # a variable: Words handed on, checked where they were made


def test_every_raise_site_names_a_key_of_the_english_table_with_its_parameters() -> None:
    checked = 0
    for where, call, arg in raise_sites():
        keys = keys_named(arg)
        if keys is None:
            continue
        assert keys, f"{where}: no key of the English table matches"
        given = {k.arg for k in call.keywords if k.arg not in (None, "headers")}
        splat = any(k.arg is None for k in call.keywords)
        engine = getattr(call.func, "id", getattr(call.func, "attr", "")) in ENGINE
        for key in keys:
            assert key.startswith("refusal.") and key in ENGLISH, f"{where}: {key!r} is no key"
            assert key in MESSAGES or not engine, f"{where}: {key!r} is not the engine's"
            wanted = set(i18n.placeholders(ENGLISH[key]))
            assert given <= wanted if splat else given == wanted, (where, key, given, wanted)
            checked += 1
    assert checked > 150, "the scan found the raise sites"


def test_the_engine_templates_are_the_english_tables_and_german_translates_them() -> None:
    assert {k: ENGLISH[k] for k in MESSAGES} == MESSAGES
    assert i18n.problems(ENGLISH, GERMAN) == []
    same = [k for k in REFUSALS if GERMAN[k] == ENGLISH[k] and k not in SAME_IN_EVERY_LANGUAGE]
    assert not same, f"refusals not translated: {same}"
    for key in SAME_IN_EVERY_LANGUAGE:
        assert not re.sub(r"\{\w+\}", "", ENGLISH[key]).strip(" :;"), key


def test_an_unknown_key_or_a_wrong_parameter_is_a_bug_not_a_sentence() -> None:
    with pytest.raises(KeyError):
        ConfigError("refusal.no_such_key")
    with pytest.raises(KeyError):
        ConfigError("refusal.setting.positive", name="learning_rate")  # no value
    with pytest.raises(KeyError):
        Refusal(422, "refusal.no_such_key")
    with pytest.raises(KeyError):
        Rejected("refusal.no_such_key")
    exc = ConfigError("refusal.setting.positive", name="learning_rate", value="-1")
    assert str(exc) == "learning_rate must be greater than 0, not -1"
    assert exc.words.as_json() == {"key": "refusal.setting.positive",
                                   "params": {"name": "learning_rate", "value": "-1"}}
    assert isinstance(DivergedError(exc.words).words, str)


# A number grouped the English or the German way ("10,000", "1.000.000"): the page writes
# counts as static/js/lib/format.js `fmtCount` does, and decimals with a point in every language.
GROUPED = re.compile(r"\d[,.]\d{3}(?!\d)")


def test_counts_in_refusals_are_grouped_as_the_page_groups_them() -> None:
    assert [count(n) for n in (0, 1438, 9999, -9999, 10_000, 1_234_567, -20_000)] == [
        "0", "1438", "9999", "-9999", "10\u202f000", "1\u202f234\u202f567", "-20\u202f000"]
    grouped = [(lang, k) for lang, table in (("en", ENGLISH), ("de", GERMAN))
               for k in REFUSALS if GROUPED.search(re.sub(r"\{\w+\}", "", table[k]))]
    assert not grouped, grouped
    made = [(p.name, n) for p in (ROOT / "app").rglob("*.py")
            for n, line in enumerate(p.read_text().splitlines(), 1) if ":,}" in line]
    assert not made, f"counts formatted the English way, not with count(): {made}"


def render(lang: str, words: dict[str, Any]) -> str:
    """Words as a page renders them: by key, nested parameters first (the test's own)."""
    params = {k: render(lang, v) if isinstance(v, dict) else v
              for k, v in words["params"].items()}
    return i18n.text(lang, words["key"], **params)


def assert_german(words: dict[str, Any], english: str, key: str) -> str:
    assert words["key"] == key, words
    assert render("en", words) == english, "the words say what the English says"
    german = render("de", words)
    assert german != english and "{" not in german, german
    return german


def test_websocket_refusals_carry_words_that_german_renders(live: Live) -> None:
    async def go() -> None:
        c, created, _ = await opened(live, "xor")
        await c.send({"type": "configure", "learning_rate": -1})
        err = await c.json()
        german = assert_german(err["words"], err["message"], "refusal.setting.positive")
        assert german == "learning_rate muss größer als 0 sein, nicht -1"
        await c.send({"type": "undo"})
        err = await c.json()
        assert assert_german(err["words"], err["message"], "refusal.undo.nothing") == \
            "es gibt nichts rückgängig zu machen"
        await c.send({"type": "step", "count": 0})
        err = await c.json()
        assert assert_german(err["words"], err["message"], "refusal.step.count") == \
            "count muss 1 … 1\u202f000\u202f000 sein, nicht 0"

        watcher = await Client.connect(live, created["id"])
        assert (await watcher.json())["type"] == "hello"
        await watcher.send({"type": "step"})
        err = await watcher.json()
        assert_german(err["words"], err["message"], "refusal.watching")

        # So large that the first update pushes a weight past ±1e8 (XOR's sigmoids saturate
        # and bound the cost, so a mere 1e6 does not run away).
        await c.send({"type": "configure", "learning_rate": 1e12})
        await c.frame(learning_rate="1000000000000.0")
        await c.send({"type": "step"})
        err = await c.json()
        assert err["reason"] == "diverged"
        german = assert_german(err["words"], err["message"], "refusal.diverged")
        assert german.startswith("das Training ist bei Schritt 1 divergiert: die ")
        assert err["words"]["params"]["why"]["key"].startswith("refusal.why.")
        frame = await c.frame()
        assert json.loads(frame.meta["diverged_words"]) == err["words"]
        assert frame.meta["diverged"] == err["message"]

    run(go())


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    with TestClient(create_app(Settings()), base_url="http://localhost") as test_client:
        yield test_client


def test_rest_refusals_carry_words_that_german_renders(client: TestClient) -> None:
    bad = client.post("/api/sessions", json={"preset": "xor", "momentum": 2})
    assert bad.status_code == 422
    body = bad.json()
    assert_german(body["words"], body["detail"], "refusal.setting.range")
    assert body["detail"] == "momentum must be at least 0.0 and below 1.0, not 2"

    csv = client.post("/api/csv", params={"lang": "de"},
                      json={"text": "x,y,label\n1,2,a\n3,4\n"})
    assert csv.status_code == 422
    body = csv.json()
    german = assert_german(body["words"], body["detail"], "refusal.csv.short_row")
    assert german == ("Zeile 3 hat 2 Werte, die Kopfzeile nennt aber 3 Spalten "
                      "(kein Wert für Spalte 'label')")

    nested = client.post("/api/sessions", json={"preset": "xor", "locked": [7]}).json()
    assert nested["words"]["key"] == "refusal.field"
    assert render("de", nested["words"]) == (
        "locked[0]: muss ein Parametername oder {name, index} sein")


def test_a_csv_columns_problem_is_in_the_language_asked(client: TestClient) -> None:
    body = {"text": "x,y\n1,2\nNA,3\n5,6\n"}
    german = client.post("/api/csv", params={"lang": "de"}, json=body).json()
    assert german["columns"][0]["problem"] == (
        "Zeile 3, Spalte 'x': der Wert fehlt ('NA'); trag ihn ein oder lass die Zeile weg")
