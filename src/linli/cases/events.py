"""Events the case core publishes (after commit) for the live map, notifications and figures."""

from __future__ import annotations

import uuid
from typing import ClassVar

from linli.cases.models import Case
from linli.core.events import Event


class CaseChanged(Event):
    """A case moved: a transition, an escalation, a cleared alarm."""

    subject: ClassVar[str] = "case.changed"

    case_id: uuid.UUID
    ref: str
    status: str
    title: str
    assigned_path: str | None = None
    priority: int
    lon: float | None = None
    lat: float | None = None
    action: str | None = None
    overdue: bool = False


class CaseOpened(CaseChanged):
    """A new case exists."""

    subject: ClassVar[str] = "case.opened"


class DeadlineWarning(CaseChanged):
    """A case's running step nears its deadline (once per step)."""

    subject: ClassVar[str] = "case.deadline_warning"

    step: str | None = None
    due_at: str | None = None


def snapshot(case: Case, *, action: str | None, opened: bool = False) -> CaseChanged:
    """Return the event describing `case` as it is now."""
    kind = CaseOpened if opened else CaseChanged
    return kind(
        case_id=case.id,
        ref=case.ref,
        status=case.status,
        title=case.title,
        org_path=case.org_path,
        assigned_path=case.assigned_path,
        priority=case.priority,
        lon=case.lon,
        lat=case.lat,
        action=action,
        overdue=case.overdue,
    )
