"""Lessons: every lesson file loads and fits its boards; broken files are refused in words;
the REST answers speak the reader's language; a presenter's place is relayed to the class."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import httpx
import pytest

from dialboard.server import i18n
from dialboard.server.lessons import (
    CONDITIONS,
    REGIONS,
    SETTINGS,
    LessonError,
    check_lesson,
    lessons,
    read_lesson,
)
from dialboard.server.session_config import build, resolve
from tests.server.live import DEADLINE, Client, Live, run

ROOT = Path(__file__).parents[2]
PAGE = (ROOT / "templates" / "index.html").read_text(encoding="utf-8")
LESSON_JS = (ROOT / "static" / "js" / "lib" / "lesson.js").read_text(encoding="utf-8")
LESSONS_DOC = (ROOT / "docs" / "lessons.md").read_text(encoding="utf-8")
WANTED = {"dial-board", "worked-example", "blame-flows-back", "nudges-averaged",
          "three-or-seven", "slope-of-one-dial"}


def test_the_six_lessons_of_the_issue_are_there() -> None:
    assert set(lessons()) >= WANTED


@pytest.mark.parametrize("lesson_id", sorted(lessons()))
def test_every_board_of_a_lesson_builds_and_every_dial_it_names_exists(lesson_id: str) -> None:
    board = None
    for n, step in enumerate(lessons()[lesson_id]["steps"], 1):
        if "board" in step:
            board = build(resolve(step["board"]), max_parameters=250_000)
        assert board is not None
        for dial in [step.get("select"), *step.get("locks", [])]:
            if dial and "index" in dial:  # a real board answers, not the file checker
                board.value(dial["name"], board.index_of(dial["name"], dial["index"]))
        assert set(step.get("settings", {})) <= set(SETTINGS), f"step {n}"


def _words(step: dict[str, Any]) -> list[dict[str, str]]:
    """A step's texts, each in every language it is written in."""
    return [w for w in (step.get("title"), step.get("text"), step.get("task", {}).get("text"))
            if w]


@pytest.mark.parametrize("lesson_id", sorted(lessons()))
def test_a_lesson_names_a_phase_as_the_page_shows_it(lesson_id: str) -> None:
    """A task read "The phase panel shows backward:2.": the engine's name, zero-based, which
    is nowhere on the page (its panel says "backward: blame for layer 3", its button ← 3)."""
    for n, step in enumerate(lessons()[lesson_id]["steps"], 1):
        for words in _words(step):
            for lang, text in words.items():
                assert not re.search(r"\b(forward|backward):\d", text), (n, lang, text)
        phase = step.get("task", {}).get("check", {}).get("phase", "")
        if phase.startswith("backward:"):
            layer = int(phase.split(":")[1]) + 1
            for lang, text in step["task"]["text"].items():
                shown = i18n.text(lang, "phase.backward_for", layer=layer)
                assert shown in text and f"← {layer}" in text, (n, lang, text, shown)


@pytest.mark.parametrize("lesson_id", sorted(lessons()))
def test_a_lesson_writes_numbers_as_the_page_does(lesson_id: str) -> None:
    """The page writes a decimal point in every language (lib/format.js); the German card
    read "z = 0,15·0,05 + … = 0,3775" beside a panel's "0.150·0.0500 + … = 0.378"."""
    lesson = lessons()[lesson_id]
    steps = [(0, [w for w in (lesson.get("title"), lesson.get("summary")) if w])]
    steps += [(n, _words(step)) for n, step in enumerate(lesson["steps"], 1)]
    for n, texts in steps:  # 0: the lesson's own title and summary
        for words in texts:
            for lang, text in words.items():
                assert not re.search(r"\d,\d", text), (n, lang, text)  # "0,35", "13,150"
                assert not re.search(r"\b[1-9]\d{0,2}\.\d{3}(?!\d)", text), (n, lang, text)


def test_every_region_is_on_the_page_and_every_check_in_the_page_script() -> None:
    for region in REGIONS:
        assert f'id="{region}"' in PAGE, region
    block = re.search(r"export const CHECKS = \{(.*?)\n\};", LESSON_JS, re.S)
    assert block
    assert set(re.findall(r"^\s+(\w+): \(", block.group(1), re.M)) == set(CONDITIONS)


def test_the_format_is_documented() -> None:
    for name in [*CONDITIONS, *REGIONS, "board", "fresh", "settings", "locks", "select",
                 "zoom", "run", "highlight", "task", "order", "summary"]:
        assert f"`{name}`" in LESSONS_DOC, name


def _lesson() -> dict[str, Any]:
    return copy.deepcopy(lessons()["worked-example"])


def _break(edit: Any) -> str:
    data = _lesson()
    edit(data)
    with pytest.raises(LessonError) as caught:
        check_lesson(data, "lessons/x.json")
    return str(caught.value)


@pytest.mark.parametrize(("edit", "words"), [
    (lambda d: d["steps"][0].pop("board"), "step 1: the first step must open a board"),
    (lambda d: d["steps"][1]["text"].pop("de"), "step 2: text: must be an object with a text"),
    (lambda d: d["steps"][2].update(select={"name": "layers.3.weight", "index": [0, 0]}),
     "step 3.select: no dial 'layers.3.weight'"),
    (lambda d: d["steps"][2].update(select={"name": "layers.1.weight", "index": [2, 0]}),
     "step 3.select: index [2, 0] is not in layers.1.weight of shape [2, 2]"),
    (lambda d: d["steps"][3].update(highlight=["screan"]), "step 4.highlight: no region 'screan'"),
    (lambda d: d["steps"][4].update(task={"text": d["title"], "check": {"phase": "backward:5"}}),
     "step 5.task.check.phase: 'backward:5' is no phase of this board"),
    (lambda d: d["steps"][4].update(task={"text": d["title"], "check": {"cost_under": 1}}),
     "step 5.task.check: unknown field 'cost_under'"),
    (lambda d: d["steps"][5].update(run={"steps": 0}), "step 6.run.steps: must be a whole number"),
    (lambda d: d["steps"][5].update(settings={"learning_rate": "fast"}),
     "step 6.settings.learning_rate: must be a finite number"),
    (lambda d: d["steps"][0]["board"].update(preset="xxor"), "step 1.board: preset: 'xxor'"),
    (lambda d: d["steps"][6].update(colour="red"), "step 7: unknown field 'colour'"),
    (lambda d: d.update(steps=[]), "steps must be a non-empty list"),
])
def test_a_broken_lesson_is_refused_naming_file_step_and_field(edit: Any, words: str) -> None:
    message = _break(edit)
    assert message.startswith("lessons/x.json") and words in message, message


def test_a_file_that_is_not_json_or_badly_named_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "my-lesson.json"
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(LessonError, match=r"lessons/my-lesson.json: not JSON"):
        read_lesson(bad)
    upper = tmp_path / "My Lesson.json"
    upper.write_text(json.dumps(_lesson()), encoding="utf-8")
    with pytest.raises(LessonError, match="lower-case letters, digits and dashes"):
        read_lesson(upper)


def test_the_worked_example_is_the_textbook_one() -> None:
    """The 2-2-2 example's numbers in its words are what the engine computes."""
    lesson = lessons()["worked-example"]
    t = build(resolve(lesson["steps"][0]["board"]), max_parameters=1000)
    assert round(t.cost(), 4) == 0.2984
    t.step(1)
    assert round(t.value("layers.1.weight", (0, 0)), 4) == 0.3589
    assert round(t.cost(), 4) == 0.2805
    words = " ".join(s["text"]["en"] for s in lesson["steps"])
    assert all(n in words for n in ("0.2984", "0.3589", "0.2805", "0.08217", "0.1385"))


def test_the_api_lists_and_serves_lessons_in_the_readers_language(live: Live) -> None:
    listed = httpx.get(f"{live.base}/api/lessons?lang=de", timeout=DEADLINE).json()
    assert [x["id"] for x in listed] == list(lessons())
    assert listed[0] == {"id": "dial-board", "title": "Das Reglerpult", "steps": 6,
                         "summary": lessons()["dial-board"]["summary"]["de"]}
    one = httpx.get(f"{live.base}/api/lessons/worked-example?lang=en", timeout=DEADLINE).json()
    assert one["steps"][1]["title"] == "Forward: the hidden layer"
    assert one["steps"][0]["board"]["dataset"]["inputs"] == [[0.05, 0.10]]
    pseudo = httpx.get(f"{live.base}/api/lessons/worked-example?lang=pseudo",
                       timeout=DEADLINE).json()
    assert pseudo["steps"][6]["task"]["text"] == i18n.pseudo(
        {"": lessons()["worked-example"]["steps"][6]["task"]["text"]["en"]})[""]
    assert pseudo["title"].startswith("⟦")
    missing = httpx.get(f"{live.base}/api/lessons/no-such", timeout=DEADLINE)
    assert missing.status_code == 404 and "no lesson 'no-such'" in missing.json()["detail"]


def test_the_presenters_place_reaches_viewers_and_late_joiners(live: Live) -> None:
    async def go() -> None:
        created = live.create(preset="xor")
        presenter = await Client.connect(live, created["id"])
        await presenter.json()
        await presenter.control(created["control_token"])
        early = await Client.connect(live, created["id"])
        assert (await early.json())["type"] == "hello"
        await presenter.send({"type": "lesson", "id": "worked-example", "step": 2})
        assert await early.json() == {"type": "lesson", "id": "worked-example", "step": 2}
        late = await Client.connect(live, created["id"])
        assert (await late.json())["type"] == "hello"
        assert await late.json() == {"type": "lesson", "id": "worked-example", "step": 2}
        for bad, words in [({"id": "nope"}, "no lesson 'nope'"),
                           ({"id": "worked-example", "step": 7}, "0 … 6 for worked-example"),
                           ({"id": 3}, "lesson.id must be a string")]:
            await presenter.send({"type": "lesson", **bad})
            reply = await presenter.json()
            while reply["type"] == "audience":
                reply = await presenter.json()
            assert reply["type"] == "error" and words in reply["message"], reply
        await early.send({"type": "lesson", "id": "worked-example", "step": 0})
        assert "watching" in (await early.json())["message"]
        await presenter.send({"type": "lesson"})
        assert await late.json() == {"type": "lesson", "id": None, "step": 0}
    run(go())
