"""IoT API shapes: devices, readings in and out, and the answer to an ingest batch."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import Field

from linli.core.pagination import PageMeta
from linli.core.schemas import Schema


class DeviceCreate(Schema):
    code: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._:\-]*$")
    type: str = Field(min_length=1, max_length=64, examples=["AirQualityObserved"])
    name: str = Field(min_length=1, max_length=200)
    name_zh: str | None = Field(default=None, max_length=200, description="the name in Chinese")
    lon: float | None = Field(default=None, ge=-180, le=180)
    lat: float | None = Field(default=None, ge=-90, le=90)
    org_unit_id: uuid.UUID | None = None
    building_id: uuid.UUID | None = None
    place_id: uuid.UUID | None = None


class DeviceRead(Schema):
    id: uuid.UUID
    code: str
    type: str
    name: str
    name_zh: str | None = None
    lon: float
    lat: float
    org_unit_id: uuid.UUID
    org_path: str
    building_id: uuid.UUID | None
    place_id: uuid.UUID | None
    active: bool
    last_seen_at: datetime | None
    status: str = "unknown"
    battery: float | None = None
    revoked_at: datetime | None = None
    created_at: datetime


class LatestValue(Schema):
    metric: str
    unit: str
    ts: datetime
    value: float


class DeviceDetail(DeviceRead):
    latest: list[LatestValue] = Field(default_factory=list)


class DevicePage(PageMeta):
    items: list[DeviceRead]


class DeviceToken(Schema):
    """A device and its token; the token is shown only in this answer."""

    device: DeviceRead
    token: str


class ReadingIn(Schema):
    """One already-parsed reading; `ts` None means "now"."""

    metric: str
    value: float
    ts: datetime | None = None


class ReadingRead(Schema):
    metric: str
    ts: datetime
    value: float


class BucketRead(Schema):
    """One bucket of one metric; `ts` is the bucket's start."""

    metric: str
    ts: datetime
    min: float
    max: float
    avg: float
    count: int
    last: float


class ReadingSeries(Schema):
    """Raw readings, or (when `bucket` is set) one item per bucket carrying the `agg` value."""

    device_id: uuid.UUID
    items: list[ReadingRead]
    bucket: str | None = None
    agg: str | None = None
    buckets: list[BucketRead] = Field(default_factory=list)


class DeviceLatest(Schema):
    """The newest value of one metric of one device."""

    device_id: uuid.UUID
    device_code: str
    metric: str
    unit: str
    ts: datetime
    value: float


class LatestList(Schema):
    items: list[DeviceLatest]


class IngestBatch(Schema):
    """The body of `POST /api/ingest`; each item is checked on its own."""

    readings: list[dict[str, Any]] = Field(
        max_length=5000,
        description="at most LINLI_MAX_INGEST_BATCH readings (5000 unless configured)",
        examples=[[{"metric": "pm25", "value": 80.5, "ts": "2026-03-02T01:00:00Z"}]],
    )


class Rejection(Schema):
    index: int
    code: str
    reason: str


class IngestResult(Schema):
    accepted: int = 0
    duplicates: int = 0
    rejected: list[Rejection] = Field(default_factory=list)


class QuarantineRead(Schema):
    """A refused ingest input; `device_code` is what the sender claimed, if anything."""

    id: uuid.UUID
    channel: str
    device_code: str | None
    reason: str
    detail: str
    raw: str
    received_at: datetime


class QuarantinePage(PageMeta):
    items: list[QuarantineRead]


class DeviceCredentials(Schema):
    """A device's new credentials, shown only in this answer."""

    device: DeviceRead
    token: str
    mqtt_username: str
    mqtt_password: str


class ImportedDevice(DeviceCredentials):
    line: int


class ImportRowError(Schema):
    line: int
    device_code: str
    code: str
    reason: str


class DeviceImportResult(Schema):
    created: list[ImportedDevice]
    errors: list[ImportRowError]


class CommandCreate(Schema):
    name: str = Field(min_length=1, max_length=64, examples=["set_interval"])
    params: dict[str, Any] = Field(default_factory=dict)


class CommandRead(Schema):
    id: uuid.UUID
    device_id: uuid.UUID
    name: str
    params: dict[str, Any]
    status: str
    actor: str
    created_at: datetime
    sent_at: datetime | None
    acknowledged_at: datetime | None
    detail: str | None


class CommandPage(Schema):
    items: list[CommandRead]
