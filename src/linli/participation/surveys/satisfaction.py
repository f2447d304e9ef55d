"""The satisfaction index of a unit per service, per child unit and per week, on 0–100.

Two kinds of observation feed it, each counting once:

* a resident's answer to a scale question tagged with a service and a unit:
  (value − lowest) / (highest − lowest) × 100, so 4 on 1–5 and 7.5 on 0–10 both give 75;
* a reporter's rating of a case (1–5 stars): (stars − 1) × 25, for the service of the case's
  category's major group (`env`, `sanitation`…) and the case's responsible unit (where it was
  sent, else where it happened), as the unit figures count it.

An observation belongs to a unit when its unit lies in the unit's subtree, and to the period
when it was given in it (a survey answer: when last changed). The index is the mean of the
observations, shown only from `MIN_SAMPLE` of them (fewer say too little about a service);
the counts of each kind are always given. Weeks are runs of seven local days of the site from
the period's first day. Each kind is one grouped query whatever the number of observations.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Float, Integer, and_, cast, extract, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from linli.cases.evaluation.models import CaseRating
from linli.cases.models import Case, Category
from linli.core import clock
from linli.core.errors import NotFound, ValidationFailed
from linli.core.i18n import translations
from linli.org import service as org_service
from linli.org.models import OrgUnit
from linli.participation.surveys.building import NAMED_SERVICES, category_groups
from linli.participation.surveys.models import SurveyAnswer, SurveyQuestion, SurveyResponse
from linli.security.permissions import Principal

MIN_SAMPLE = 10
WEEK = 7
INDEX_MAX_DAYS = 366
DEFAULT_DAYS = 30
QUARTER = 15 * 60  # seconds: every zone's offset is a whole number of quarter hours


@dataclass
class Tally:
    """Observations added up: their scores' sum and how many of each kind."""

    total: float = 0.0
    surveys: int = 0
    ratings: int = 0

    @property
    def count(self) -> int:
        return self.surveys + self.ratings

    @property
    def index(self) -> float | None:
        return round(self.total / self.count, 1) if self.count >= MIN_SAMPLE else None

    def add(self, total: float, count: int, *, survey: bool) -> None:
        self.total += total
        if survey:
            self.surveys += count
        else:
            self.ratings += count


@dataclass
class Satisfaction:
    """A unit's index over local days `first`..`last` of its site."""

    unit: OrgUnit
    first: date
    last: date
    timezone: str
    overall: Tally = field(default_factory=Tally)
    services: dict[str, Tally] = field(default_factory=dict)
    children: list[tuple[OrgUnit, Tally]] = field(default_factory=list)
    weeks: list[tuple[date, Tally]] = field(default_factory=list)


def _quarter(dialect: str, column: Any) -> Any:
    if dialect == "postgresql":
        return func.floor(cast(extract("epoch", column), Float) / QUARTER)
    return cast(func.strftime("%s", column), Integer) / QUARTER


def _survey_rows(unit: OrgUnit, start: datetime, end: datetime, dialect: str) -> Any:
    child = aliased(OrgUnit)
    span = SurveyQuestion.scale_max - SurveyQuestion.scale_min
    score = cast(SurveyAnswer.value - SurveyQuestion.scale_min, Float) * 100.0 / span
    quarter = _quarter(dialect, SurveyResponse.updated_at)
    return (
        select(quarter, SurveyQuestion.service, child.id, func.sum(score), func.count())
        .select_from(SurveyAnswer)
        .join(SurveyQuestion, SurveyQuestion.id == SurveyAnswer.question_id)
        .join(SurveyResponse, SurveyResponse.id == SurveyAnswer.response_id)
        .outerjoin(
            child,
            and_(child.parent_id == unit.id, SurveyQuestion.service_path.startswith(child.path)),
        )
        .where(
            SurveyQuestion.service.is_not(None),
            SurveyAnswer.value.is_not(None),
            SurveyQuestion.service_path.startswith(unit.path, autoescape=True),
            SurveyResponse.updated_at >= start,
            SurveyResponse.updated_at < end,
        )
        .group_by(quarter, SurveyQuestion.service, child.id)
    )


def _rating_rows(unit: OrgUnit, start: datetime, end: datetime, dialect: str) -> Any:
    child = aliased(OrgUnit)
    path = func.coalesce(Case.assigned_path, Case.org_path)
    service = func.coalesce(Category.parent_code, Category.code)
    quarter = _quarter(dialect, CaseRating.created_at)
    score = cast(CaseRating.score - 1, Float) * 25.0
    return (
        select(quarter, service, child.id, func.sum(score), func.count())
        .select_from(CaseRating)
        .join(Case, Case.id == CaseRating.case_id)
        .join(Category, Category.code == Case.category_code)
        .outerjoin(child, and_(child.parent_id == unit.id, path.startswith(child.path)))
        .where(
            path.startswith(unit.path, autoescape=True),
            CaseRating.created_at >= start,
            CaseRating.created_at < end,
        )
        .group_by(quarter, service, child.id)
    )


async def satisfaction_index(
    session: AsyncSession,
    unit_id: uuid.UUID,
    *,
    principal: Principal,
    first: date | None = None,
    last: date | None = None,
) -> Satisfaction:
    """Return the unit's satisfaction index over local days `first`..`last` (both included;
    default: the 30 days up to today)."""
    unit = await session.get(OrgUnit, unit_id)
    if unit is None or not principal.can("figures:read", unit.path):
        raise NotFound("no unit whose figures you may read", code="unit_not_found")
    timezone = await org_service.site_timezone(session, unit)
    zone = ZoneInfo(timezone)
    last = last or clock.now().astimezone(zone).date()
    first = first or last - timedelta(days=DEFAULT_DAYS - 1)
    if first > last:
        raise ValidationFailed("the first day must not be after the last", code="bad_period")
    if (last - first).days >= INDEX_MAX_DAYS:
        raise ValidationFailed(f"a period has at most {INDEX_MAX_DAYS} days", code="bad_period")
    start = datetime.combine(first, time(), zone).astimezone(UTC)
    end = datetime.combine(last + timedelta(days=1), time(), zone).astimezone(UTC)
    found = Satisfaction(unit, first, last, timezone)
    children = list(
        await session.scalars(
            select(OrgUnit).where(OrgUnit.parent_id == unit.id).order_by(OrgUnit.code)
        )
    )
    by_child = {c.id: Tally() for c in children}
    starts = [first + timedelta(days=d) for d in range(0, (last - first).days + 1, WEEK)]
    weeks = [Tally() for _ in starts]
    dialect = session.get_bind().dialect.name
    for survey, stmt in (
        (True, _survey_rows(unit, start, end, dialect)),
        (False, _rating_rows(unit, start, end, dialect)),
    ):
        for quarter, service, child_id, total, count in await session.execute(stmt):
            total, count = float(total or 0.0), int(count)
            found.overall.add(total, count, survey=survey)
            found.services.setdefault(service, Tally()).add(total, count, survey=survey)
            if child_id in by_child:
                by_child[child_id].add(total, count, survey=survey)
            at = datetime.fromtimestamp(int(quarter) * QUARTER, UTC).astimezone(zone).date()
            week = (at - first).days // WEEK
            if 0 <= week < len(weeks):
                weeks[week].add(total, count, survey=survey)
    found.services = dict(sorted(found.services.items(), key=lambda kv: (-kv[1].count, kv[0])))
    found.children = [(c, by_child[c.id]) for c in children]
    found.weeks = list(zip(starts, weeks, strict=True))
    return found


async def service_names(
    session: AsyncSession, locale: str, keys: Sequence[str] | None = None
) -> dict[str, str]:
    """Return the names of the services a question may rate, in `locale`: the case
    catalogue's major groups, then the named community services."""
    gettext = translations(locale).gettext
    names = {
        code: group.name_in(locale) for code, group in (await category_groups(session)).items()
    }
    names |= {key: gettext(label) for key, label in NAMED_SERVICES.items()}
    if keys is not None:
        return {k: names.get(k, k) for k in keys}
    return names
