"""What the intake API reads and writes: public reports, their follow-up, cameras, reporters."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import Field

from linli.core.schemas import Schema


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
    snapshot: str | None = Field(
        default=None, max_length=7_000_000, description="base64 JPEG/PNG/WebP, at most 5 MB"
    )
    confidence: float | None = Field(default=None, ge=0, le=1)


class CameraEventResult(Schema):
    action: Literal["opened", "joined", "ignored"]
    case_id: uuid.UUID | None
    ref: str | None


# --- dispatch, arbitration, joint cases, overdue ledger, supervision ------------------------
