"""Survey queries."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from linli.core.pagination import newest_first
from linli.participation.surveys.models import Survey, SurveyAnswer, SurveyQuestion, SurveyResponse
from linli.registry.models import Resident

SURVEY_ORDER = newest_first(Survey.created_at, Survey.id)


def surveys(where: ColumnElement[bool], *, status: str | None = None) -> Select[Any]:
    """Select the surveys in scope, optionally of one status."""
    stmt = select(Survey).where(where)
    if status is not None:
        stmt = stmt.where(Survey.status == status)
    return stmt


async def questions(session: AsyncSession, survey_id: uuid.UUID) -> list[SurveyQuestion]:
    """Return a survey's questions in order."""
    rows = await session.scalars(
        select(SurveyQuestion)
        .where(SurveyQuestion.survey_id == survey_id)
        .order_by(SurveyQuestion.position)
    )
    return list(rows)


def paths_above(path: str | None) -> list[str]:
    """Return the paths of a home's unit and of every unit above it ("/a/", "/a/b/", ...)."""
    if not path:
        return []
    ids = path.strip("/").split("/")
    return ["/" + "/".join(ids[: i + 1]) + "/" for i in range(len(ids))]


async def open_for_home(
    session: AsyncSession, home_path: str | None, now: datetime
) -> Sequence[Survey]:
    """Return the published, not yet closed surveys of the areas a home lies in, closing first."""
    paths = paths_above(home_path)
    if not paths:
        return []
    rows = await session.scalars(
        select(Survey)
        .where(
            Survey.status == "published",
            Survey.closes_at > now,
            Survey.opens_at <= now,
            Survey.org_path.in_(paths),
        )
        .order_by(Survey.closes_at, Survey.id)
        .limit(100)
    )
    return rows.all()


async def response_of(
    session: AsyncSession, survey_id: uuid.UUID, account_id: uuid.UUID, *, for_update: bool = False
) -> SurveyResponse | None:
    """Return a resident's response to a survey, if any."""
    stmt = select(SurveyResponse).where(
        SurveyResponse.survey_id == survey_id, SurveyResponse.account_id == account_id
    )
    if for_update:
        stmt = stmt.with_for_update()
    found: SurveyResponse | None = await session.scalar(stmt)
    return found


async def answered(
    session: AsyncSession, survey_ids: Sequence[uuid.UUID], account_id: uuid.UUID
) -> set[uuid.UUID]:
    """Return which of the surveys the resident has answered."""
    if not survey_ids:
        return set()
    rows = await session.scalars(
        select(SurveyResponse.survey_id).where(
            SurveyResponse.survey_id.in_(survey_ids), SurveyResponse.account_id == account_id
        )
    )
    return set(rows)


async def answers(session: AsyncSession, response_id: uuid.UUID) -> list[SurveyAnswer]:
    """Return a response's answers."""
    rows = await session.scalars(
        select(SurveyAnswer).where(SurveyAnswer.response_id == response_id)
    )
    return list(rows)


async def count_responses(session: AsyncSession, survey_id: uuid.UUID) -> int:
    """Return how many residents answered the survey."""
    found = await session.scalar(select(func.count()).where(SurveyResponse.survey_id == survey_id))
    return int(found or 0)


async def count_audience(session: AsyncSession, area_path: str) -> int:
    """Return how many residents the registry holds in the area."""
    found = await session.scalar(
        select(func.count()).where(Resident.org_path.startswith(area_path, autoescape=True))
    )
    return int(found or 0)


def survey_answers(survey_id: uuid.UUID) -> Select[uuid.UUID, str, datetime, SurveyAnswer]:
    """Select every answer of a survey with its response (response order, then question)."""
    return (
        select(SurveyResponse.id, SurveyResponse.actor, SurveyResponse.updated_at, SurveyAnswer)
        .outerjoin(SurveyAnswer, SurveyAnswer.response_id == SurveyResponse.id)
        .where(SurveyResponse.survey_id == survey_id)
        .order_by(SurveyResponse.created_at, SurveyResponse.id)
    )
