"""What bookings keep: facilities and their rules, bookings, the slots they hold, the waitlist
and the suspensions repeated no-shows earn.

A booking holds one `BookingSlot` row per slot of its time; the row's key is (facility, slot
start), so two bookings of one slot cannot both be stored, whatever runs at the same time, on
PostgreSQL and SQLite alike. Cancelling a booking gives its slots back.
"""

from __future__ import annotations

import uuid
from datetime import datetime, time

from sqlalchemy import ForeignKey, Index, Integer, String, Time, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from linli.core import clock, refs
from linli.core.database import Base, CreatedMixin, IdMixin

BOOKING_REFS = refs.declare("booking")

FACILITY_KINDS = ("hall", "court", "room", "bbq_pit", "pitch", "studio", "other")
# A booking's life: offered (held for a waiting resident until accepted), confirmed, then
# checked in or a no-show; cancelled at any point before (an offer declined or expired too).
OFFERED, CONFIRMED, CHECKED_IN, NO_SHOW, CANCELLED = (
    "offered",
    "confirmed",
    "checked_in",
    "no_show",
    "cancelled",
)
BOOKING_STATUSES = (OFFERED, CONFIRMED, CHECKED_IN, NO_SHOW, CANCELLED)
HOLDING = (OFFERED, CONFIRMED, CHECKED_IN, NO_SHOW)  # statuses whose slots stay taken
# Fees are recorded, never processed: due when booked, then paid or waived by staff.
FEE_NONE, FEE_DUE, FEE_PAID, FEE_WAIVED = "none", "due", "paid", "waived"
FEE_STATUSES = (FEE_NONE, FEE_DUE, FEE_PAID, FEE_WAIVED)
WAITING, WAIT_OFFERED, WAIT_LEFT = "waiting", "offered", "left"


class Facility(IdMixin, CreatedMixin, Base):
    """A bookable facility of an org unit, open on some weekdays between two local times, cut
    into slots of `slot_minutes`, booked by one party at a time under its rules."""

    __tablename__ = "facility"
    __table_args__ = (
        Index(
            "ix_facility_org_path_name",
            "org_path",
            "name",
            "id",
            postgresql_ops={"org_path": "varchar_pattern_ops"},
        ),
        Index("ix_facility_name_id", "name", "id"),
    )

    org_unit_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("org_unit.id"), index=True)
    org_path: Mapped[str] = mapped_column(String(1024))
    place_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("place.id", ondelete="SET NULL"), index=True
    )
    kind: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(200))
    name_zh: Mapped[str | None] = mapped_column(String(200))
    location: Mapped[str] = mapped_column(String(300), default="")
    active: Mapped[bool] = mapped_column(default=True)
    # Opening hours, on the site's clock: weekdays (Monday = 0) and one daily window.
    days: Mapped[str] = mapped_column(String(7), default="0123456")
    opens: Mapped[time] = mapped_column(Time, default=time(8, 0))
    closes: Mapped[time] = mapped_column(Time, default=time(22, 0))
    slot_minutes: Mapped[int] = mapped_column(Integer, default=60)
    # Rules.
    need_level: Mapped[int] = mapped_column(Integer, default=0)  # residents.types.Level
    area_path: Mapped[str | None] = mapped_column(String(1024))  # residents of this subtree
    min_minutes: Mapped[int] = mapped_column(Integer, default=60)
    max_minutes: Mapped[int] = mapped_column(Integer, default=120)
    min_ahead_minutes: Mapped[int] = mapped_column(Integer, default=60)
    max_ahead_days: Mapped[int] = mapped_column(Integer, default=14)
    weekly_quota: Mapped[int] = mapped_column(Integer, default=2)
    cancel_cutoff_minutes: Mapped[int] = mapped_column(Integer, default=120)
    checkin_before_minutes: Mapped[int] = mapped_column(Integer, default=15)
    grace_minutes: Mapped[int] = mapped_column(Integer, default=15)
    no_show_limit: Mapped[int | None] = mapped_column(Integer)  # None: no-shows never suspend
    suspension_weeks: Mapped[int] = mapped_column(Integer, default=4)
    # Fee per hour in the currency's minor unit (cents, fen); 0 is free.
    fee_per_hour: Mapped[int] = mapped_column(Integer, default=0)
    currency: Mapped[str] = mapped_column(String(3), default="SGD")
    # The code shown on site that a resident enters to check in there.
    checkin_code: Mapped[str] = mapped_column(String(16))
    updated_at: Mapped[datetime] = mapped_column(default=clock.now)


class Booking(IdMixin, CreatedMixin, Base):
    """One resident's booking of a facility from `starts_at` to `ends_at` (UTC)."""

    __tablename__ = "booking"
    __table_args__ = (
        Index("ix_booking_facility_starts", "facility_id", "starts_at", "id"),
        Index("ix_booking_account_starts", "account_id", "starts_at", "id"),
        Index("ix_booking_status_starts", "status", "starts_at", "id"),
        Index(
            "ix_booking_org_path_starts",
            "org_path",
            "starts_at",
            "id",
            postgresql_ops={"org_path": "varchar_pattern_ops"},
        ),
    )

    ref: Mapped[str] = mapped_column(String(32), unique=True)
    facility_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("facility.id", ondelete="CASCADE"))
    org_path: Mapped[str] = mapped_column(String(1024))  # the facility's
    account_id: Mapped[uuid.UUID]  # the resident the booking is for
    proxy_account_id: Mapped[uuid.UUID | None]  # who booked for them, with consent
    actor: Mapped[str] = mapped_column(String(200))  # as the audit log names who booked
    status: Mapped[str] = mapped_column(String(16), default=CONFIRMED)
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    fee: Mapped[int] = mapped_column(Integer, default=0)  # minor units, fixed when booked
    currency: Mapped[str] = mapped_column(String(3))
    fee_status: Mapped[str] = mapped_column(String(16), default=FEE_NONE)
    fee_recorded_by: Mapped[str | None] = mapped_column(String(200))
    offer_expires_at: Mapped[datetime | None]
    checked_in_at: Mapped[datetime | None]
    checked_in_by: Mapped[str | None] = mapped_column(String(200))
    cancelled_at: Mapped[datetime | None]
    cancelled_by: Mapped[str | None] = mapped_column(String(200))
    cancel_reason: Mapped[str | None] = mapped_column(String(500))
    updated_at: Mapped[datetime] = mapped_column(default=clock.now)


class BookingSlot(Base):
    """A slot a booking holds: the key makes one slot of a facility one booking's at most."""

    __tablename__ = "booking_slot"

    facility_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("facility.id", ondelete="CASCADE"), primary_key=True
    )
    starts_at: Mapped[datetime] = mapped_column(primary_key=True)
    booking_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("booking.id", ondelete="CASCADE"), index=True
    )


class WaitlistEntry(IdMixin, CreatedMixin, Base):
    """A resident waiting for a time of a facility that was taken when they asked."""

    __tablename__ = "booking_waitlist"
    __table_args__ = (
        UniqueConstraint("facility_id", "starts_at", "account_id"),
        Index("ix_booking_waitlist_queue", "facility_id", "status", "created_at", "id"),
        Index("ix_booking_waitlist_account", "account_id", "created_at", "id"),
    )

    facility_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("facility.id", ondelete="CASCADE"))
    org_path: Mapped[str] = mapped_column(String(1024))
    account_id: Mapped[uuid.UUID]
    proxy_account_id: Mapped[uuid.UUID | None]
    actor: Mapped[str] = mapped_column(String(200))
    locale: Mapped[str] = mapped_column(String(16), default="en")
    level: Mapped[int] = mapped_column(Integer, default=0)  # the resident's when they joined
    home_path: Mapped[str | None] = mapped_column(String(1024))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16), default=WAITING)
    booking_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("booking.id", ondelete="SET NULL")
    )


class Suspension(IdMixin, CreatedMixin, Base):
    """A resident may not book a facility until `until`, after repeated no-shows."""

    __tablename__ = "booking_suspension"
    __table_args__ = (Index("ix_booking_suspension_who", "facility_id", "account_id", "until"),)

    facility_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("facility.id", ondelete="CASCADE"))
    account_id: Mapped[uuid.UUID]
    until: Mapped[datetime]
    no_shows: Mapped[int] = mapped_column(Integer)
