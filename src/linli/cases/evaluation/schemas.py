"""What the evaluation API reads and writes: ratings, the reporter's say, unit figures."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Literal

from pydantic import Field

from linli.core.schemas import Schema


class RatingCreate(Schema):
    score: int = Field(ge=1, le=5, description="1 (poor) … 5 (excellent)")
    comment: str | None = Field(default=None, max_length=1000)


class RatingRead(Schema):
    score: int
    comment: str | None
    via: str = Field(description="token (the resident who reported) or staff")
    created_at: datetime


class ReporterConfirmIn(Schema):
    note: str | None = Field(default=None, max_length=1000)


class ReporterRefuseIn(Schema):
    reason: str = Field(min_length=1, max_length=1000, description="what is still wrong")


class ReporterFeedbackRead(Schema):
    ref: str
    status: str
    profile: str
    can_confirm: bool
    can_refuse: bool
    can_rate: bool
    confirmed: bool = Field(description="the reporter confirmed the latest fix (grid profile)")
    rating: RatingRead | None


# --- figures (linli.cases.evaluation) -------------------------------------------------------


class FiguresUnitRead(Schema):
    id: uuid.UUID
    code: str
    name: str
    name_zh: str | None
    kind: str


class StepFiguresRead(Schema):
    step: str
    finished: int = Field(description="steps of this kind that ended in the period")
    mean_minutes: float | None = Field(description="mean wall-clock minutes of those steps")
    with_deadline: int
    on_time: int
    on_time_rate: float | None
    overdue: int = Field(description="deadlines of this step missed in the period")


class FiguresRead(Schema):
    cases_closed: int
    first_time_fixed: int
    first_time_fix_rate: float | None
    steps_finished: int
    steps_with_deadline: int
    steps_on_time: int
    on_time_rate: float | None
    mean_handle_minutes: float | None
    satisfaction: float | None = Field(description="mean rating (1–5) given in the period")
    ratings: int
    returns: int
    disputes: int
    overdue: int
    steps: list[StepFiguresRead]


class UnitFiguresRead(Schema):
    unit: FiguresUnitRead
    start: datetime = Field(description="the period is [start, end)")
    end: datetime
    minutes_basis: Literal["wall"] = "wall"
    own: FiguresRead = Field(description="cases whose responsible unit is this unit itself")
    rollup: FiguresRead = Field(description="cases of every unit in its subtree")


class FiguresRow(Schema):
    unit: FiguresUnitRead
    figures: FiguresRead


class FiguresCompareRead(Schema):
    parent: FiguresUnitRead
    start: datetime
    end: datetime
    minutes_basis: Literal["wall"] = "wall"
    sort: str
    order: Literal["asc", "desc"]
    total: FiguresRead = Field(description="the parent's rollup")
    children: list[FiguresRow]


class SourceSeriesRead(Schema):
    source: str = Field(description="alarm, resident, patrol, hotline or staff")
    counts: list[int] = Field(description="cases opened on each day of `days`")


class UnitRatesRead(Schema):
    unit: FiguresUnitRead
    due: list[int] = Field(description="steps with a deadline that ended on each day")
    on_time: list[int] = Field(description="of those, the ones that met it")
    rates: list[float | None] = Field(description="on_time / due per day; null: no step")


class ResolutionBinRead(Schema):
    bin: str
    under_minutes: int | None = Field(description="upper bound (excluded); null: the rest")
    cases: int


class FiguresSeriesRead(Schema):
    unit: FiguresUnitRead
    timezone: str = Field(description="the site's zone, whose local days these are")
    days: list[date]
    opened: list[int] = Field(description="cases opened per day, all sources")
    by_source: list[SourceSeriesRead]
    on_time_by_unit: list[UnitRatesRead] = Field(description="each child unit of `unit`")
    resolution: list[ResolutionBinRead] = Field(
        description="cases closed in the period by time from report to close"
    )


# --- triage and duplicates ----------------------------------------------------------------
