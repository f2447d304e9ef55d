"""Figures of how units handle cases over a period, computed in SQL from the case timeline.

A case counts for its responsible unit: the unit it is assigned to, or — while it has none (not
yet dispatched, or handed back) — the unit where it happened. A unit's rollup takes in every case
whose responsible unit lies in its subtree, so a street adds up its communities and grids.

For a period [start, end):

* cases closed: cases whose status is `closed` with `closed_at` in the period;
* first-time fix: of those, the ones never sent back by `fail_verification`;
* steps (register, dispatch, accept, handle, verify): a step runs from the timeline event that
  enters it to the next event that leaves it; a step counts when it ends in the period. Minutes
  are wall-clock minutes (the deadline itself follows the work calendar). A step is on time when
  it ended no later than the deadline set when it began (an escalation's fresh deadline does not
  excuse the missed one);
* overdue: step deadlines falling in the period (and already past) that the step did not meet,
  whether it finished late or is still running;
* satisfaction: mean and number of ratings given in the period;
* returns: `return` events in the period, counted for the unit that handed the case back;
* disputes: `arbitrate` rulings in the period, counted for the case's responsible unit.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    DateTime,
    Float,
    Integer,
    Subquery,
    and_,
    case,
    cast,
    exists,
    extract,
    func,
    literal,
    or_,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from linli.cases.evaluation.models import CaseRating
from linli.cases.models import STEP_OF_STATUS, STEPS, Case, CaseEvent
from linli.core import clock
from linli.core.database import UTCDateTime
from linli.org.models import OrgUnit

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass
class StepFigures:
    """How one kind of step went: how many ended, their mean minutes, how many met a deadline."""

    step: str
    finished: int = 0
    total_minutes: float = 0.0
    with_deadline: int = 0
    on_time: int = 0
    overdue: int = 0

    @property
    def mean_minutes(self) -> float | None:
        return self.total_minutes / self.finished if self.finished else None

    @property
    def on_time_rate(self) -> float | None:
        return self.on_time / self.with_deadline if self.with_deadline else None


@dataclass
class Figures:
    """The figures of one unit (its own cases, or its rollup) over a period."""

    cases_closed: int = 0
    first_time_fixed: int = 0
    ratings: int = 0
    rating_sum: float = 0.0
    returns: int = 0
    disputes: int = 0
    steps: dict[str, StepFigures] = field(
        default_factory=lambda: {s: StepFigures(s) for s in STEPS}
    )

    @property
    def first_time_fix_rate(self) -> float | None:
        return self.first_time_fixed / self.cases_closed if self.cases_closed else None

    @property
    def satisfaction(self) -> float | None:
        return self.rating_sum / self.ratings if self.ratings else None

    @property
    def steps_finished(self) -> int:
        return sum(s.finished for s in self.steps.values())

    @property
    def steps_with_deadline(self) -> int:
        return sum(s.with_deadline for s in self.steps.values())

    @property
    def steps_on_time(self) -> int:
        return sum(s.on_time for s in self.steps.values())

    @property
    def on_time_rate(self) -> float | None:
        due = self.steps_with_deadline
        return self.steps_on_time / due if due else None

    @property
    def overdue(self) -> int:
        return sum(s.overdue for s in self.steps.values())

    @property
    def mean_handle_minutes(self) -> float | None:
        return self.steps["handle"].mean_minutes


@dataclass(frozen=True, slots=True)
class Period:
    """The half-open interval [start, end) of the figures, in UTC."""

    start: datetime
    end: datetime


def _epoch_minutes(value: datetime) -> float:
    return (value - EPOCH).total_seconds() / 60.0


def _minutes(dialect: str, expr: Any, *, text: bool = False) -> ColumnElement[Any]:
    """Return `expr` (a timestamp column, or ISO text when `text`) as minutes since 1970."""
    if dialect == "postgresql":
        instant = cast(expr, DateTime(timezone=True)) if text else expr
        return cast(extract("epoch", instant), Float) / 60.0
    # SQLite keeps naive UTC text; strftime reads it and ISO text with an offset alike, and
    # whole seconds keep the sums exact (julianday's day fractions are not).
    return cast(func.strftime("%s", expr), Integer) / 60.0


def responsible_path() -> ColumnElement[str]:
    """Return the path of a case's responsible unit: where it is sent, else where it happened."""
    return func.coalesce(Case.assigned_path, Case.org_path)


def _step_of(column: Any) -> ColumnElement[Any]:
    return case(STEP_OF_STATUS, value=column, else_=None)


def _steps(dialect: str, period: Period, scope: ColumnElement[bool]) -> Subquery:
    """Return every step of the cases in `scope` that may matter for `period`, one row each.

    Columns: case_id, step, started/ended/due (minutes since 1970; ended and due may be null)
    and ended_at (the timestamp). A step begins at an event entering it and ends at the next
    event whose step differs; events that do not change the step (notes, escalations) are left
    out before the window function pairs them.
    """
    step_from, step_to = _step_of(CaseEvent.from_status), _step_of(CaseEvent.to_status)
    due_text = CaseEvent.detail[("deadline_set", "due_at")].as_string()
    at_minutes = _minutes(dialect, CaseEvent.at)
    cases_in_scope = select(Case.id).where(
        scope,
        Case.created_at < period.end,
        or_(Case.closed_at.is_(None), Case.closed_at >= period.start),
    )
    changes = (
        select(
            CaseEvent.case_id,
            step_to.label("step"),
            at_minutes.label("started"),
            _minutes(dialect, due_text, text=True).label("due"),
            func.lead(at_minutes)
            .over(partition_by=CaseEvent.case_id, order_by=CaseEvent.seq)
            .label("ended"),
            func.lead(CaseEvent.at, type_=UTCDateTime())
            .over(partition_by=CaseEvent.case_id, order_by=CaseEvent.seq)
            .label("ended_at"),
        )
        .where(step_from.is_distinct_from(step_to), CaseEvent.case_id.in_(cases_in_scope))
        .subquery("step_changes")
    )
    return select(changes).where(changes.c.step.is_not(None)).subquery("steps")


@dataclass(frozen=True, slots=True)
class _Groups:
    """The units figures are wanted for, and how a path joins them (subtree, or exact)."""

    table: Subquery
    exact: bool

    def join(self, path: ColumnElement[str]) -> ColumnElement[bool]:
        column = self.table.c.path
        return path == column if self.exact else path.startswith(column)


def _in_period(column: Any, period: Period) -> ColumnElement[bool]:
    return and_(column >= period.start, column < period.end)


def _tally(condition: ColumnElement[bool], value: Any = 1) -> Any:
    return func.sum(case((condition, value), else_=0))


async def _closed(
    session: AsyncSession, groups: _Groups, period: Period, result: dict[uuid.UUID, Figures]
) -> None:
    """Count cases closed, and those never sent back by a failed verification."""
    sent_back = exists().where(
        CaseEvent.case_id == Case.id, CaseEvent.action == "fail_verification"
    )
    stmt = (
        select(groups.table.c.id, func.count(), _tally(~sent_back))
        .select_from(Case)
        .join(groups.table, groups.join(responsible_path()))
        .where(Case.status == "closed", _in_period(Case.closed_at, period))
        .group_by(groups.table.c.id)
    )
    for unit_id, count, fixed in await session.execute(stmt):
        result[unit_id].cases_closed, result[unit_id].first_time_fixed = count, int(fixed or 0)


async def _step_tallies(
    session: AsyncSession,
    groups: _Groups,
    period: Period,
    scope: ColumnElement[bool],
    result: dict[uuid.UUID, Figures],
) -> None:
    """Tally steps ended in the period (minutes, deadlines met) and deadlines missed in it."""
    steps = _steps(session.get_bind().dialect.name, period, scope)
    start = _epoch_minutes(period.start)
    missed_by = min(_epoch_minutes(period.end), _epoch_minutes(clock.now()))
    ended_in = _in_period(steps.c.ended_at, period)
    has_due = steps.c.due.is_not(None)
    missed = and_(
        has_due,
        steps.c.due >= literal(start),
        steps.c.due < literal(missed_by),
        or_(steps.c.ended.is_(None), steps.c.ended > steps.c.due),
    )
    stmt = (
        select(
            groups.table.c.id,
            steps.c.step,
            _tally(ended_in),
            _tally(ended_in, steps.c.ended - steps.c.started),
            _tally(and_(ended_in, has_due)),
            _tally(and_(ended_in, has_due, steps.c.ended <= steps.c.due)),
            _tally(missed),
        )
        .select_from(steps)
        .join(Case, Case.id == steps.c.case_id)
        .join(groups.table, groups.join(responsible_path()))
        .where(or_(ended_in, missed))
        .group_by(groups.table.c.id, steps.c.step)
    )
    for unit_id, step, finished, minutes, with_due, on_time, overdue in await session.execute(stmt):
        figure = result[unit_id].steps.setdefault(step, StepFigures(step))
        figure.finished, figure.total_minutes = int(finished or 0), float(minutes or 0)
        figure.with_deadline, figure.on_time = int(with_due or 0), int(on_time or 0)
        figure.overdue = int(overdue or 0)


async def _ratings(
    session: AsyncSession, groups: _Groups, period: Period, result: dict[uuid.UUID, Figures]
) -> None:
    """Add up the ratings given in the period."""
    stmt = (
        select(groups.table.c.id, func.count(), func.sum(CaseRating.score))
        .select_from(CaseRating)
        .join(Case, Case.id == CaseRating.case_id)
        .join(groups.table, groups.join(responsible_path()))
        .where(_in_period(CaseRating.created_at, period))
        .group_by(groups.table.c.id)
    )
    for unit_id, count, total in await session.execute(stmt):
        result[unit_id].ratings, result[unit_id].rating_sum = count, float(total or 0)


async def _events(
    session: AsyncSession, groups: _Groups, period: Period, action: str
) -> dict[uuid.UUID, int]:
    """Count the timeline events `action` of the period per unit.

    A return counts for the unit that handed the case back (named on the event); anything else
    for the case's responsible unit.
    """
    path = responsible_path()
    stmt = select(groups.table.c.id, func.count()).select_from(CaseEvent)
    stmt = stmt.join(Case, Case.id == CaseEvent.case_id)
    if action == "return":
        returning = aliased(OrgUnit)
        named = CaseEvent.detail[("from_unit", "code")].as_string()
        stmt = stmt.outerjoin(returning, returning.code == named)
        path = func.coalesce(returning.path, path)
    stmt = (
        stmt.join(groups.table, groups.join(path))
        .where(CaseEvent.action == action, _in_period(CaseEvent.at, period))
        .group_by(groups.table.c.id)
    )
    return {unit_id: count for unit_id, count in await session.execute(stmt)}


async def figures(
    session: AsyncSession, units: Sequence[OrgUnit], period: Period, *, exact: bool = False
) -> dict[uuid.UUID, Figures]:
    """Return the figures of each unit: its rollup, or only its own cases when `exact`.

    Five grouped queries whatever the number of units and cases.
    """
    result = {u.id: Figures() for u in units}
    if not units:
        return result
    table = select(OrgUnit.id, OrgUnit.path).where(OrgUnit.id.in_([u.id for u in units]))
    groups = _Groups(table.subquery(), exact)
    resp = responsible_path()
    scope: ColumnElement[bool]
    if exact:
        scope = resp.in_([u.path for u in units])
    else:
        scope = or_(*(resp.startswith(u.path, autoescape=True) for u in units))
    await _closed(session, groups, period, result)
    await _step_tallies(session, groups, period, scope, result)
    await _ratings(session, groups, period, result)
    for unit_id, count in (await _events(session, groups, period, "return")).items():
        result[unit_id].returns = count
    for unit_id, count in (await _events(session, groups, period, "arbitrate")).items():
        result[unit_id].disputes = count
    return result


# --- the service the API and the figures page call ------------------------------------------
