"""Care: profiles of people who consented to be watched over, their contacts, carers and home
devices; the monitors on their readings, away periods, alerts with their escalation steps, and
the messages sent to them and their contacts."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from linli.core import clock
from linli.core.database import Base, CreatedMixin, IdMixin
from linli.security.crypto import EncryptedText

KINDS = ("living_alone", "disabled", "after_discharge")
CONSENT_METHODS = ("in_person", "paper", "phone", "app")
# What a linked device does in the home; its readings mean what the role says.
ROLES = (
    "motion",
    "bathroom_motion",
    "door",
    "water_meter",
    "power",
    "sos",
    "wearable",
)
MONITOR_KINDS = (
    "routine",
    "no_water",
    "water_constant",
    "no_motion_by",
    "door_night",
    "long_bathroom",
    "sos",
)
ALERT_STATUSES = ("open", "answered", "case", "closed")


class CareProfile(IdMixin, CreatedMixin, Base):
    """A person in care: who, why, their consent, encrypted notes and how long to wait."""

    __tablename__ = "care_profile"
    __table_args__ = (Index("ix_care_profile_org_path", "org_path", "id"),)

    resident_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("resident.id", ondelete="CASCADE"), unique=True
    )
    org_unit_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("org_unit.id"))
    org_path: Mapped[str] = mapped_column(String(1024))
    kind: Mapped[str] = mapped_column(String(32))
    language: Mapped[str] = mapped_column(String(16), default="en")
    lon: Mapped[float | None]
    lat: Mapped[float | None]
    # Consent: who recorded it, when and how; withdrawn stops monitoring and hides history.
    consent_method: Mapped[str] = mapped_column(String(16))
    consent_by: Mapped[str] = mapped_column(String(200))
    consent_at: Mapped[datetime]
    withdrawn_at: Mapped[datetime | None]
    withdrawn_by: Mapped[str | None] = mapped_column(String(200))
    health_notes: Mapped[str | None] = mapped_column(EncryptedText("care_profile.health_notes"))
    access_notes: Mapped[str | None] = mapped_column(EncryptedText("care_profile.access_notes"))
    ok_wait_minutes: Mapped[int] = mapped_column(Integer, default=5)
    contact_wait_minutes: Mapped[int] = mapped_column(Integer, default=10)
    # The learned routine (`linli.rules.detectors.ProfileDetector`) and when learning began.
    routine_state: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    learning_since: Mapped[datetime] = mapped_column(default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(default=clock.now)

    @property
    def active(self) -> bool:
        """Say whether the person's consent holds (monitoring runs only then)."""
        return self.withdrawn_at is None


class CareCarer(IdMixin, Base):
    """A staff account caring for a profile: position 0 is the carer, then backups in order."""

    __tablename__ = "care_carer"
    __table_args__ = (
        UniqueConstraint("profile_id", "account_id"),
        Index("ix_care_carer_account", "account_id", "profile_id"),
    )

    profile_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("care_profile.id", ondelete="CASCADE"))
    account_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("staff_account.id", ondelete="CASCADE")
    )
    position: Mapped[int] = mapped_column(Integer)


class CareContact(IdMixin, Base):
    """An emergency contact, called in order; name and phone encrypted."""

    __tablename__ = "care_contact"
    __table_args__ = (UniqueConstraint("profile_id", "position"),)

    profile_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("care_profile.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str | None] = mapped_column(EncryptedText("care_contact.name"))
    phone: Mapped[str | None] = mapped_column(EncryptedText("care_contact.phone"))
    language: Mapped[str] = mapped_column(String(16), default="en")


class CareDevice(IdMixin, Base):
    """A device of the home and its role there (a device serves one profile)."""

    __tablename__ = "care_device"
    __table_args__ = (Index("ix_care_device_profile", "profile_id", "id"),)

    profile_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("care_profile.id", ondelete="CASCADE"))
    device_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("device.id", ondelete="CASCADE"), unique=True
    )
    role: Mapped[str] = mapped_column(String(32))


class CareMonitor(IdMixin, Base):
    """One monitor of a profile, its settings, what it last saw and its timer (`due_at`)."""

    __tablename__ = "care_monitor"
    __table_args__ = (
        UniqueConstraint("profile_id", "kind"),
        Index("ix_care_monitor_due", "due_at", "id"),
    )

    profile_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("care_profile.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    enabled: Mapped[bool] = mapped_column(default=True)
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    state: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    due_at: Mapped[datetime | None]
    alerts: Mapped[int] = mapped_column(Integer, default=0)
    false_alarms: Mapped[int] = mapped_column(Integer, default=0)


class CareAway(IdMixin, CreatedMixin, Base):
    """A period the person is away (a holiday marked by the carer): monitors stay silent."""

    __tablename__ = "care_away"
    __table_args__ = (Index("ix_care_away_profile", "profile_id", "ends_at"),)

    profile_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("care_profile.id", ondelete="CASCADE"))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(String(200))


class CareAlert(IdMixin, Base):
    """An alert about a person and its escalation chain; `next_at` is the next step's timer."""

    __tablename__ = "care_alert"
    __table_args__ = (
        Index("ix_care_alert_profile", "profile_id", "raised_at", "id"),
        Index("ix_care_alert_next", "next_at", "id"),
        Index("ix_care_alert_org_path", "org_path", "raised_at", "id"),
    )

    profile_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("care_profile.id", ondelete="CASCADE"))
    org_path: Mapped[str] = mapped_column(String(1024))
    monitor: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default="open")
    # The chain's position: 0 = the person asked, 1..n = contact n, then the case.
    step: Mapped[int] = mapped_column(Integer, default=0)
    next_at: Mapped[datetime | None]
    raised_at: Mapped[datetime]
    answered_at: Mapped[datetime | None]
    answer: Mapped[str | None] = mapped_column(String(16))
    answered_by: Mapped[str | None] = mapped_column(String(200))
    case_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("case_record.id", ondelete="SET NULL")
    )


class CareAlertStep(IdMixin, Base):
    """One step of an alert's chain, with its time."""

    __tablename__ = "care_alert_step"
    __table_args__ = (Index("ix_care_alert_step_alert", "alert_id", "at", "id"),)

    alert_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("care_alert.id", ondelete="CASCADE"))
    at: Mapped[datetime]
    action: Mapped[str] = mapped_column(String(32))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class CareMessage(IdMixin, CreatedMixin, Base):
    """A text to the person or a contact, queued for the SMS gateway (address encrypted)."""

    __tablename__ = "care_message"
    __table_args__ = (
        Index("ix_care_message_status", "status", "created_at", "id"),
        Index("ix_care_message_alert", "alert_id", "id"),
    )

    alert_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("care_alert.id", ondelete="CASCADE"))
    recipient: Mapped[str] = mapped_column(String(32))  # "person" or "contact:N"
    address: Mapped[str | None] = mapped_column(EncryptedText("care_message.address"))
    locale: Mapped[str] = mapped_column(String(16))
    body: Mapped[str] = mapped_column(String(1000))
    status: Mapped[str] = mapped_column(String(16), default="queued")
    sent_at: Mapped[datetime | None]
