"""Surveys HTTP API for staff: build, publish, close, results and their CSV; and the
satisfaction index the figures show."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from linli.core.deps import Paging
from linli.core.pagination import page_meta
from linli.org import service as org_service
from linli.participation.surveys import service
from linli.participation.surveys.models import Survey, text_in
from linli.participation.surveys.schemas import (
    CountRead,
    IndexCell,
    IndexPoint,
    OptionRead,
    QuestionRead,
    QuestionResult,
    SatisfactionRead,
    ServiceIndex,
    SurveyCreate,
    SurveyPage,
    SurveyRead,
    SurveyResults,
    SurveySummary,
    SurveyUpdate,
    UnitIndex,
)
from linli.security.deps import DbSession, require
from linli.security.permissions import Principal

router = APIRouter(prefix="/api", tags=["surveys"])

Reader = Annotated[Principal, Depends(require("surveys:read"))]
Writer = Annotated[Principal, Depends(require("surveys:write"))]


def survey_read(found: service.SurveyView) -> SurveyRead:
    """Return the API shape of a survey with its questions."""
    s = found.survey
    return SurveyRead(
        id=s.id,
        title=s.title,
        intro=s.intro,
        org_unit_id=s.org_unit_id,
        org_path=s.org_path,
        min_level=service.level_name(s),
        opens_at=s.opens_at,
        closes_at=s.closes_at,
        status=s.status,
        created_by=s.created_by,
        created_at=s.created_at,
        published_at=s.published_at,
        closed_at=s.closed_at,
        questions=[
            QuestionRead(
                id=q.id,
                position=q.position,
                kind=q.kind,
                required=q.required,
                text=q.text,
                options=[OptionRead.model_validate(o) for o in q.options],
                scale_min=q.scale_min,
                scale_max=q.scale_max,
                low_label=q.low_label,
                high_label=q.high_label,
                service=q.service,
                service_unit_id=q.service_unit_id,
            )
            for q in found.questions
        ],
    )


@router.get("/surveys")
async def list_surveys(
    session: DbSession,
    principal: Reader,
    paging: Paging,
    status: Literal["draft", "published", "closed"] | None = None,
) -> SurveyPage:
    """List the surveys of the caller's subtree, newest first."""
    page = await service.surveys_page(session, principal=principal, status=status, paging=paging)
    return SurveyPage(
        items=[SurveySummary.model_validate(s) for s in page.items], **page_meta(page)
    )


@router.post("/surveys", status_code=201)
async def create_survey(data: SurveyCreate, session: DbSession, principal: Writer) -> SurveyRead:
    """Create a draft survey of an area's residents."""
    return survey_read(await service.create_survey(session, data=data, principal=principal))


@router.get("/surveys/{survey_id}")
async def get_survey(survey_id: uuid.UUID, session: DbSession, principal: Reader) -> SurveyRead:
    """Return a survey with its questions."""
    survey = await service.get_survey(session, survey_id, principal=principal)
    return survey_read(await service.view(session, survey))


@router.patch("/surveys/{survey_id}")
async def update_survey(
    survey_id: uuid.UUID, data: SurveyUpdate, session: DbSession, principal: Writer
) -> SurveyRead:
    """Change a draft survey; `questions`, when given, replace all of them."""
    found = await service.update_survey(session, survey_id, data=data, principal=principal)
    return survey_read(found)


@router.post("/surveys/{survey_id}/publish")
async def publish_survey(survey_id: uuid.UUID, session: DbSession, principal: Writer) -> SurveyRead:
    """Publish a draft (every text written in every language)."""
    return survey_read(await service.publish_survey(session, survey_id, principal=principal))


@router.post("/surveys/{survey_id}/close")
async def close_survey(survey_id: uuid.UUID, session: DbSession, principal: Writer) -> SurveyRead:
    """Close a published survey now."""
    survey = await service.close_survey(session, survey_id, principal=principal)
    return survey_read(await service.view(session, survey))


@router.get("/surveys/{survey_id}/results")
async def survey_results(
    survey_id: uuid.UUID, session: DbSession, principal: Reader
) -> SurveyResults:
    """Return the survey's results: per question counts, mean, distribution and texts."""
    found = await service.survey_results(session, survey_id, principal=principal)
    return SurveyResults(
        survey_id=found.survey.id,
        responses=found.responses,
        audience=found.audience,
        response_rate=found.response_rate,
        questions=[
            QuestionResult(
                question_id=r.question.id,
                position=r.question.position,
                kind=r.question.kind,
                text=text_in(r.question.text, principal.locale),
                answered=r.answered,
                counts=[CountRead(key=k, count=n) for k, n in r.counts.items()],
                mean=r.mean,
                texts=r.texts,
            )
            for r in found.questions
        ],
    )


@router.get(
    "/surveys/{survey_id}/results.csv",
    responses={200: {"content": {"text/csv": {}}, "description": "one row per response"}},
)
async def survey_results_csv(
    survey_id: uuid.UUID, session: DbSession, principal: Reader
) -> Response:
    """Return every response as CSV: numbered, never with the resident's name."""
    survey = await service.get_survey(session, survey_id, principal=principal)
    unit = await org_service.get_unit(session, survey.org_unit_id)
    text = await service.results_csv(
        session,
        survey_id,
        principal=principal,
        locale=principal.locale,
        timezone=await org_service.site_timezone(session, unit),
    )
    return Response(
        text,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="survey-{_slug(survey)}.csv"'},
    )


def _slug(survey: Survey) -> str:
    return survey.id.hex[:8]


def _cell(tally: service.Tally) -> dict[str, Any]:
    return {
        "index": tally.index,
        "count": tally.count,
        "survey_answers": tally.surveys,
        "case_ratings": tally.ratings,
    }


@router.get("/figures/satisfaction", tags=["figures"])
async def satisfaction(
    session: DbSession,
    principal: Annotated[Principal, Depends(require("figures:read"))],
    unit: Annotated[uuid.UUID, Query(description="the unit (its subtree)")],
    first: Annotated[
        date | None, Query(alias="from", description="first local day; default 30 days back")
    ] = None,
    last: Annotated[date | None, Query(alias="to", description="last local day (included)")] = None,
) -> SatisfactionRead:
    """A unit's satisfaction index (0–100) from survey answers and case ratings: overall, per
    service, per child unit and per week; `index` is null below `min_sample` observations."""
    found = await service.satisfaction_index(
        session, unit, principal=principal, first=first, last=last
    )
    names = await service.service_names(session, principal.locale, list(found.services))
    return SatisfactionRead(
        unit_id=found.unit.id,
        start=found.first.isoformat(),
        end=found.last.isoformat(),
        min_sample=service.MIN_SAMPLE,
        overall=IndexCell(**_cell(found.overall)),
        services=[
            ServiceIndex(service=k, name=names[k], **_cell(t)) for k, t in found.services.items()
        ],
        children=[UnitIndex(unit_id=u.id, name=u.name, **_cell(t)) for u, t in found.children],
        weeks=[IndexPoint(start=d.isoformat(), **_cell(t)) for d, t in found.weeks],
    )
