"""Decisions of meetings: recorded with an owner and a due date, followed up to done, on a
board where overdue ones show."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date

from sqlalchemy import ColumnElement
from sqlalchemy.ext.asyncio import AsyncSession

from linli.core import clock
from linli.core.errors import ValidationFailed
from linli.core.pagination import Page, PageQuery
from linli.org import service as org_service
from linli.org.models import OrgUnit
from linli.participation.meetings import repository as repo
from linli.participation.meetings.common import (
    item_of,
    log_public,
    owner_unit,
    public_decision,
    taking_notes,
    unit_of,
)
from linli.participation.meetings.errors import DecisionNotFound
from linli.participation.meetings.models import Decision, DecisionUpdate, Meeting
from linli.participation.meetings.schemas import DecisionCreate
from linli.security.models import StaffAccount
from linli.security.permissions import Principal


async def add_decision(
    session: AsyncSession, meeting: Meeting, data: DecisionCreate, *, principal: Principal
) -> Decision:
    """Record a decision with its owner (a staff member or an org unit) and due date."""
    principal.require("meetings:run", meeting.org_path)
    taking_notes(meeting)
    if data.owner_account_id is None and data.owner_unit_id is None:
        raise ValidationFailed("a decision needs an owner", code="owner_required")
    if data.owner_account_id is not None:
        owner = await session.get(StaffAccount, data.owner_account_id)
        if owner is None:
            raise ValidationFailed("no such staff member", code="unknown_owner")
    unit = await owner_unit(session, data.owner_unit_id)
    item = await item_of(session, meeting, data.agenda_item_id or meeting.current_item_id)
    decision = Decision(
        meeting_id=meeting.id,
        org_path=meeting.org_path,
        agenda_item_id=item.id if item else None,
        text=data.text,
        public=data.public,
        owner_account_id=data.owner_account_id,
        owner_unit_id=unit.id if unit else None,
        due_on=data.due_on,
        status="open",
        actor=principal.actor,
        created_at=clock.now(),
        updated_at=clock.now(),
    )
    session.add(decision)
    await session.flush()
    if data.public:
        log_public(meeting, session, "decision", public_decision(decision, unit, today=None))
    return decision


async def get_decision(
    session: AsyncSession, decision_id: uuid.UUID, *, principal: Principal
) -> Decision:
    """Return a decision in the principal's subtree (404 outside it)."""
    decision = await repo.get_decision(session, decision_id)
    if decision is None or not (
        principal.can("meetings:read", decision.org_path)
        or decision.owner_account_id == principal.account_id
    ):
        raise DecisionNotFound()
    return decision


def may_follow_up(principal: Principal, decision: Decision) -> bool:
    """Return whether the principal may report progress: its owner, or who runs meetings there."""
    return decision.owner_account_id == principal.account_id or principal.can(
        "meetings:run", decision.org_path
    )


async def follow_up(
    session: AsyncSession, decision: Decision, *, status: str, note: str, principal: Principal
) -> DecisionUpdate:
    """Record progress on a decision: its new status and what was done."""
    if not may_follow_up(principal, decision):
        principal.require("meetings:run", decision.org_path)
    if status == "done" and not note.strip():
        raise ValidationFailed("say what was done", code="note_required")
    now = clock.now()
    update = DecisionUpdate(
        decision_id=decision.id, status=status, note=note.strip(), at=now, actor=principal.actor
    )
    session.add(update)
    decision.status = status
    decision.done_at = now if status == "done" else None
    decision.updated_at = now
    await session.flush()
    if decision.public:
        meeting = await repo.get_meeting(session, decision.meeting_id)
        assert meeting is not None
        unit = await owner_unit(session, decision.owner_unit_id)
        log_public(meeting, session, "decision", public_decision(decision, unit, today=None))
    return update


async def decision_updates(session: AsyncSession, decision: Decision) -> Sequence[DecisionUpdate]:
    """Return a decision's updates, oldest first."""
    return await repo.updates_of(session, decision.id)


async def list_decisions(
    session: AsyncSession,
    *,
    principal: Principal,
    paging: PageQuery,
    today: date,
    status: str | None = None,
    overdue: bool = False,
    meeting_id: uuid.UUID | None = None,
) -> Page[Decision]:
    """List the decisions board of the principal's subtree: open work first, soonest due."""
    where: list[ColumnElement[bool]] = [principal.scope("meetings:read", Decision.org_path)]
    if status is not None:
        where.append(Decision.status == status)
    if overdue:
        where.append(repo.overdue_clause(today))
    if meeting_id is not None:
        where.append(Decision.meeting_id == meeting_id)
    return await repo.list_decisions(session, where, paging)


async def staff_around(session: AsyncSession, meeting: Meeting) -> Sequence[StaffAccount]:
    """Return the staff a decision of this meeting may be given to (of its unit or above)."""
    return await repo.staff_around(session, meeting.org_path)


async def owner_choices(session: AsyncSession, meeting: Meeting) -> list[OrgUnit]:
    """Return the units a decision may go to: the meeting's subtree (no grids) and its tree's
    departments."""
    unit = await unit_of(session, meeting)
    if unit is None:
        return []
    root = (await org_service.ancestors(session, unit) or [unit])[0]
    inside = await org_service.subtree(session, unit)
    departments = await org_service.subtree(session, root, kinds=("department",))
    seen = {u.id for u in inside}
    return [u for u in inside if u.kind != "grid"] + [d for d in departments if d.id not in seen]
