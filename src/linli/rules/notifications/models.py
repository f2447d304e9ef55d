"""On-call routes, personal preferences, inbox notifications, deliveries, escalation timers."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from linli.core.database import Base, CreatedMixin, IdMixin
from linli.security.crypto import EncryptedText
from linli.security.lookup import lookup_hash_of

CHANNELS = ("inapp", "push", "email", "sms", "voice")
DELIVERY_STATUSES = ("queued", "sent", "failed", "dead")
ESCALATION_STATUSES = ("waiting", "stopped", "exhausted")
REACH_METHODS = ("phone", "visit")


class NotificationRoute(IdMixin, CreatedMixin, Base):
    """The on-call list of an org unit for alarms of `severity_min` or worse, in call order."""

    __tablename__ = "notification_route"
    __table_args__ = (
        UniqueConstraint("unit_id", "severity_min"),
        Index("ix_notification_route_order", "unit_path", "severity_min", "id"),
    )

    unit_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("org_unit.id", ondelete="CASCADE"))
    unit_path: Mapped[str] = mapped_column(String(1024), index=True)
    severity_min: Mapped[str] = mapped_column(String(16))
    # Staff account ids (as strings), the first is called first.
    staff_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    ack_timeout_minutes: Mapped[int] = mapped_column(Integer, default=15)


class NotificationPreference(Base):
    """How one staff member wants to be told: channels per severity, quiet hours, addresses."""

    __tablename__ = "notification_preference"

    account_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("staff_account.id", ondelete="CASCADE"), primary_key=True
    )
    # {"critical": ["inapp", "sms", ...], ...}; a severity left out uses the defaults.
    channels: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    timezone: Mapped[str | None] = mapped_column(String(64))  # None: the alarm unit's calendar
    quiet_start: Mapped[str | None] = mapped_column(String(5))  # "22:00", local time
    quiet_end: Mapped[str | None] = mapped_column(String(5))  # "07:00"
    email: Mapped[str | None] = mapped_column(EncryptedText("staff.email"))
    phone: Mapped[str | None] = mapped_column(EncryptedText("staff.phone"))
    email_hash: Mapped[str | None] = mapped_column(
        String(64), index=True, info=lookup_hash_of("email")
    )
    phone_hash: Mapped[str | None] = mapped_column(
        String(64), index=True, info=lookup_hash_of("phone")
    )
    push_endpoint: Mapped[str | None] = mapped_column(String(2000))
    push_p256dh: Mapped[str | None] = mapped_column(String(200))
    push_auth: Mapped[str | None] = mapped_column(String(100))
    updated_at: Mapped[datetime | None]


class Notification(IdMixin, CreatedMixin, Base):
    """One message to one staff member: a row of their inbox, in their language."""

    __tablename__ = "notification"
    __table_args__ = (
        # The same event (or escalation step) never notifies the same person twice.
        UniqueConstraint("account_id", "dedupe_key"),
        Index("ix_notification_account_read", "account_id", "read_at"),
        Index("ix_notification_account_created", "account_id", "created_at", "id"),  # the inbox
    )

    account_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("staff_account.id", ondelete="CASCADE")
    )
    dedupe_key: Mapped[str] = mapped_column(String(128))
    kind: Mapped[str] = mapped_column(String(32))  # alarm.raised | alarm.escalated
    alarm_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("alarm.id", ondelete="CASCADE"), index=True
    )
    org_path: Mapped[str] = mapped_column(String(1024))
    severity: Mapped[str] = mapped_column(String(16))
    locale: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(String(4000))
    # The page on the site where the person acts on it (a path: the inbox links it as is, mails
    # and SMS put `LINLI_BASE_URL` in front).
    link: Mapped[str | None] = mapped_column(String(500))
    suppressed: Mapped[list[str]] = mapped_column(
        JSON, default=list
    )  # channels held by quiet hours
    read_at: Mapped[datetime | None]


class Delivery(IdMixin, CreatedMixin, Base):
    """One notification sent over one channel: queued → sent, or failed → retried → dead."""

    __tablename__ = "notification_delivery"
    __table_args__ = (
        Index("ix_notification_delivery_due", "status", "next_attempt_at"),
        Index("ix_notification_delivery_receipt", "gateway", "receipt_id"),
        Index("ix_notification_delivery_org_path", "org_path"),
        # The delivery list's order, unfiltered and by status.
        Index("ix_notification_delivery_created_id", "created_at", "id"),
        Index("ix_notification_delivery_status_created", "status", "created_at", "id"),
    )

    notification_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("notification.id", ondelete="CASCADE"), index=True
    )
    account_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("staff_account.id", ondelete="CASCADE")
    )
    org_path: Mapped[str] = mapped_column(String(1024))
    channel: Mapped[str] = mapped_column(String(16))
    gateway: Mapped[str] = mapped_column(String(32))
    address: Mapped[str | None] = mapped_column(EncryptedText("notification.address"))
    address_hash: Mapped[str | None] = mapped_column(
        String(64), index=True, info=lookup_hash_of("address")
    )
    status: Mapped[str] = mapped_column(String(16), default="queued")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime]
    last_error: Mapped[str | None] = mapped_column(String(1000))
    receipt_id: Mapped[str | None] = mapped_column(String(200))
    sent_at: Mapped[datetime | None]
    delivered_at: Mapped[datetime | None]


class Escalation(IdMixin, CreatedMixin, Base):
    """The timer of an unacknowledged alarm: at `due_at` the next person of the route is told."""

    __tablename__ = "notification_escalation"
    __table_args__ = (Index("ix_notification_escalation_due", "status", "due_at"),)

    alarm_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("alarm.id", ondelete="CASCADE"), unique=True
    )
    route_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("notification_route.id", ondelete="CASCADE"), index=True
    )
    org_path: Mapped[str] = mapped_column(String(1024))
    step: Mapped[int] = mapped_column(Integer, default=0)  # index of the last person told
    status: Mapped[str] = mapped_column(String(16), default="waiting")
    due_at: Mapped[datetime]


class ResidentReach(Base):
    """How to reach a resident without a smartphone for an alert: by phone or visit, in which
    language."""

    __tablename__ = "resident_reach"

    resident_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("resident.id", ondelete="CASCADE"), primary_key=True
    )
    org_path: Mapped[str] = mapped_column(String(1024), index=True)
    has_smartphone: Mapped[bool] = mapped_column(default=False)
    language: Mapped[str] = mapped_column(String(16), default="en")
    method: Mapped[str] = mapped_column(String(8), default="phone")


class NoticeMessage(IdMixin, CreatedMixin, Base):
    """One resident told of an incident notice: an SMS in their language, or a line on the
    list of residents to phone or visit (`status` "listed"); one per (notice, resident, channel).
    """

    __tablename__ = "incident_notice_message"
    __table_args__ = (
        UniqueConstraint("notice_id", "resident_id", "channel"),
        Index("ix_incident_notice_message_due", "status", "next_attempt_at"),
    )

    notice_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("incident_notice.id", ondelete="CASCADE"), index=True
    )
    resident_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("resident.id", ondelete="CASCADE"))
    org_path: Mapped[str] = mapped_column(String(1024))
    channel: Mapped[str] = mapped_column(String(16))  # sms | phone | visit
    gateway: Mapped[str] = mapped_column(String(32))
    locale: Mapped[str] = mapped_column(String(16))
    address: Mapped[str | None] = mapped_column(EncryptedText("notification.address"))
    address_hash: Mapped[str | None] = mapped_column(
        String(64), index=True, info=lookup_hash_of("address")
    )
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(String(4000))
    status: Mapped[str] = mapped_column(String(16), default="queued")  # + "listed"
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime]
    last_error: Mapped[str | None] = mapped_column(String(1000))
    receipt_id: Mapped[str | None] = mapped_column(String(200))
    sent_at: Mapped[datetime | None]
    delivered_at: Mapped[datetime | None]
