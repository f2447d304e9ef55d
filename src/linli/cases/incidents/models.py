"""Incidents, their tasks, resources, situation log, linked cases and staged notices."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from linli.core import clock
from linli.core.database import Base, CreatedMixin, IdMixin

KINDS = ("flood", "fire", "epidemic", "outage", "other")
SEVERITIES = ("minor", "moderate", "major", "critical")
STATUSES = ("active", "closed")
TASK_STATUSES = ("open", "done", "cancelled")
RESOURCE_KINDS = ("personnel", "vehicle", "equipment", "supplies", "shelter", "other")
RESOURCE_STATUSES = ("requested", "deployed", "released")


class Incident(IdMixin, CreatedMixin, Base):
    """An emergency over an org unit (optionally narrowed to a polygon): its area is in wartime."""

    __tablename__ = "incident"
    __table_args__ = (
        Index("ix_incident_org_path", "org_path"),
        # The list's order: active first, newest declared first.
        Index("ix_incident_status_declared", "status", "declared_at", "id"),
    )

    kind: Mapped[str] = mapped_column(String(16))
    severity: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16))
    unit_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("org_unit.id"))
    org_path: Mapped[str] = mapped_column(String(1024))
    # The declared polygon; None means the whole unit.
    area: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    commander_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("staff_account.id"))
    declared_by: Mapped[str] = mapped_column(String(100))
    declared_at: Mapped[datetime]
    updated_at: Mapped[datetime] = mapped_column(default=clock.now)
    closed_at: Mapped[datetime | None]
    closed_by: Mapped[str | None] = mapped_column(String(100))
    summary: Mapped[str | None] = mapped_column(Text)
    forced_close_reason: Mapped[str | None] = mapped_column(Text)


class IncidentTask(IdMixin, CreatedMixin, Base):
    """A job given to a unit (a department, a community) during an incident."""

    __tablename__ = "incident_task"

    incident_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("incident.id", ondelete="CASCADE"), index=True
    )
    unit_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("org_unit.id"))
    owner_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("staff_account.id", ondelete="SET NULL")
    )
    title: Mapped[str] = mapped_column(String(200))
    deadline_at: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(16))
    done_note: Mapped[str | None] = mapped_column(Text)
    finished_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=clock.now)


class IncidentResource(IdMixin, CreatedMixin, Base):
    """People, vehicles or supplies committed to an incident, and where they are."""

    __tablename__ = "incident_resource"

    incident_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("incident.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(200))
    quantity: Mapped[int] = mapped_column(Integer, default=1)
    lon: Mapped[float | None] = mapped_column(Float)
    lat: Mapped[float | None] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(16))
    updated_at: Mapped[datetime] = mapped_column(default=clock.now)


class IncidentLogEntry(IdMixin, Base):
    """One line of the situation log; never updated, never deleted."""

    __tablename__ = "incident_log_entry"
    __table_args__ = (UniqueConstraint("incident_id", "seq"),)

    incident_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("incident.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(Text)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class IncidentCase(IdMixin, Base):
    """A case handled as part of an incident (linked by hand, or on intake inside the area)."""

    __tablename__ = "incident_case"
    __table_args__ = (UniqueConstraint("incident_id", "case_id"),)

    incident_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("incident.id", ondelete="CASCADE"))
    case_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("case_record.id", ondelete="CASCADE"), index=True
    )
    linked_at: Mapped[datetime]
    linked_by: Mapped[str] = mapped_column(String(100))
    automatic: Mapped[bool] = mapped_column(default=False)


class IncidentNotice(IdMixin, Base):
    """A staged notice to the affected area: who it is for, how many, when and by whom.

    Stored here when staged; delivery over the notification channels happens elsewhere.
    """

    __tablename__ = "incident_notice"
    __table_args__ = (UniqueConstraint("incident_id", "stage"),)

    incident_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("incident.id", ondelete="CASCADE"))
    stage: Mapped[int] = mapped_column(Integer)
    audience: Mapped[str] = mapped_column(String(32))
    text_en: Mapped[str] = mapped_column(Text)
    text_zh: Mapped[str | None] = mapped_column(Text)
    recipients: Mapped[int] = mapped_column(Integer)
    sent_at: Mapped[datetime]
    sent_by: Mapped[str] = mapped_column(String(100))
