"""The strings tables: every language has exactly English's keys, placeholders and tags; the
page, /api/meta and the JavaScript use them and nothing else; the wheel ships them."""

from __future__ import annotations

import json
import re
import subprocess
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from dialboard.server import i18n
from dialboard.server.app import create_app
from dialboard.server.meta import meta_document
from dialboard.server.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
STRINGS = ROOT / "app" / "server" / "strings"
ENGLISH: dict[str, str] = json.loads((STRINGS / "en.json").read_text(encoding="utf-8"))
FILES = sorted(p for p in STRINGS.glob("*.json") if "." not in p.stem)  # a language each
REFUSAL_FILES = sorted(STRINGS.glob("*.refusals.json"))  # merged in (test_refusals.py)


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    with TestClient(create_app(Settings()), base_url="http://localhost") as test_client:
        yield test_client


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_language_has_englishs_keys_placeholders_and_tags(path: Path) -> None:
    table = json.loads(path.read_text(encoding="utf-8"))
    assert i18n.problems(ENGLISH, table) == []
    assert list(table) == list(ENGLISH), "same order as English, so the files read side by side"


def test_a_broken_translation_is_named_in_words() -> None:
    broken = {k: v for k, v in ENGLISH.items() if k != "screen.cost"}
    broken["screen.announce"] = "Kosten {kosten} bei Schritt {step}."
    broken["phase.ready"] = "Phase runs one part; <b>Step</b> all of it."
    broken["extra.key"] = "x"
    found = i18n.problems(ENGLISH, broken)
    assert "missing key 'screen.cost'" in found
    assert "unknown key 'extra.key'" in found
    assert any(f.startswith("'screen.announce': placeholders ['kosten', 'step']") for f in found)
    assert any(f.startswith("'phase.ready': tags") for f in found)


def test_the_german_table_is_a_translation_not_a_copy() -> None:
    german = json.loads((STRINGS / "de.json").read_text(encoding="utf-8"))
    same = [k for k, v in german.items() if v == ENGLISH[k]]
    # Names, symbols, units and single keys (P, T, Z) may stay the same; sentences may not.
    words = {k: re.findall(r"[A-Za-z]{4,}", re.sub(r"\{\w+\}", "", ENGLISH[k])) for k in same}
    assert all(len(w) <= 1 for w in words.values()), words
    assert len(same) < len(ENGLISH) // 10


def test_the_pseudo_language_is_derived_wraps_every_piece_and_keeps_placeholders() -> None:
    assert not (STRINGS / "pseudo.json").exists()
    pseudo = i18n.table("pseudo")
    assert pseudo["phase.ready"] == (
        "<b>⟦Phase⟧</b>⟦ runs one part of the next step; ⟧<b>⟦Step⟧</b>⟦ runs all of it.⟧")
    assert pseudo["screen.announce"] == "⟦Cost ⟧{cost}⟦ at step ⟧{step}⟦.⟧"
    for key, text in ENGLISH.items():
        assert i18n.placeholders(pseudo[key]) == i18n.placeholders(text)
        outside = re.sub(r"⟦[^⟦⟧]*⟧|\{\w+\}|</?[a-z]+>", "", pseudo[key])
        assert not outside.strip(), (key, outside)


def test_unknown_languages_fall_back_to_english() -> None:
    assert i18n.resolve("xx") == i18n.resolve(None) == i18n.resolve("") == "en"
    assert i18n.text("xx", "screen.announce", cost="0.1", step=3) == "Cost 0.1 at step 3."
    assert [entry["code"] for entry in i18n.languages()] == ["en", "de"]


def test_the_page_is_rendered_in_the_language_asked(client: TestClient) -> None:
    page = client.get("/?lang=de").text
    assert '<html lang="de" data-lang="de"' in page
    assert f"<title>{i18n.text('de', 'page.title')}</title>" in page
    assert f'aria-label="{i18n.text("de", "region.board")}"' in page
    strings = re.search(r'<script type="application/json" id="dialboard-strings">(.*?)</script>',
                        page, re.S)
    assert strings and json.loads(strings.group(1)) == i18n.table("de")
    assert '<option value="de" lang="de" selected>Deutsch</option>' in page
    assert '<html lang="en" data-lang="en"' in client.get("/?lang=xx").text
    assert '<html lang="en" data-lang="pseudo"' in client.get("/?lang=pseudo").text


def words_of(document: dict[str, Any]) -> list[str]:
    """Every word-bearing field of the meta document (titles, descriptions, labels)."""
    found: list[str] = []
    for group in ("hidden_activations", "output_activations", "losses", "learners", "settings"):
        for entry in document[group]:
            found += [entry[k] for k in ("title", "description", "label", "null_label")
                      if k in entry]
            found += [p[k] for p in entry.get("phases", []) for k in ("title", "words")]
    return found


def test_meta_speaks_the_language_asked(client: TestClient) -> None:
    german = client.get("/api/meta", params={"lang": "de"}).json()
    assert german["learners"][0]["title"] == i18n.text("de", "meta.learner.gradient_descent.title")
    assert client.get("/api/meta", params={"lang": "xx"}).json() == meta_document()
    pseudo = meta_document("pseudo")
    for words in words_of(pseudo):
        assert not re.sub(r"⟦[^⟦⟧]*⟧|</?[a-z]+>", "", words).strip(), words
    # Everything else (names, formulas, bounds) is the same in every language.
    english = meta_document()
    assert [e["name"] for e in german["learners"]] == [e["name"] for e in english["learners"]]
    assert german["losses"][0]["cost"] == english["losses"][0]["cost"]


def keymap() -> list[dict[str, Any]]:
    """static/js/keymap.js's KEYMAP, as the page reads it (through Node)."""
    script = ("import(process.argv[1]).then(m => console.log(JSON.stringify(m.KEYMAP)))")
    out = subprocess.run(["node", "-e", script, (ROOT / "static" / "js" / "keymap.js").as_uri()],
                         capture_output=True, text=True, check=True, timeout=60).stdout
    rows: list[dict[str, Any]] = json.loads(out)
    return rows


def keymap_ids() -> list[str]:
    return [row["id"] for row in keymap()]


def keys_used() -> set[str]:
    """Keys named in the JavaScript, the templates, the server's code and the meta document."""
    used: set[str] = set()
    sources = [*(ROOT / "static" / "js").rglob("*.js"), *(ROOT / "templates").glob("*.html"),
               *(ROOT / "app" / "server").glob("*.py")]
    for path in sources:
        used |= set(re.findall(r"""["'`]([a-z_]+(?:\.[a-z0-9_]+)+)["'`]""", path.read_text()))
    for row in keymap_ids():   # the key sheet: one row per key map row
        used |= {f"help.{row}.key", f"help.{row}.does"}
    used |= {f"{k}.{n}" for k in used for n in ("one", "other")}
    return used | set(meta_keys())


def meta_keys() -> list[str]:
    asked: list[str] = []
    text = i18n.text

    def recording(lang: str | None, key: str, **params: Any) -> str:
        asked.append(key)
        return text(lang, key, **params)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(i18n, "text", recording)
        meta_document()
    return asked


def test_every_key_is_used_and_every_key_used_exists() -> None:
    used = keys_used()
    unused = sorted(set(ENGLISH) - used - {"language.name"})
    assert not unused, f"keys nobody shows: {unused}"
    called = set()
    for path in (ROOT / "static" / "js").rglob("*.js"):
        called |= set(re.findall(r"""\btn?\(\s*["']([a-z_.0-9]+)["']""", path.read_text()))
    for path in (ROOT / "templates").glob("*.html"):
        called |= set(re.findall(r"""\bt\(\s*["']([a-z_.0-9]+)["']""", path.read_text()))
    missing = sorted(k for k in called if k not in ENGLISH and f"{k}.one" not in ENGLISH)
    assert not missing, f"keys shown but not in the table: {missing}"
    assert set(meta_keys()) <= set(ENGLISH)


def test_the_wheel_ships_every_table() -> None:
    """pyproject's package data takes in every strings file (the packaging test builds the
    wheel and serves the page from an installed copy, which needs them to start)."""
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    patterns = pyproject["tool"]["setuptools"]["package-data"]["dialboard.server"]
    base = ROOT / "app" / "server"
    shipped = {p for pattern in patterns for p in base.glob(pattern)}
    assert set(FILES) | set(REFUSAL_FILES) <= shipped


@pytest.mark.parametrize("path", ["/api/presets", "/api/datasets"])
def test_boards_and_datasets_speak_the_language_asked(client: TestClient, path: str) -> None:
    english = client.get(path).json()
    german = client.get(path, params={"lang": "de"}).json()
    pseudo = client.get(path, params={"lang": "pseudo"}).json()
    assert [e.get("id", e.get("name")) for e in german] == [
        e.get("id", e.get("name")) for e in english]
    assert any(g["title"] != e["title"] for g, e in zip(german, english, strict=True))
    for entry in pseudo:
        for words in (entry["title"], entry["description"]):
            assert not re.sub(r"⟦[^⟦⟧]*⟧", "", words).strip(" ,.:"), words


def test_csv_scalings_speak_the_language_asked(client: TestClient) -> None:
    body = {"text": "a,b,label\n1,2,x\n3,4,y\n5,6,x\n7,8,y\n"}
    german = client.post("/api/csv", json=body, params={"lang": "de"}).json()
    titles = {s["name"]: s["title"] for s in german["scalings"]}
    assert titles["standardise"] == i18n.text("de", "csv.scaling.standardise.title")
    english = client.post("/api/csv", json=body).json()
    assert {s["name"] for s in english["scalings"]} == set(titles)


# How the English key sheet names each KeyboardEvent.key the page handles (aliases: the key
# they stand in for, = for + and _ for −, which the sheet does not list twice).
KEY_NAMES = {"ArrowRight": "→", "ArrowLeft": "←", "Shift+ArrowRight": "Shift + →",
             "PageDown": "PageDown", "PageUp": "PageUp", " ": "Space", "p": "P", "P": "P",
             "t": "T", "T": "T", "?": "?", "z": "Z", "Z": "Z", "0": "0", "+": "+", "=": "+",
             "-": "−", "_": "−"}


def test_the_key_sheet_names_every_key_the_page_handles() -> None:
    for row in keymap():
        shown = ENGLISH[f"help.{row['id']}.key"]
        for key in row.get("keys", []):
            assert KEY_NAMES[key] in shown, (row["id"], key, shown)
        if "keys" in row:   # every key named in the sheet is one the page handles
            named = re.split(r"\s+or\s+|\s*/\s*|\s+\+\s+(?=\S+$)", shown)
            assert all(any(KEY_NAMES[k] in n or n in KEY_NAMES[k] for k in row["keys"])
                       for n in named), (row["id"], named)


def test_the_docs_key_table_is_the_key_map() -> None:
    doc = (ROOT / "docs" / "frontend.md").read_text()
    section = doc[doc.index("## Keys and clicker"):]
    section = section[: section.index("\n## ", 3)]
    keys = [line.split(" | ")[0].removeprefix("| ") for line in section.splitlines()
            if line.startswith("| ") and not line.startswith(("| key |", "| --- |"))]
    assert keys == [ENGLISH[f"help.{row['id']}.key"] for row in keymap()]
