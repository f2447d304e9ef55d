"""Step deadlines on work calendars, and the sweep that flags and escalates overdue cases."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from linli.cases.events import DeadlineWarning, append_event, snapshot
from linli.cases.models import TERMINAL, Case, Category, step_for, tree_id_of
from linli.cases.sla import repository
from linli.cases.sla.models import OverdueEntry
from linli.core import clock, events
from linli.core.errors import Conflict, Forbidden, ValidationFailed
from linli.org import service as org_service
from linli.org.models import OrgUnit
from linli.security import audit
from linli.security.permissions import Principal

# Supervision levels: a case starts at its community (zone in a town) and climbs.
LEVELS = {"community": 0, "zone": 0, "street": 1, "town": 1, "district": 2}
FIRST_SUPERVISORS = ("community", "zone")
SWEEP_BATCH = 500
# The deadline warning fires when this share of a step's working time has passed.
WARN_FRACTION = 0.8
# Who answers for a missed step: the unit's handlers or its dispatching operators.
EXPLAINERS = ("cases:handle", "cases:dispatch")
# Steps done by the unit a case was sent to; the others are the supervisor's.
ASSIGNED_STEPS = frozenset({"accept", "handle"})


async def first_supervisor(session: AsyncSession, unit: OrgUnit) -> OrgUnit:
    """Return the unit that supervises a new case at `unit`: its community, or the next level."""
    chain = [*await org_service.ancestors(session, unit), unit]
    for kinds in (FIRST_SUPERVISORS, tuple(LEVELS)):
        for candidate in reversed(chain):
            if candidate.kind in kinds:
                return candidate
    return chain[0]


def level_of(unit: OrgUnit) -> int:
    """Return the escalation level a supervising unit stands for."""
    return LEVELS.get(unit.kind, 0)


def limit_of(category: Category, step: str | None) -> int | None:
    """Return the working minutes allowed for `step`, or None when the step has no limit."""
    if step is None:
        return None
    minutes = (category.step_limits or {}).get(step)
    return int(minutes) if minutes else None


async def enter_step(
    session: AsyncSession, case: Case, category: Category, *, now: datetime
) -> dict[str, Any] | None:
    """Start the clock of the step the case's status waits for; return the deadline set, if any.

    The step's owner is the assigned unit once the case is dispatched, else the supervisor; the
    deadline follows the owner's work calendar. Staying in the same step keeps the running clock.
    """
    step = step_for(case.status)
    if step is not None and step == case.step:
        return None
    case.step = step
    case.step_started_at = now if step else None
    case.overdue = False
    limit = limit_of(category, step)
    if limit is None:
        case.step_deadline_at = case.sweep_at = case.warn_at = None
        return None
    owner_id = case.assigned_unit_id or case.supervisor_unit_id
    owner = await org_service.get_unit(session, owner_id)
    calendar = await org_service.calendar_for(session, owner)
    due = calendar.add(now, timedelta(minutes=limit))
    case.step_deadline_at = case.sweep_at = due
    warn = calendar.add(now, timedelta(minutes=limit * WARN_FRACTION))
    case.warn_at = warn if warn < due else None
    return {"step": step, "limit_minutes": limit, "due_at": due.isoformat(), "unit": owner.code}


async def escalate_overdue(session: AsyncSession, *, now: datetime | None = None) -> list[Case]:
    """Flag every case past its step deadline as overdue and escalate it one level up.

    A case is looked at once per deadline: escalating gives the step a fresh deadline (same
    limit, the new supervisor's calendar), so a case left alone climbs again when that passes;
    at the top level it stays flagged and is not looked at again in this step. Returns the cases
    escalated.
    """
    now = now or clock.now()
    escalated: list[Case] = []
    categories: dict[tuple[str, uuid.UUID | None], Category | None] = {}
    for case in await repository.due_for_sweep(session, now=now, batch=SWEEP_BATCH):
        if case.status in TERMINAL or case.step_deadline_at is None:
            case.sweep_at = None
            continue
        was_overdue, case.overdue = case.overdue, True
        supervisor = await org_service.get_unit(session, case.supervisor_unit_id)
        await record_overdue(session, case, supervisor)
        parent = await org_service.escalation_parent(session, supervisor)
        if parent is None:
            case.sweep_at = None
            if not was_overdue:
                case.updated_at = now
                events.record(session, snapshot(case, action="overdue"))
            continue
        key = (case.category_code, tree_id_of(case.org_path))
        if key not in categories:
            categories[key] = await repository.category(session, case.category_code, case.org_path)
        category = categories[key]
        await _escalate(session, case, category, supervisor, parent, now=now)
        escalated.append(case)
    await session.flush()
    return escalated


async def _escalate(
    session: AsyncSession,
    case: Case,
    category: Category | None,
    supervisor: OrgUnit,
    parent: OrgUnit,
    *,
    now: datetime,
) -> None:
    missed = case.step_deadline_at
    limit = limit_of(category, case.step) if category else None
    due: datetime | None = None
    if limit is not None:
        calendar = await org_service.calendar_for(session, parent)
        due = calendar.add(now, timedelta(minutes=limit))
    case.supervisor_unit_id = parent.id
    case.escalation_level = max(case.escalation_level + 1, level_of(parent))
    case.step_deadline_at = case.sweep_at = due
    case.updated_at = now
    detail: dict[str, Any] = {
        "from_unit": {"id": str(supervisor.id), "code": supervisor.code, "kind": supervisor.kind},
        "to_unit": {"id": str(parent.id), "code": parent.code, "kind": parent.kind},
        "step": case.step,
        "deadline_missed": missed.isoformat() if missed else None,
        "level": case.escalation_level,
    }
    if due is not None:
        detail["deadline_set"] = {
            "step": case.step,
            "limit_minutes": limit,
            "due_at": due.isoformat(),
            "unit": parent.code,
        }
    await append_event(
        session,
        case,
        at=now,
        actor="system",
        action="escalated",
        from_status=case.status,
        to_status=case.status,
        note=None,
        evidence=[],
        detail=detail,
    )
    await audit.record(
        session,
        actor="system",
        action="case.escalated",
        target_type="case",
        target_id=str(case.id),
        org_path=case.org_path,
        detail={"ref": case.ref, "from": supervisor.code, "to": parent.code, "step": case.step},
    )
    events.record(session, snapshot(case, action="escalated"))


async def record_overdue(session: AsyncSession, case: Case, supervisor: OrgUnit) -> OverdueEntry:
    """Write the missed deadline of the case's running step to the overdue ledger."""
    responsible = supervisor
    if case.step in ASSIGNED_STEPS and case.assigned_unit_id is not None:
        responsible = await org_service.get_unit(session, case.assigned_unit_id)
    assert case.step is not None and case.step_deadline_at is not None
    entry = OverdueEntry(
        case_id=case.id,
        step=case.step,
        unit_id=responsible.id,
        unit_path=responsible.path,
        level=case.escalation_level,
        overdue_at=case.step_deadline_at,
        created_at=clock.now(),
    )
    session.add(entry)
    return entry


async def resolve_overdue(session: AsyncSession, case: Case, *, now: datetime) -> None:
    """Take a finished case's entries off the open ledger (they stay for the figures)."""
    await session.execute(
        update(OverdueEntry)
        .where(OverdueEntry.case_id == case.id, OverdueEntry.resolved_at.is_(None))
        .values(resolved_at=now)
    )


async def warn_upcoming(session: AsyncSession, *, now: datetime | None = None) -> list[Case]:
    """Warn once per step about every case whose deadline is near; return the cases warned.

    The warning time is a timer in the table, claimed like the escalation timer (PostgreSQL
    skips rows another worker holds) and cleared when it fires, so it never fires twice.
    """
    now = now or clock.now()
    warned: list[Case] = []
    for case in await repository.due_for_warning(session, now=now, batch=SWEEP_BATCH):
        case.warn_at = None
        due = case.step_deadline_at
        if case.status in TERMINAL or due is None or due <= now:
            continue  # too late to warn: the escalation sweep takes it from here
        left = due - now
        await append_event(
            session,
            case,
            at=now,
            actor="system",
            action="deadline_warning",
            from_status=case.status,
            to_status=case.status,
            note=None,
            evidence=[],
            detail={"step": case.step, "due_at": due.isoformat(), "minutes_left": left // MINUTE},
        )
        base = snapshot(case, action="deadline_warning").model_dump(exclude={"id", "at"})
        events.record(session, DeadlineWarning(**base, step=case.step, due_at=due.isoformat()))
        warned.append(case)
    await session.flush()
    return warned


MINUTE = timedelta(minutes=1)


async def explain_missed_steps(
    session: AsyncSession, case: Case, *, principal: Principal, explanation: str
) -> list[OverdueEntry]:
    """Record the responsible unit's written explanation on the unexplained missed deadlines of
    a case the caller loaded (locked) for `principal`: the ledger, the timeline, the audit."""
    text = explanation.strip()
    if not text:
        raise ValidationFailed("say why the deadline was missed", code="explanation_required")
    pending = list(
        await session.scalars(
            select(OverdueEntry)
            .where(
                OverdueEntry.case_id == case.id,
                OverdueEntry.resolved_at.is_(None),
                OverdueEntry.explanation.is_(None),
            )
            .order_by(OverdueEntry.overdue_at)
        )
    )
    if not pending:
        raise Conflict("this case has no unexplained missed deadline", code="nothing_to_explain")
    mine = [e for e in pending if any(principal.can(p, e.unit_path) for p in EXPLAINERS)]
    if not mine:
        raise Forbidden(
            "only the unit responsible for the missed step explains it", code="not_responsible"
        )
    now = clock.now()
    for entry in mine:
        entry.explanation, entry.explained_by, entry.explained_at = text, principal.actor, now
    await append_event(
        session,
        case,
        at=now,
        actor=principal.actor,
        action="explain_overdue",
        from_status=case.status,
        to_status=case.status,
        note=text,
        evidence=[],
        detail={"entries": [str(e.id) for e in mine], "steps": [e.step for e in mine]},
    )
    await audit.record(
        session,
        actor=principal.actor,
        action="case.explain_overdue",
        target_type="case",
        target_id=str(case.id),
        org_path=case.org_path,
        detail={"ref": case.ref, "entries": len(mine)},
    )
    await session.flush()
    return mine
