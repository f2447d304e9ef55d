"""Courses, their sessions, residents' places at sessions (and attendance), help requests.

Walk-ins' names and phones and what a resident says about their need are encrypted
(`EncryptedText`); a phone is found by its keyed hash, for data-subject requests."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from linli.core import clock
from linli.core.database import Base, CreatedMixin, IdMixin
from linli.security.crypto import EncryptedText
from linli.security.lookup import lookup_hash_of

LEVELS = ("beginner", "intermediate", "advanced")
TOPICS = (
    "smartphone_basics",
    "resident_portal",
    "scam_safety",
    "video_calls",
    "e_payments",
    "health_apps",
    "government_services",
)
REGISTRATION_STATUSES = ("registered", "waitlisted", "cancelled")
HELP_MODES = ("in_person", "phone")
HELP_STATUSES = ("open", "taken", "scheduled", "closed")
OUTCOMES = ("helped", "unreachable", "referred")

Texts = dict[str, str]  # locale -> text


class Course(IdMixin, CreatedMixin, Base):
    """A digital-skills course of an org unit: its title in each language, level and topics."""

    __tablename__ = "inclusion_course"
    __table_args__ = (Index("ix_inclusion_course_org_path", "org_path", "created_at", "id"),)

    unit_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("org_unit.id"))
    org_path: Mapped[str] = mapped_column(String(1024))
    title: Mapped[Texts] = mapped_column(JSON)
    level: Mapped[str] = mapped_column(String(16))
    topics: Mapped[list[str]] = mapped_column(JSON)
    # How many of its sessions a resident attends to have completed the course.
    sessions_to_complete: Mapped[int] = mapped_column(Integer, default=1)
    created_by: Mapped[str] = mapped_column(String(100))


class CourseSession(IdMixin, CreatedMixin, Base):
    """One session of a course: where, when, in which language, for how many, led by whom."""

    __tablename__ = "inclusion_session"
    __table_args__ = (
        Index("ix_inclusion_session_course", "course_id", "starts_at", "id"),
        Index("ix_inclusion_session_org_path", "org_path", "starts_at", "id"),
        Index("ix_inclusion_session_starts", "starts_at", "id"),
    )

    course_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("inclusion_course.id", ondelete="CASCADE")
    )
    org_path: Mapped[str] = mapped_column(String(1024))  # the course's
    place: Mapped[str] = mapped_column(String(300))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    language: Mapped[str] = mapped_column(String(16))
    capacity: Mapped[int] = mapped_column(Integer)
    registered_count: Mapped[int] = mapped_column(Integer, default=0)
    # The digital ambassadors (staff account ids, as strings) who lead it.
    ambassadors: Mapped[list[str]] = mapped_column(JSON)
    created_by: Mapped[str] = mapped_column(String(100))


class SessionRegistration(IdMixin, CreatedMixin, Base):
    """A resident's place at a session (or on its waitlist) and whether they came: a resident
    account, or a walk-in entered by staff by name and phone."""

    __tablename__ = "inclusion_registration"
    __table_args__ = (
        UniqueConstraint("session_id", "account_id"),
        # The session's list and its waitlist's order.
        Index("ix_inclusion_registration_order", "session_id", "status", "created_at", "id"),
        Index("ix_inclusion_registration_account", "account_id", "created_at", "id"),
        # The figure: who attended in a subtree since a time.
        Index("ix_inclusion_registration_attended", "org_path", "attended_at"),
    )

    session_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("inclusion_session.id", ondelete="CASCADE")
    )
    course_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("inclusion_course.id", ondelete="CASCADE")
    )
    org_path: Mapped[str] = mapped_column(String(1024))  # the course's
    account_id: Mapped[uuid.UUID | None] = mapped_column()  # a resident account
    # The registry's resident, when known (an account matched to the registry, or staff naming
    # them): what the seniors-helped figure counts.
    registry_resident_id: Mapped[uuid.UUID | None] = mapped_column()
    name: Mapped[str | None] = mapped_column(EncryptedText("inclusion_registration.name"))
    phone: Mapped[str | None] = mapped_column(EncryptedText("inclusion_registration.phone"))
    phone_hash: Mapped[str | None] = mapped_column(String(64), info=lookup_hash_of("phone"))
    status: Mapped[str] = mapped_column(String(16))
    attended_at: Mapped[datetime | None]
    recorded_by: Mapped[str | None] = mapped_column(String(200))
    actor: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(default=clock.now)


class HelpRequest(IdMixin, CreatedMixin, Base):
    """A resident's request for help from a digital ambassador, and what came of it."""

    __tablename__ = "inclusion_help_request"
    __table_args__ = (
        # The ambassadors' queue: open requests of a subtree, oldest first.
        Index("ix_inclusion_help_queue", "status", "org_path", "created_at", "id"),
        Index("ix_inclusion_help_org_path", "org_path", "created_at", "id"),
        Index("ix_inclusion_help_account", "account_id", "created_at", "id"),
        Index("ix_inclusion_help_outcome", "org_path", "outcome", "closed_at"),
    )

    org_path: Mapped[str] = mapped_column(String(1024))
    account_id: Mapped[uuid.UUID | None] = mapped_column()
    registry_resident_id: Mapped[uuid.UUID | None] = mapped_column()
    name: Mapped[str | None] = mapped_column(EncryptedText("inclusion_help_request.name"))
    phone: Mapped[str | None] = mapped_column(EncryptedText("inclusion_help_request.phone"))
    phone_hash: Mapped[str | None] = mapped_column(String(64), info=lookup_hash_of("phone"))
    topic: Mapped[str] = mapped_column(String(32))
    mode: Mapped[str] = mapped_column(String(16))
    language: Mapped[str] = mapped_column(String(16))
    preferred_times: Mapped[str] = mapped_column(String(300), default="")
    details: Mapped[str | None] = mapped_column(EncryptedText("inclusion_help_request.details"))
    status: Mapped[str] = mapped_column(String(16), default="open")
    ambassador_id: Mapped[uuid.UUID | None] = mapped_column()  # a staff account
    taken_at: Mapped[datetime | None]
    appointment_at: Mapped[datetime | None]
    outcome: Mapped[str | None] = mapped_column(String(16))
    outcome_note: Mapped[str | None] = mapped_column(
        EncryptedText("inclusion_help_request.outcome_note")
    )
    closed_at: Mapped[datetime | None]
    actor: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(default=clock.now)
