"""Staff build a survey: its questions checked one by one, its texts in every language before
it is published, its service tags on known services and units the author may write."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from linli.cases.models import Category
from linli.core.errors import ValidationFailed
from linli.core.i18n import N_, SUPPORTED
from linli.org import service as org_service
from linli.org.models import OrgUnit
from linli.participation.surveys.errors import BadQuestion
from linli.participation.surveys.models import SCALES, SurveyQuestion, Texts
from linli.participation.surveys.schemas import QuestionIn
from linli.participation.surveys.schemas import Texts as TextsIn
from linli.security.permissions import Principal

# Community services a scale question may rate besides the case catalogue's major groups.
NAMED_SERVICES: dict[str, str] = {
    "community_centre": N_("Community centre"),
    "residents_committee": N_("Residents' committee"),
    "estate_management": N_("Estate management"),
    "security_guards": N_("Security guards"),
    "meal_help": N_("Meal help for seniors"),
    "facility_bookings": N_("Facility bookings"),
}
SCALE_OF = {"1-5": SCALES[0], "0-10": SCALES[1]}


def texts_of(given: TextsIn | None) -> Texts:
    """Return the languages given, trimmed, without the empty ones."""
    if given is None:
        return {}
    raw = given.model_dump()
    return {loc: text.strip() for loc in SUPPORTED if (text := raw.get(loc)) and text.strip()}


def missing_languages(texts: Texts | None) -> list[str]:
    """Return the site's languages a text lacks."""
    return [loc for loc in SUPPORTED if not (texts or {}).get(loc)]


async def category_groups(session: AsyncSession) -> dict[str, Category]:
    """Return the case catalogue's major groups by code."""
    rows = await session.scalars(select(Category).where(Category.parent_code.is_(None)))
    return {c.code: c for c in rows}


def check_dates(opens_at: datetime, closes_at: datetime) -> None:
    """Refuse a survey that closes before it opens."""
    if closes_at <= opens_at:
        raise ValidationFailed("a survey closes after it opens", code="bad_dates")


async def build_questions(
    session: AsyncSession,
    given: Sequence[QuestionIn],
    *,
    survey_id: uuid.UUID,
    area: OrgUnit,
    principal: Principal,
) -> list[SurveyQuestion]:
    """Return the questions as stored, each checked for its kind; the first fault is raised."""
    groups: dict[str, Category] | None = None
    built = []
    for position, q in enumerate(given, start=1):
        options = _options(position, q)
        scale = _scale(position, q)
        service, unit = None, None
        if q.service is not None:
            if q.kind != "scale":
                raise BadQuestion(position, "only a scale question rates a service")
            groups = groups if groups is not None else await category_groups(session)
            if q.service not in groups and q.service not in NAMED_SERVICES:
                raise BadQuestion(
                    position, f"no service '{q.service}'", code="bad_question_service"
                )
            service = q.service
            unit = area
            if q.service_unit_id is not None:
                unit = await org_service.get_unit(session, q.service_unit_id)
            principal.require("surveys:write", unit.path)
        elif q.service_unit_id is not None:
            raise BadQuestion(position, "a unit is given only with the service it rates")
        built.append(
            SurveyQuestion(
                survey_id=survey_id,
                position=position,
                kind=q.kind,
                required=q.required,
                text=texts_of(q.text),
                options=options,
                scale_min=scale[0] if scale else None,
                scale_max=scale[1] if scale else None,
                low_label=texts_of(q.low_label) if scale and q.low_label else None,
                high_label=texts_of(q.high_label) if scale and q.high_label else None,
                service=service,
                service_unit_id=unit.id if unit else None,
                service_path=unit.path if unit else None,
            )
        )
    return built


def _options(position: int, q: QuestionIn) -> list[dict[str, object]]:
    if q.kind not in ("single", "multiple"):
        if q.options:
            raise BadQuestion(position, "only choice questions have options")
        return []
    if len(q.options) < 2:
        raise BadQuestion(position, "a choice question has at least two options")
    keys = [o.key for o in q.options]
    if len(set(keys)) != len(keys):
        raise BadQuestion(position, "option keys repeat")
    return [{"key": o.key, "text": texts_of(o.text)} for o in q.options]


def _scale(position: int, q: QuestionIn) -> tuple[int, int] | None:
    if q.kind != "scale":
        if q.scale or q.low_label or q.high_label:
            raise BadQuestion(position, "only a scale question has a scale and end labels")
        return None
    if q.scale is None:
        raise BadQuestion(position, "a scale question says its scale: 1-5 or 0-10")
    if q.low_label is None or q.high_label is None:
        raise BadQuestion(position, "a scale question labels both its ends")
    return SCALE_OF[q.scale]


def untranslated(title: Texts, intro: Texts, questions: Sequence[SurveyQuestion]) -> str | None:
    """Return what still lacks a language (None: all is written in every language)."""
    if missing_languages(title):
        return "the title"
    if intro and missing_languages(intro):
        return "the introduction"
    for q in questions:
        texts = [q.text, *(o["text"] for o in q.options), q.low_label, q.high_label]
        for text in texts:
            if text is not None and missing_languages(text):  # type: ignore[arg-type]
                return f"question {q.position}"
    return None
