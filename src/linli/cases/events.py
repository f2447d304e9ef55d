"""What happens to a case: entries appended to its timeline, and the events published after
commit for the live map, notifications and figures."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from linli.cases.models import Case, CaseEvent
from linli.core.events import Event
from linli.core.pipeline import Pipeline

# Every new case, whatever its source, is handed over before its transaction commits (incidents
# link the cases that fall in their area).
opened: Pipeline[Case] = Pipeline("new cases")


class CaseChanged(Event):
    """A case moved: a transition, an escalation, a cleared alarm."""

    subject: ClassVar[str] = "case.changed"

    case_id: uuid.UUID
    ref: str
    status: str
    title: str
    # What a rule's words were made from (`linli.cases.wording`): the live stream renders the
    # title again in each reader's language.
    text_key: str | None = None
    text_params: dict[str, Any] | None = None
    assigned_path: str | None = None
    # Who has it and who supervises it as the event happens, and who acted ("system" or
    # "staff:<username>"): consumers of the log (notifications) tell the right people.
    assignee_id: uuid.UUID | None = None
    supervisor_unit_id: uuid.UUID | None = None
    actor: str | None = None
    priority: int
    lon: float | None = None
    lat: float | None = None
    action: str | None = None
    overdue: bool = False
    created_at: datetime | None = None


class CaseOpened(CaseChanged):
    """A new case exists."""

    subject: ClassVar[str] = "case.opened"


class DeadlineWarning(CaseChanged):
    """A case's running step nears its deadline (once per step)."""

    subject: ClassVar[str] = "case.deadline_warning"

    step: str | None = None
    due_at: str | None = None


def snapshot(
    case: Case, *, action: str | None, opened: bool = False, actor: str | None = None
) -> CaseChanged:
    """Return the event describing `case` as it is now (`actor`: who moved it, if anyone)."""
    kind = CaseOpened if opened else CaseChanged
    return kind(
        case_id=case.id,
        ref=case.ref,
        status=case.status,
        title=case.title,
        text_key=case.text_key,
        text_params=case.text_params,
        org_path=case.org_path,
        assigned_path=case.assigned_path,
        assignee_id=case.assignee_id,
        supervisor_unit_id=case.supervisor_unit_id,
        actor=actor,
        priority=case.priority,
        lon=case.lon,
        lat=case.lat,
        action=action,
        overdue=case.overdue,
        created_at=case.created_at,
    )


async def next_seq(session: AsyncSession, case_id: uuid.UUID) -> int:
    """Return the next timeline number of a case (its row is locked by the caller)."""
    last = await session.scalar(select(func.max(CaseEvent.seq)).where(CaseEvent.case_id == case_id))
    return int(last or 0) + 1


async def append_event(session: AsyncSession, case: Case, **fields: Any) -> CaseEvent:
    """Append one entry to the case's timeline."""
    event = CaseEvent(case_id=case.id, seq=await next_seq(session, case.id), **fields)
    session.add(event)
    await session.flush()
    return event
