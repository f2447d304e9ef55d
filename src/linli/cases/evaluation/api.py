"""Evaluation HTTP API: the reporter's confirmation and rating, staff ratings, unit figures."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request

from linli.cases import service
from linli.cases.evaluation import comparison
from linli.cases.evaluation import service as evaluation_service
from linli.cases.evaluation.figures import Figures
from linli.cases.evaluation.schemas import (
    FiguresCompareRead,
    FiguresRead,
    FiguresRow,
    FiguresSeriesRead,
    FiguresUnitRead,
    RatingCreate,
    RatingRead,
    ReporterConfirmIn,
    ReporterFeedbackRead,
    ReporterRefuseIn,
    ResolutionBinRead,
    SourceSeriesRead,
    StepFiguresRead,
    UnitFiguresRead,
    UnitRatesRead,
)
from linli.cases.evaluation.series import BINS, Series
from linli.cases.intake import service as intake_service
from linli.core.schemas import Key, Secret
from linli.security.deps import DbSession, client_address, public, require
from linli.security.permissions import Principal

router = APIRouter(prefix="/api")

FiguresReader = Annotated[Principal, Depends(require("figures:read"))]
Start = Annotated[
    datetime | None,
    Query(alias="from", description="start of the period (included); no offset: unit's zone"),
]
End = Annotated[
    datetime | None, Query(alias="to", description="end of the period (excluded); default now")
]


def figures_read(figures: Figures) -> FiguresRead:
    """Return the API shape of one unit's figures."""
    return FiguresRead(
        cases_closed=figures.cases_closed,
        first_time_fixed=figures.first_time_fixed,
        first_time_fix_rate=figures.first_time_fix_rate,
        steps_finished=figures.steps_finished,
        steps_with_deadline=figures.steps_with_deadline,
        steps_on_time=figures.steps_on_time,
        on_time_rate=figures.on_time_rate,
        mean_handle_minutes=figures.mean_handle_minutes,
        satisfaction=figures.satisfaction,
        ratings=figures.ratings,
        returns=figures.returns,
        disputes=figures.disputes,
        overdue=figures.overdue,
        steps=[
            StepFiguresRead(
                step=s.step,
                finished=s.finished,
                mean_minutes=s.mean_minutes,
                with_deadline=s.with_deadline,
                on_time=s.on_time,
                on_time_rate=s.on_time_rate,
                overdue=s.overdue,
            )
            for s in figures.steps.values()
        ],
    )


async def _feedback(session: DbSession, token: str) -> ReporterFeedbackRead:
    found = await evaluation_service.feedback(session, token)
    return ReporterFeedbackRead(
        ref=found.case.ref,
        status=found.case.status,
        profile=found.case.profile,
        can_confirm=found.can_confirm,
        can_refuse=found.can_refuse,
        can_rate=found.can_rate,
        confirmed=found.confirmed,
        rating=RatingRead.model_validate(found.rating) if found.rating else None,
    )


# --- the reporter, with the follow-up token ----------------------------------------------


@router.get("/public/reports/{token}/feedback", dependencies=[Depends(public)], tags=["public"])
async def reporter_feedback(token: Secret, session: DbSession) -> ReporterFeedbackRead:
    """What the reporter may do now (confirm, refuse, rate) and the rating given, if any."""
    return await _feedback(session, token)


@router.post(
    "/public/reports/{token}/confirm",
    dependencies=[Depends(public)],
    tags=["public"],
    response_model=ReporterFeedbackRead,
)
async def reporter_confirm(
    token: Secret, request: Request, session: DbSession, body: ReporterConfirmIn | None = None
) -> ReporterFeedbackRead:
    """Confirm the fix of a handled case (verifies it in the town profile)."""
    await intake_service.spend_token(f"public-feedback:{client_address(request)}")
    await evaluation_service.confirm_fix(session, token, note=body.note if body else None)
    return await _feedback(session, token)


@router.post(
    "/public/reports/{token}/refuse",
    dependencies=[Depends(public)],
    tags=["public"],
    response_model=ReporterFeedbackRead,
)
async def reporter_refuse(
    token: Secret, body: ReporterRefuseIn, request: Request, session: DbSession
) -> ReporterFeedbackRead:
    """Refuse the fix of a handled case, saying what is still wrong: it goes back to work."""
    await intake_service.spend_token(f"public-feedback:{client_address(request)}")
    await evaluation_service.refuse_fix(session, token, reason=body.reason)
    return await _feedback(session, token)


@router.post(
    "/public/reports/{token}/rating",
    status_code=201,
    dependencies=[Depends(public)],
    tags=["public"],
    response_model=RatingRead,
)
async def reporter_rate(
    token: Secret, body: RatingCreate, request: Request, session: DbSession
) -> RatingRead:
    """Rate a handled, verified or closed case 1–5, once."""
    await intake_service.spend_token(f"public-feedback:{client_address(request)}")
    given = await evaluation_service.rate_by_token(
        session, token, score=body.score, comment=body.comment
    )
    return RatingRead.model_validate(given)


# --- staff --------------------------------------------------------------------------------


@router.post("/cases/{case_id}/rating", status_code=201, tags=["cases"])
async def staff_rate(
    case_id: uuid.UUID,
    body: RatingCreate,
    session: DbSession,
    principal: Annotated[Principal, Depends(require("cases:report"))],
) -> RatingRead:
    """Rate a case you reported (hotline, patrol), once it is handled."""
    given = await evaluation_service.rate_as_staff(
        session, case_id, principal=principal, score=body.score, comment=body.comment
    )
    return RatingRead.model_validate(given)


@router.get("/cases/{case_id}/ratings", tags=["cases"])
async def case_ratings(
    case_id: uuid.UUID,
    session: DbSession,
    principal: Annotated[Principal, Depends(require("cases:read"))],
) -> list[RatingRead]:
    """List a case's ratings."""
    case = await service.get_case(session, case_id, principal=principal)
    return [RatingRead.model_validate(r) for r in await evaluation_service.ratings(session, case)]


# --- figures ------------------------------------------------------------------------------


def unit_read(unit: object) -> FiguresUnitRead:
    """Return the short API shape of an org unit."""
    return FiguresUnitRead.model_validate(unit)


@router.get("/figures/units/{unit_id}", tags=["figures"])
async def unit_figures(
    unit_id: uuid.UUID,
    session: DbSession,
    principal: FiguresReader,
    start: Start = None,
    end: End = None,
) -> UnitFiguresRead:
    """A unit's figures for [from, to): its own cases and the rollup of its subtree."""
    found = await comparison.unit_figures(
        session, unit_id, principal=principal, start=start, end=end
    )
    return UnitFiguresRead(
        unit=unit_read(found.unit),
        start=found.period.start,
        end=found.period.end,
        own=figures_read(found.own),
        rollup=figures_read(found.rollup),
    )


@router.get("/figures/compare", tags=["figures"])
async def compare_figures(
    session: DbSession,
    principal: FiguresReader,
    parent: Annotated[uuid.UUID, Query(description="the unit whose children are compared")],
    start: Start = None,
    end: End = None,
    sort: Annotated[Key, Query(description=f"one of {', '.join(comparison.SORT_KEYS)}")] = "code",
    order: Literal["asc", "desc"] = "asc",
) -> FiguresCompareRead:
    """Each child unit of `parent` side by side for [from, to), sorted by `sort`."""
    found = await comparison.compare_children(
        session, parent, principal=principal, start=start, end=end, sort=sort, order=order
    )
    return FiguresCompareRead(
        parent=unit_read(found.parent),
        start=found.period.start,
        end=found.period.end,
        sort=found.sort,
        order=order,
        total=figures_read(found.total),
        children=[
            FiguresRow(unit=unit_read(unit), figures=figures_read(f)) for unit, f in found.rows
        ],
    )


def series_read(found: Series) -> FiguresSeriesRead:
    """Return the API shape of a unit's figures per day."""
    return FiguresSeriesRead(
        unit=unit_read(found.unit),
        timezone=found.timezone,
        days=found.days,
        opened=found.opened,
        by_source=[SourceSeriesRead(source=s, counts=c) for s, c in found.by_source.items()],
        on_time_by_unit=[
            UnitRatesRead(unit=unit_read(r.unit), due=r.due, on_time=r.on_time, rates=r.rates)
            for r in found.on_time
        ],
        resolution=[
            ResolutionBinRead(bin=key, under_minutes=limit, cases=found.resolution.get(key, 0))
            for key, limit in BINS
        ],
    )


@router.get("/figures/series", tags=["figures"])
async def figures_series(
    session: DbSession,
    principal: FiguresReader,
    unit: Annotated[uuid.UUID, Query(description="the unit (its subtree) to chart")],
    first: Annotated[
        date | None, Query(alias="from", description="first local day; default 30 days back")
    ] = None,
    last: Annotated[date | None, Query(alias="to", description="last local day (included)")] = None,
) -> FiguresSeriesRead:
    """A unit's figures per local day of its site: cases opened by source, each child unit's
    on-time rate, and how long closed cases took (for the charts of /figures)."""
    found = await comparison.unit_series(session, unit, principal=principal, first=first, last=last)
    return series_read(found)
