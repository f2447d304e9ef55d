"""What the incident API reads and writes."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from linli.core.pagination import PageMeta
from linli.core.schemas import Schema

Kind = Literal["flood", "fire", "epidemic", "outage", "other"]
Severity = Literal["minor", "moderate", "major", "critical"]
ResourceKind = Literal["personnel", "vehicle", "equipment", "supplies", "shelter", "other"]
ResourceStatus = Literal["requested", "deployed", "released"]


class IncidentCreate(Schema):
    kind: Kind
    severity: Severity
    title: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=4000)
    unit_id: uuid.UUID = Field(description="the org unit the incident covers")
    area: dict[str, Any] | None = Field(
        default=None, description="a GeoJSON (Multi)Polygon inside the unit; default: all of it"
    )
    commander_id: uuid.UUID = Field(description="a staff account holding a role in that area")


class IncidentUpdate(Schema):
    severity: Severity | None = None
    title: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=4000)
    commander_id: uuid.UUID | None = None


class IncidentRead(Schema):
    id: uuid.UUID
    kind: str
    severity: str
    title: str
    description: str
    status: str
    unit_id: uuid.UUID
    org_path: str
    area: dict[str, Any] | None
    commander_id: uuid.UUID
    declared_by: str
    declared_at: datetime
    updated_at: datetime
    closed_at: datetime | None
    closed_by: str | None
    summary: str | None
    forced_close_reason: str | None


class IncidentPage(PageMeta):
    items: list[IncidentRead]


class ModeRead(Schema):
    unit_id: uuid.UUID
    mode: Literal["wartime", "peacetime"]
    incidents: list[uuid.UUID] = Field(
        description="the active incidents over the unit you may read"
    )


class TaskCreate(Schema):
    unit_id: uuid.UUID = Field(description="the unit (department, community…) that does it")
    owner_id: uuid.UUID | None = Field(default=None, description="the staff member answering")
    title: str = Field(min_length=1, max_length=200)
    deadline_at: datetime | None = None


class TaskUpdate(Schema):
    status: Literal["done", "cancelled"] | None = None
    note: str | None = Field(default=None, max_length=4000, description="what was done, or why not")
    title: str | None = Field(default=None, min_length=1, max_length=200)
    owner_id: uuid.UUID | None = None
    deadline_at: datetime | None = None


class TaskRead(Schema):
    id: uuid.UUID
    unit_id: uuid.UUID
    owner_id: uuid.UUID | None
    title: str
    deadline_at: datetime | None
    status: str
    done_note: str | None
    finished_at: datetime | None
    created_at: datetime
    updated_at: datetime


class ResourceCreate(Schema):
    kind: ResourceKind
    name: str = Field(min_length=1, max_length=200)
    quantity: int = Field(default=1, ge=1, le=1_000_000)
    lon: float | None = Field(default=None, ge=-180, le=180)
    lat: float | None = Field(default=None, ge=-90, le=90)
    status: ResourceStatus = "requested"


class ResourceUpdate(Schema):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    quantity: int | None = Field(default=None, ge=1, le=1_000_000)
    lon: float | None = Field(default=None, ge=-180, le=180)
    lat: float | None = Field(default=None, ge=-90, le=90)
    status: ResourceStatus | None = None


class ResourceRead(Schema):
    id: uuid.UUID
    kind: str
    name: str
    quantity: int
    lon: float | None
    lat: float | None
    status: str
    created_at: datetime
    updated_at: datetime


class LogEntryCreate(Schema):
    text: str = Field(min_length=1, max_length=4000)


class LogEntryRead(Schema):
    seq: int
    at: datetime
    actor: str
    action: str
    text: str
    detail: dict[str, Any]


class CaseLinkCreate(Schema):
    case_id: uuid.UUID


class LinkedCaseRead(Schema):
    case_id: uuid.UUID
    ref: str
    title: str
    status: str
    lon: float | None
    lat: float | None
    linked_at: datetime
    linked_by: str
    automatic: bool


class NoticeText(Schema):
    en: str = Field(min_length=1, max_length=2000)
    zh: str | None = Field(default=None, max_length=2000)


class NoticeCreate(Schema):
    stage: int = Field(
        ge=1, le=3, description="1: staff of the area, 2: residents of the area, 3: all-clear"
    )
    text: NoticeText


class NoticeRead(Schema):
    id: uuid.UUID
    stage: int
    audience: str
    text_en: str
    text_zh: str | None
    recipients: int
    sent_at: datetime
    sent_by: str


class CloseIn(Schema):
    summary: str = Field(min_length=1, max_length=8000)
    force: bool = Field(default=False, description="close although tasks are still open")
    reason: str | None = Field(default=None, max_length=4000, description="why, when forcing")
    all_clear: NoticeText | None = Field(default=None, description="stage the all-clear notice")


class IncidentDetail(IncidentRead):
    tasks: list[TaskRead]
    resources: list[ResourceRead]
    log: list[LogEntryRead]
    cases: list[LinkedCaseRead]
    notices: list[NoticeRead]
    can_command: bool


class TaskFigures(Schema):
    total: int
    done: int
    late: int = Field(description="done after the deadline, or still open past it")
    open: int
    cancelled: int


class IncidentReport(Schema):
    incident: IncidentRead
    unit_name: str
    commander: str
    duration_minutes: int
    tasks: TaskFigures
    task_list: list[TaskRead]
    resources: list[ResourceRead]
    resource_totals: dict[str, int] = Field(description="quantity by resource kind")
    cases: list[LinkedCaseRead]
    case_statuses: dict[str, int]
    log: list[LogEntryRead]
    notices: list[NoticeRead]
    generated_at: datetime
