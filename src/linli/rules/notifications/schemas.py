"""Notifications API shapes: inbox, preferences, on-call routes, deliveries, receipts."""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import ConfigDict, Field, StringConstraints, field_validator, model_validator

from linli.core.pagination import COUNT_CAP, PageMeta
from linli.core.schemas import Schema

Severity = Literal["critical", "major", "minor", "warning"]
ChannelName = Literal["inapp", "push", "email", "sms", "voice"]
_CLOCK = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class NotificationRead(Schema):
    id: uuid.UUID
    kind: str
    alarm_id: uuid.UUID | None
    severity: str
    locale: str
    title: str
    body: str
    suppressed: list[str]
    created_at: datetime
    read_at: datetime | None


class NotificationPage(PageMeta):
    items: list[NotificationRead]
    unread: int = Field(description=f"how many of mine are unread, counted up to {COUNT_CAP:,}")
    unread_capped: bool = Field(False, description="true when more are unread than `unread`")


class PushSubscription(Schema):
    """A browser's PushSubscription (`subscription.toJSON()`)."""

    model_config = ConfigDict(extra="ignore")

    endpoint: str = Field(min_length=8, max_length=2000, pattern=r"^https?://")
    keys: dict[str, Annotated[str, StringConstraints(max_length=256)]] = Field(max_length=8)

    @field_validator("keys")
    @classmethod
    def _keys(cls, keys: dict[str, str]) -> dict[str, str]:
        if not keys.get("p256dh") or not keys.get("auth"):
            raise ValueError("keys need 'p256dh' and 'auth'")
        return keys


class PreferenceUpdate(Schema):
    """The whole of a person's preferences (PUT replaces them)."""

    model_config = ConfigDict(extra="forbid")

    channels: dict[Severity, Annotated[list[ChannelName], Field(max_length=5)]] = Field(
        default_factory=dict
    )
    timezone: str | None = Field(default=None, max_length=64, examples=["Asia/Shanghai"])
    quiet_start: str | None = Field(default=None, max_length=5, examples=["22:00"])
    quiet_end: str | None = Field(default=None, max_length=5, examples=["07:00"])
    email: str | None = Field(default=None, max_length=320)
    phone: str | None = Field(default=None, max_length=32)
    push: PushSubscription | None = None

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                ZoneInfo(value)
            except (ZoneInfoNotFoundError, ValueError) as err:
                raise ValueError(f"unknown time zone {value!r}") from err
        return value

    @field_validator("quiet_start", "quiet_end")
    @classmethod
    def _clock(cls, value: str | None) -> str | None:
        if value is not None and not _CLOCK.match(value):
            raise ValueError("use HH:MM, 00:00–23:59")
        return value

    @field_validator("email")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        if value is not None and not _EMAIL.match(value):
            raise ValueError("not an e-mail address")
        return value

    @model_validator(mode="after")
    def _both_ends(self) -> PreferenceUpdate:
        if (self.quiet_start is None) != (self.quiet_end is None):
            raise ValueError("quiet hours need both quiet_start and quiet_end")
        return self


class PreferenceRead(Schema):
    channels: dict[str, list[str]]
    timezone: str | None
    quiet_start: str | None
    quiet_end: str | None
    email: str | None
    phone: str | None
    push_endpoint: str | None


class RouteCreate(Schema):
    model_config = ConfigDict(extra="forbid")

    unit_id: uuid.UUID
    severity_min: Severity = "warning"
    staff_ids: list[uuid.UUID] = Field(min_length=1, max_length=20)
    ack_timeout_minutes: int = Field(default=15, ge=1, le=24 * 60)


class RouteUpdate(Schema):
    model_config = ConfigDict(extra="forbid")

    severity_min: Severity | None = None
    staff_ids: list[uuid.UUID] | None = Field(default=None, min_length=1, max_length=20)
    ack_timeout_minutes: int | None = Field(default=None, ge=1, le=24 * 60)


class RouteRead(Schema):
    id: uuid.UUID
    unit_id: uuid.UUID
    unit_path: str
    severity_min: str
    staff_ids: list[uuid.UUID]
    ack_timeout_minutes: int
    created_at: datetime


class RoutePage(PageMeta):
    items: list[RouteRead]


class DeliveryRead(Schema):
    id: uuid.UUID
    notification_id: uuid.UUID
    account_id: uuid.UUID
    channel: str
    gateway: str
    address: str | None = Field(description="masked")
    status: str
    attempts: int
    next_attempt_at: datetime
    last_error: str | None
    receipt_id: str | None
    sent_at: datetime | None
    delivered_at: datetime | None
    created_at: datetime


class DeliveryPage(PageMeta):
    items: list[DeliveryRead]


class ReceiptCreate(Schema):
    """A gateway's callback: its message id and what became of the message."""

    model_config = ConfigDict(extra="ignore")

    receipt_id: str = Field(min_length=1, max_length=200)
    status: Literal["delivered", "failed"]
    error: str | None = Field(default=None, max_length=1000)


class ReceiptRead(Schema):
    """What a receipt changed: a staff delivery or a resident's incident message."""

    kind: Literal["delivery", "notice_message"]
    id: uuid.UUID
    status: str
    delivered_at: datetime | None


class ReachUpdate(Schema):
    model_config = ConfigDict(extra="forbid")

    has_smartphone: bool = False
    language: Literal["en", "zh_Hans", "ms", "ta"] = "en"
    method: Literal["phone", "visit"] = "phone"


class ReachRead(Schema):
    resident_id: uuid.UUID
    has_smartphone: bool
    language: str
    method: str


class NoticeDeliveriesRead(Schema):
    """What became of one incident notice: staff told, messages per channel and status
    (`listed`: residents on the list to phone or visit)."""

    notice_id: uuid.UUID
    stage: int
    notified_staff: int
    channels: dict[str, dict[str, int]]


class NoticeDeliveriesPage(Schema):
    items: list[NoticeDeliveriesRead]


class PushKeyRead(Schema):
    """The install's VAPID public key, for `pushManager.subscribe({applicationServerKey})`."""

    public_key: str = Field(description="base64url, uncompressed P-256 point")
