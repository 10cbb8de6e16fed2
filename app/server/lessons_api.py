"""`GET /api/lessons` and `GET /api/lessons/{id}`: the lessons in the reader's language."""

from typing import Any

from fastapi import APIRouter

from dialboard.server.lessons import in_language, lessons
from dialboard.server.refusals import Refusal

router = APIRouter()


@router.get("/api/lessons")
async def list_lessons(lang: str | None = None) -> list[dict[str, Any]]:
    return [{"id": lesson_id, "title": in_language(lesson["title"], lang),
             "summary": in_language(lesson["summary"], lang), "steps": len(lesson["steps"])}
            for lesson_id, lesson in lessons().items()]


@router.get("/api/lessons/{lesson_id}")
async def one_lesson(lesson_id: str, lang: str | None = None) -> dict[str, Any]:
    lesson = lessons().get(lesson_id)
    if lesson is None:
        raise Refusal(404, "refusal.lesson.unknown", name=repr(lesson_id),
                      known=", ".join(lessons()))
    return {"id": lesson_id, **in_language(lesson, lang)}
