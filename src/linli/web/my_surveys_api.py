"""Surveys HTTP API for residents: the surveys of their area, and their answers.

It lives with the web adapters because its route rule is the residents' (`linli.residents.deps`),
which a domain's own API may not import."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends

from linli.participation.surveys import service
from linli.participation.surveys.answering import SEE
from linli.participation.surveys.models import text_in
from linli.participation.surveys.schemas import (
    AnswerRead,
    MyOption,
    MyQuestion,
    MySurvey,
    MySurveyDetail,
    MySurveyList,
    ResponseIn,
)
from linli.residents.deps import resident
from linli.residents.types import ResidentActor
from linli.security.deps import DbSession

router = APIRouter(prefix="/api/my", tags=["residents"])

Resident = Annotated[ResidentActor, Depends(resident(SEE))]


def detail(found: service.Answering, locale: str) -> MySurveyDetail:
    """Return a survey as the resident reads it, in their language, with their answers."""
    s = found.survey
    return MySurveyDetail(
        id=s.id,
        title=text_in(s.title, locale),
        intro=text_in(s.intro, locale),
        closes_at=s.closes_at,
        status=found.state,
        answered=found.response is not None,
        answered_at=found.response.updated_at if found.response else None,
        questions=[
            MyQuestion(
                id=q.id,
                position=q.position,
                kind=q.kind,
                required=q.required,
                text=text_in(q.text, locale),
                options=[
                    MyOption(key=str(o["key"]), text=text_in(o["text"], locale))  # type: ignore[arg-type]
                    for o in q.options
                ],
                scale_min=q.scale_min,
                scale_max=q.scale_max,
                low_label=text_in(q.low_label, locale) or None,
                high_label=text_in(q.high_label, locale) or None,
            )
            for q in found.questions
        ],
        answers=[AnswerRead.model_validate(a) for a in found.answers.values()],
    )


@router.get("/surveys")
async def my_surveys(session: DbSession, actor: Resident) -> MySurveyList:
    """List the open surveys of the resident's area they may answer, closing soonest first."""
    found = await service.my_surveys(session, actor)
    return MySurveyList(
        items=[
            MySurvey(
                id=f.survey.id,
                title=text_in(f.survey.title, actor.locale),
                intro=text_in(f.survey.intro, actor.locale),
                closes_at=f.survey.closes_at,
                status="open",
                answered=f.answered,
            )
            for f in found
        ]
    )


@router.get("/surveys/{survey_id}")
async def my_survey(survey_id: uuid.UUID, session: DbSession, actor: Resident) -> MySurveyDetail:
    """Return a survey of the resident's area with their answers so far."""
    found = await service.survey_for_resident(session, actor, survey_id)
    return detail(found, actor.locale)


@router.put("/surveys/{survey_id}/response")
async def answer_survey(
    survey_id: uuid.UUID, data: ResponseIn, session: DbSession, actor: Resident
) -> MySurveyDetail:
    """Answer a survey (replacing earlier answers) while it is open; an invalid answer refuses
    the whole response with 422 naming the question."""
    found = await service.submit_response(session, actor, survey_id, data)
    return detail(found, actor.locale)
