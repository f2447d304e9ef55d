"""What the case API reads and writes."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from linli.core.schemas import Schema


class CategoryUpdate(Schema):
    name: str = Field(min_length=1, max_length=200)
    name_zh: str | None = Field(default=None, max_length=200)
    priority: int = Field(default=3, ge=1, le=4)
    step_limits: dict[str, int] = Field(
        default_factory=dict, description="working minutes per step (register … verify)"
    )
    requires_photo: bool = False


class CategoryRead(Schema):
    code: str
    name: str
    name_zh: str | None
    priority: int
    step_limits: dict[str, int]
    requires_photo: bool


class ContactIn(Schema):
    name: str | None = Field(default=None, max_length=100)
    phone: str | None = Field(default=None, max_length=32)
    email: str | None = Field(default=None, max_length=254)


class CaseCreate(Schema):
    category_code: str = Field(min_length=1, max_length=64)
    title: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=4000)
    lon: float | None = Field(default=None, ge=-180, le=180)
    lat: float | None = Field(default=None, ge=-90, le=90)
    unit_id: uuid.UUID | None = Field(default=None, description="where, when there is no point")
    source: Literal["staff", "patrol", "hotline"] = "staff"
    source_ref: str | None = Field(default=None, max_length=64)
    caller: ContactIn | None = Field(
        default=None, description="how to reach the caller (hotline); kept encrypted"
    )


class CaseRead(Schema):
    id: uuid.UUID
    ref: str
    title: str
    description: str
    category_code: str
    source: str
    source_ref: str | None
    profile: str
    status: str
    priority: int
    lon: float | None
    lat: float | None
    org_unit_id: uuid.UUID
    org_path: str
    supervisor_unit_id: uuid.UUID
    escalation_level: int
    assigned_unit_id: uuid.UUID | None
    assigned_path: str | None
    assignee_id: uuid.UUID | None
    step: str | None
    step_started_at: datetime | None
    step_deadline_at: datetime | None
    overdue: bool
    duplicate_of_id: uuid.UUID | None
    created_at: datetime
    updated_at: datetime
    closed_at: datetime | None


class CasePage(Schema):
    items: list[CaseRead]
    total: int


class CaseEventRead(Schema):
    seq: int
    at: datetime
    actor: str
    action: str
    from_status: str | None
    to_status: str | None
    note: str | None
    evidence: list[str]
    detail: dict[str, Any]


class AttachmentRead(Schema):
    id: uuid.UUID
    kind: str
    content_type: str
    size: int
    sha256: str
    uploaded_by: str
    created_at: datetime


class CaseDetail(CaseRead):
    timeline: list[CaseEventRead]
    attachments: list[AttachmentRead]
    allowed_actions: list[str] = Field(description="actions the caller may take now")


class NoteIn(Schema):
    note: str | None = Field(default=None, max_length=4000)


class DispatchIn(NoteIn):
    unit_id: uuid.UUID | None = Field(default=None, description="default: the routing table")


class EvidenceIn(NoteIn):
    evidence: list[uuid.UUID] = Field(default_factory=list, max_length=20)


class HandleIn(EvidenceIn):
    note: str = Field(min_length=1, max_length=4000)


class VerifyIn(EvidenceIn):
    passed: bool


class RejectIn(Schema):
    reason: str = Field(min_length=1, max_length=4000)
    duplicate_of: uuid.UUID | None = None


class ReturnIn(Schema):
    reason: str = Field(min_length=1, max_length=4000)


class ReporterRead(Schema):
    channel: str
    name: str | None
    phone: str | None
    email: str | None


class PublicReportReceipt(Schema):
    ref: str
    status: str
    token: str = Field(description="keep it: GET /api/public/reports/{token} follows the case")
    replayed: bool = Field(description="true when the Idempotency-Key was seen before")


class PublicNoteRead(Schema):
    at: datetime
    status: str | None
    note: str


class PublicReportStatus(Schema):
    ref: str
    status: str
    category_code: str
    created_at: datetime
    updated_at: datetime
    closed_at: datetime | None
    notes: list[PublicNoteRead]


class CameraCreate(Schema):
    code: str = Field(min_length=1, max_length=64)
    name: str = Field(default="", max_length=200)
    lon: float = Field(ge=-180, le=180)
    lat: float = Field(ge=-90, le=90)


class CameraRead(Schema):
    id: uuid.UUID
    code: str
    name: str
    lon: float
    lat: float
    org_unit_id: uuid.UUID
    org_path: str
    active: bool
    created_at: datetime


class CameraRegistered(CameraRead):
    token: str = Field(description="shown once; send it as 'Authorization: Camera <token>'")


class CameraEventIn(Schema):
    event_type: str = Field(min_length=1, max_length=64, examples=["illegal_dumping"])
    camera_id: str = Field(min_length=1, max_length=64, description="the camera's code")
    time: datetime = Field(description="when the analytics saw it, ISO 8601 with offset")
    snapshot: str | None = Field(default=None, description="base64 JPEG/PNG/WebP, at most 5 MB")
    confidence: float | None = Field(default=None, ge=0, le=1)


class CameraEventResult(Schema):
    action: Literal["opened", "joined", "ignored"]
    case_id: uuid.UUID | None
    ref: str | None
