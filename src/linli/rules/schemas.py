"""Rules API shapes: threshold rules and alarms."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import Field

from linli.core.schemas import Schema


class RuleCreate(Schema):
    """A threshold rule; type, metric, op and severity are checked against the device types."""

    name: str = Field(min_length=1, max_length=200)
    device_type: str = Field(min_length=1, max_length=64, examples=["AirQualityObserved"])
    metric: str = Field(min_length=1, max_length=32, examples=["pm25"])
    op: str = Field(min_length=1, max_length=2, examples=[">"])
    threshold: float
    scope_unit_id: uuid.UUID
    severity: str = Field(default="major", examples=["major"])
    case_category: str | None = Field(default=None, min_length=1, max_length=64)
    active: bool = True


class RuleRead(Schema):
    id: uuid.UUID
    name: str
    device_type: str
    metric: str
    op: str
    threshold: float
    scope_unit_id: uuid.UUID
    scope_path: str
    severity: str
    case_category: str | None
    active: bool
    created_by: str
    created_at: datetime


class RulePage(Schema):
    items: list[RuleRead]
    total: int


class AlarmRead(Schema):
    id: uuid.UUID
    rule_id: uuid.UUID
    device_id: uuid.UUID
    device_code: str
    lon: float | None
    lat: float | None
    metric: str
    org_unit_id: uuid.UUID
    org_path: str
    severity: str
    status: str
    raised_at: datetime
    value: float
    last_value: float
    last_value_at: datetime
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    ack_note: str | None
    cleared_at: datetime | None
    clear_value: float | None
    case_id: uuid.UUID | None


class AlarmPage(Schema):
    items: list[AlarmRead]
    total: int


class AlarmAcknowledge(Schema):
    note: str = Field(default="", max_length=2000)
