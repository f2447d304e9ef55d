"""Care API schemas: profiles, consent, contacts, carers, devices, monitors, away periods and
alerts; the carer's view."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints

from linli.core.pagination import PageMeta
from linli.core.schemas import Schema

Kind = Literal["living_alone", "disabled", "after_discharge"]
ConsentMethod = Literal["in_person", "paper", "phone", "app"]
Role = Literal["motion", "bathroom_motion", "door", "water_meter", "power", "sos", "wearable"]
MonitorKind = Literal[
    "routine", "no_water", "water_constant", "no_motion_by", "door_night", "long_bathroom", "sos"
]
Locale = Literal["en", "zh_Hans", "ms", "ta"]
Note = Annotated[str, StringConstraints(max_length=2000)]
Name = Annotated[str, StringConstraints(min_length=1, max_length=200, strip_whitespace=True)]
Phone = Annotated[str, StringConstraints(pattern=r"^\+?[0-9 ()\-]{5,24}$", max_length=24)]
HourMinute = Annotated[str, StringConstraints(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$")]


class ContactIn(Schema):
    name: Name
    phone: Phone
    language: Locale = "en"


class DeviceLink(Schema):
    device_id: uuid.UUID
    role: Role


class ProfileCreate(Schema):
    resident_id: uuid.UUID
    kind: Kind
    language: Locale = "en"
    consent_method: ConsentMethod
    health_notes: Note | None = None
    access_notes: Note | None = None
    ok_wait_minutes: int = Field(5, ge=1, le=120)
    contact_wait_minutes: int = Field(10, ge=1, le=240)
    carer_ids: list[uuid.UUID] = Field(min_length=1, max_length=5)
    contacts: list[ContactIn] = Field(default_factory=list, max_length=5)
    devices: list[DeviceLink] = Field(default_factory=list, max_length=20)


class ProfileUpdate(Schema):
    kind: Kind | None = None
    language: Locale | None = None
    health_notes: Note | None = None
    access_notes: Note | None = None
    ok_wait_minutes: int | None = Field(None, ge=1, le=120)
    contact_wait_minutes: int | None = Field(None, ge=1, le=240)
    carer_ids: list[uuid.UUID] | None = Field(None, min_length=1, max_length=5)
    contacts: list[ContactIn] | None = Field(None, max_length=5)
    devices: list[DeviceLink] | None = Field(None, max_length=20)


class ContactRead(Schema):
    position: int
    name: str
    phone: str
    language: str


class DeviceRead(Schema):
    device_id: uuid.UUID
    role: str


class MonitorRead(Schema):
    kind: str
    enabled: bool
    params: dict[str, Any]
    due_at: datetime | None
    alerts: int
    false_alarms: int
    learning: bool = False


class ProfileSummary(Schema):
    id: uuid.UUID
    resident_id: uuid.UUID
    kind: str
    language: str
    active: bool
    consent_at: datetime
    withdrawn_at: datetime | None


class ProfileRead(ProfileSummary):
    org_path: str
    consent_method: str
    consent_by: str
    health_notes: str | None
    access_notes: str | None
    ok_wait_minutes: int
    contact_wait_minutes: int
    carer_ids: list[uuid.UUID]
    contacts: list[ContactRead]
    devices: list[DeviceRead]
    monitors: list[MonitorRead]
    learning: bool
    false_alarm_rate: float | None


class ProfilePage(PageMeta):
    items: list[ProfileSummary]


class MonitorUpdate(Schema):
    enabled: bool | None = None
    hours: float | None = Field(None, gt=0, le=72)
    minutes: int | None = Field(None, ge=5, le=24 * 60)
    at: HourMinute | None = None
    start: HourMinute | None = None
    end: HourMinute | None = None


class WithdrawRequest(Schema):
    note: Note | None = None


class AwayCreate(Schema):
    starts_at: datetime
    ends_at: datetime


class AwayRead(Schema):
    id: uuid.UUID
    starts_at: datetime
    ends_at: datetime
    created_by: str


class StepRead(Schema):
    at: datetime
    action: str
    detail: dict[str, Any]


class AlertRead(Schema):
    id: uuid.UUID
    profile_id: uuid.UUID
    monitor: str
    status: str
    step: int
    raised_at: datetime
    answered_at: datetime | None
    answer: str | None
    case_id: uuid.UUID | None
    steps: list[StepRead] = Field(default_factory=list)


class AlertPage(PageMeta):
    items: list[AlertRead]


class AnswerRequest(Schema):
    answer: Literal["ok", "going"]
    note: Note | None = None


class CarerViewItem(Schema):
    profile_id: uuid.UUID
    kind: str
    open_alerts: int
    attention: Literal["alert", "learning", "fine"]


class CarerView(Schema):
    items: list[CarerViewItem]
