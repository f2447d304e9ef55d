"""Volunteers, their leave, programmes, shifts and sign-ups."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from linli.core import clock
from linli.core.database import Base, CreatedMixin, IdMixin
from linli.security.crypto import EncryptedText
from linli.security.lookup import lookup_hash_of

SIGNUP_STATUSES = ("pending", "confirmed", "waitlisted", "cancelled")


class Volunteer(IdMixin, CreatedMixin, Base):
    """A volunteer of an org unit: who (encrypted), where they live, what they can do and when."""

    __tablename__ = "volunteer"
    __table_args__ = (
        # Matching: a bounding box on the home point, nearest first (see service.nearest_available)
        Index("ix_volunteer_lat_lon", "lat", "lon"),
        # The coordinators' list, scoped by subtree.
        Index("ix_volunteer_org_path", "org_path", "created_at", "id"),
    )

    unit_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("org_unit.id"))
    org_path: Mapped[str] = mapped_column(String(1024))
    # The staff account (role `volunteer`) a case can be dispatched to, if the volunteer has one.
    account_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("staff_account.id", ondelete="SET NULL"), unique=True
    )
    name: Mapped[str] = mapped_column(EncryptedText("volunteer.name"))
    phone: Mapped[str | None] = mapped_column(EncryptedText("volunteer.phone"))
    phone_hash: Mapped[str | None] = mapped_column(
        String(64), index=True, info=lookup_hash_of("phone")
    )
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)  # codes: en, zh, ms, ta…
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    skills: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Qualification code → the last day it is valid (ISO date).
    qualifications: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    # Weekly windows in the site's local time: {"weekday": 0-6 (Monday 0), "start", "end"} "HH:MM"
    windows: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(default=clock.now)


class Leave(IdMixin, CreatedMixin, Base):
    """A period the volunteer is not available (holiday, illness)."""

    __tablename__ = "volunteer_leave"
    __table_args__ = (Index("ix_volunteer_leave_volunteer", "volunteer_id", "ends_at", "id"),)

    volunteer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("volunteer.id", ondelete="CASCADE"))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]


class Programme(IdMixin, CreatedMixin, Base):
    """A volunteering programme of an org unit (meal rounds, digital help, events…)."""

    __tablename__ = "volunteer_programme"
    __table_args__ = (Index("ix_volunteer_programme_org_path", "org_path", "created_at", "id"),)

    unit_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("org_unit.id"))
    org_path: Mapped[str] = mapped_column(String(1024))
    name: Mapped[dict[str, str]] = mapped_column(JSON)  # per language
    # Sign-ups wait for a coordinator's confirmation instead of being confirmed at once.
    requires_confirmation: Mapped[bool] = mapped_column(Boolean, default=False)
    coordinator_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("staff_account.id", ondelete="SET NULL")
    )
    created_by: Mapped[str] = mapped_column(String(100))


class Shift(IdMixin, CreatedMixin, Base):
    """A shift of a programme: when, where, how many people with which skills."""

    __tablename__ = "volunteer_shift"
    __table_args__ = (
        Index("ix_volunteer_shift_org_path", "org_path", "starts_at", "id"),
        # The periodic warnings and reminders look at shifts starting soon.
        Index("ix_volunteer_shift_starts", "starts_at", "id"),
        Index("ix_volunteer_shift_programme", "programme_id", "starts_at", "id"),
    )

    programme_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("volunteer_programme.id", ondelete="CASCADE")
    )
    org_path: Mapped[str] = mapped_column(String(1024))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    place: Mapped[str] = mapped_column(String(200))
    needed: Mapped[int] = mapped_column(Integer)
    skills: Mapped[list[str]] = mapped_column(JSON, default=list)
    confirmed_count: Mapped[int] = mapped_column(Integer, default=0)
    cancelled: Mapped[bool] = mapped_column(Boolean, default=False)
    short_warned_at: Mapped[datetime | None]  # the coordinator was warned (once)
    reminded_at: Mapped[datetime | None]  # the signed-up volunteers were reminded (once)


class Signup(IdMixin, CreatedMixin, Base):
    """A volunteer's place on a shift (or its waitlist), check-in and check-out."""

    __tablename__ = "volunteer_signup"
    __table_args__ = (
        UniqueConstraint("shift_id", "volunteer_id"),
        Index("ix_volunteer_signup_order", "shift_id", "status", "created_at", "id"),
        # A volunteer's shifts in time: overlaps, "on another shift", their own list, hours.
        Index("ix_volunteer_signup_volunteer", "volunteer_id", "starts_at", "id"),
    )

    shift_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("volunteer_shift.id", ondelete="CASCADE")
    )
    volunteer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("volunteer.id", ondelete="CASCADE"))
    # The shift's times, copied so a volunteer's overlaps are found from this table alone.
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16))
    checked_in_at: Mapped[datetime | None]
    checked_out_at: Mapped[datetime | None]
    minutes: Mapped[int] = mapped_column(Integer, default=0)  # hours served, in minutes
    actor: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(default=clock.now)
