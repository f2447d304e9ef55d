"""Events of incidents (after commit), for the live map and, later, notice delivery."""

from __future__ import annotations

import uuid
from typing import Any, ClassVar

from pydantic import Field

from linli.cases.incidents.models import Incident
from linli.core.events import Event


class IncidentUpdated(Event):
    """Something about an incident changed: a task, a resource, a link, a notice, the log."""

    subject: ClassVar[str] = "incident.updated"

    incident_id: uuid.UUID
    title: str
    kind: str
    severity: str
    status: str
    unit_id: uuid.UUID
    action: str
    detail: dict[str, Any] = Field(default_factory=dict)


class IncidentDeclared(IncidentUpdated):
    """An incident was declared: its area is now in wartime mode."""

    subject: ClassVar[str] = "incident.declared"


class IncidentClosed(IncidentUpdated):
    """An incident was closed: its area is back in peacetime."""

    subject: ClassVar[str] = "incident.closed"


def snapshot(
    incident: Incident, *, action: str, detail: dict[str, Any] | None = None
) -> IncidentUpdated:
    """Return the event describing `incident` after `action`."""
    kind: type[IncidentUpdated] = IncidentUpdated
    if action == "declare":
        kind = IncidentDeclared
    elif action == "close":
        kind = IncidentClosed
    return kind(
        incident_id=incident.id,
        title=incident.title,
        kind=incident.kind,
        severity=incident.severity,
        status=incident.status,
        unit_id=incident.unit_id,
        org_path=incident.org_path,
        action=action,
        detail=detail or {},
    )
