"""Case categories, cases, their append-only timeline and photo attachments."""

from __future__ import annotations

import hashlib
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, validates

from linli.core import clock
from linli.core.database import Base, CreatedMixin, IdMixin
from linli.security.crypto import EncryptedText


class Category(IdMixin, CreatedMixin, Base):
    """A kind of case (`env.air`, `public.order.noise`) with its priority and step time limits."""

    __tablename__ = "case_category"

    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    name_zh: Mapped[str | None] = mapped_column(String(200))
    priority: Mapped[int] = mapped_column(Integer, default=3)  # 1 urgent … 4 low
    # Minutes of working time per step: register, dispatch, accept, handle, verify.
    step_limits: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    # Kept equal to `"photo" in required_evidence` (see `_sync_evidence`); close checks it.
    requires_photo: Mapped[bool] = mapped_column(default=False)
    # The catalogue as data: a tree of major groups and the minor (leaf) categories cases use.
    parent_code: Mapped[str | None] = mapped_column(
        ForeignKey("case_category.code", ondelete="SET NULL"), index=True
    )
    kind: Mapped[str] = mapped_column(String(8), default="event", server_default="event")
    level: Mapped[str] = mapped_column(String(8), default="minor", server_default="minor")
    required_evidence: Mapped[list[str]] = mapped_column(JSON, default=list, server_default="[]")
    duplicate_radius_m: Mapped[int] = mapped_column(Integer, default=100, server_default="100")
    duplicate_window_hours: Mapped[int] = mapped_column(Integer, default=24, server_default="24")
    # Example report texts (en/zh/ms/ta) the triage model learns from.
    examples: Mapped[list[str]] = mapped_column(JSON, default=list, server_default="[]")

    @validates("requires_photo")
    def _sync_evidence(self, _key: str, value: bool) -> bool:
        evidence = [e for e in (self.required_evidence or []) if e != "photo"]
        self.required_evidence = ["photo", *evidence] if value else evidence
        return value


class Case(IdMixin, CreatedMixin, Base):
    """One work order, whatever its source, from report to close."""

    __tablename__ = "case_record"
    __table_args__ = (
        Index("ix_case_record_org_path", "org_path"),
        Index("ix_case_record_assigned_path", "assigned_path"),
    )

    ref: Mapped[str] = mapped_column(String(32), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    category_code: Mapped[str] = mapped_column(ForeignKey("case_category.code"), index=True)
    source: Mapped[str] = mapped_column(String(16))
    source_ref: Mapped[str | None] = mapped_column(String(64), index=True)
    profile: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(16), index=True)
    priority: Mapped[int] = mapped_column(Integer, default=3)
    lon: Mapped[float | None] = mapped_column(Float)
    lat: Mapped[float | None] = mapped_column(Float)
    org_unit_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("org_unit.id"))
    org_path: Mapped[str] = mapped_column(String(1024))
    supervisor_unit_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("org_unit.id"))
    escalation_level: Mapped[int] = mapped_column(Integer, default=0)
    assigned_unit_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("org_unit.id"))
    assigned_path: Mapped[str | None] = mapped_column(String(1024))
    assignee_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("staff_account.id", ondelete="SET NULL"), index=True
    )
    step: Mapped[str | None] = mapped_column(String(16))
    step_started_at: Mapped[datetime | None]
    step_deadline_at: Mapped[datetime | None]
    overdue: Mapped[bool] = mapped_column(default=False)
    # When the escalation sweep must look at the case next (None: never); a timer in the table.
    sweep_at: Mapped[datetime | None] = mapped_column(index=True)
    duplicate_of_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("case_record.id"))
    # Residents who reported the same problem again and joined this case ("me too").
    me_too_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    updated_at: Mapped[datetime] = mapped_column(default=clock.now)
    closed_at: Mapped[datetime | None]
    # Disputes: how often a unit handed the case back; a binding ruling names the unit keeping it.
    return_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    arbitrated_unit_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("org_unit.id"))
    # When the deadline warning of the running step fires (None: none due); a timer like sweep_at.
    warn_at: Mapped[datetime | None] = mapped_column(index=True)


class CaseEvent(IdMixin, Base):
    """One entry of a case's timeline; never updated, never deleted."""

    __tablename__ = "case_event"
    __table_args__ = (UniqueConstraint("case_id", "seq"),)

    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("case_record.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(32))
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str | None] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text)
    evidence: Mapped[list[str]] = mapped_column(JSON, default=list)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class Attachment(IdMixin, CreatedMixin, Base):
    """A photo kept in the database, so a case never points at a file that is gone."""

    __tablename__ = "case_attachment"

    case_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("case_record.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16), default="photo")
    content_type: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    # Deferred and raising: listing attachments never drags the bytes along by accident.
    data: Mapped[bytes] = mapped_column(LargeBinary, deferred=True, deferred_raiseload=True)
    uploaded_by: Mapped[str] = mapped_column(String(100))

    @classmethod
    def photo(
        cls, case_id: uuid.UUID, data: bytes, content_type: str, uploaded_by: str
    ) -> Attachment:
        """Return a new photo attachment of the case holding `data` (already checked)."""
        return cls(
            case_id=case_id,
            kind="photo",
            content_type=content_type,
            size=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
            data=data,
            uploaded_by=uploaded_by,
            created_at=clock.now(),
        )


class CaseRefCounter(Base):
    """The last case number handed out on a day (`260302`), for human references."""

    __tablename__ = "case_ref_counter"

    day: Mapped[str] = mapped_column(String(8), primary_key=True)
    last: Mapped[int] = mapped_column(Integer, default=0)


class CaseReporter(IdMixin, CreatedMixin, Base):
    """Who reported a case (a resident online, a hotline caller): personal data, encrypted.

    Kept apart from the case so that reading a case never reveals its reporter; handlers with
    `residents:pii` on the case read it through an audited call.
    """

    __tablename__ = "case_reporter"

    case_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("case_record.id", ondelete="CASCADE"), unique=True
    )
    channel: Mapped[str] = mapped_column(String(16))
    name: Mapped[str | None] = mapped_column(EncryptedText("case_reporter.name"))
    phone: Mapped[str | None] = mapped_column(EncryptedText("case_reporter.phone"))
    email: Mapped[str | None] = mapped_column(EncryptedText("case_reporter.email"))


class PublicReport(IdMixin, CreatedMixin, Base):
    """A resident's report over the public endpoint: its follow-up token and idempotency key."""

    __tablename__ = "case_public_report"

    case_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("case_record.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The token itself, encrypted, so that a repeated request (same idempotency key) gets it again.
    token: Mapped[str] = mapped_column(EncryptedText("case_public_report.token"))
    idempotency_key: Mapped[str | None] = mapped_column(String(128), unique=True)
    request_hash: Mapped[str] = mapped_column(String(64))


class Camera(IdMixin, CreatedMixin, Base):
    """A video-analytics camera that posts events to the camera webhook with its own token."""

    __tablename__ = "case_camera"
    __table_args__ = (Index("ix_case_camera_org_path", "org_path"),)

    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    token_hash: Mapped[str] = mapped_column(String(64))
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    org_unit_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("org_unit.id"))
    org_path: Mapped[str] = mapped_column(String(1024))
    active: Mapped[bool] = mapped_column(default=True)


class IntakeRateBucket(Base):
    """A token bucket of the public report endpoint, one per client address."""

    __tablename__ = "case_intake_rate_bucket"

    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    tokens: Mapped[float] = mapped_column(Float)
    updated_at: Mapped[datetime]


class CaseParticipant(IdMixin, CreatedMixin, Base):
    """A unit working on a joint case: the lead handles it, supporting units contribute."""

    __tablename__ = "case_participant"
    __table_args__ = (
        UniqueConstraint("case_id", "unit_id"),
        Index("ix_case_participant_unit_path", "unit_path"),
    )

    case_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("case_record.id", ondelete="CASCADE"), index=True
    )
    unit_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("org_unit.id"))
    unit_path: Mapped[str] = mapped_column(String(1024))
    role: Mapped[str] = mapped_column(String(16))  # lead | supporting
    status: Mapped[str] = mapped_column(String(16), default="open")  # open | done
    note: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(default=clock.now)


class OverdueEntry(IdMixin, CreatedMixin, Base):
    """A missed step deadline in the overdue ledger, with the responsible unit's explanation."""

    __tablename__ = "case_overdue_entry"
    __table_args__ = (Index("ix_case_overdue_entry_unit_path", "unit_path"),)

    case_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("case_record.id", ondelete="CASCADE"), index=True
    )
    step: Mapped[str] = mapped_column(String(16))
    unit_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("org_unit.id"))
    unit_path: Mapped[str] = mapped_column(String(1024))
    level: Mapped[int] = mapped_column(Integer)
    overdue_at: Mapped[datetime]
    explanation: Mapped[str | None] = mapped_column(Text)
    explained_by: Mapped[str | None] = mapped_column(String(100))
    explained_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None] = mapped_column(index=True)


class CaseRating(IdMixin, CreatedMixin, Base):
    """A reporter's rating of how their case was handled: 1–5 and a comment, once per rater.

    `rater` is `public:<report id>` for a resident holding a follow-up token, the staff actor
    (`staff:<username>`) for a staff reporter.
    """

    __tablename__ = "case_rating"
    __table_args__ = (UniqueConstraint("case_id", "rater"),)

    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("case_record.id", ondelete="CASCADE"))
    rater: Mapped[str] = mapped_column(String(100))
    via: Mapped[str] = mapped_column(String(16))  # token | staff
    score: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str | None] = mapped_column(Text)


class TriageDecision(IdMixin, Base):
    """An operator confirming or overriding triage's category for a case; the model learns it."""

    __tablename__ = "case_triage_decision"

    case_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("case_record.id", ondelete="SET NULL"), index=True
    )
    text: Mapped[str] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(8))
    suggested_code: Mapped[str | None] = mapped_column(String(64))
    chosen_code: Mapped[str] = mapped_column(ForeignKey("case_category.code"))
    actor: Mapped[str] = mapped_column(String(100))
    at: Mapped[datetime] = mapped_column(index=True)


class TriageModel(IdMixin, CreatedMixin, Base):
    """A fitted triage model, kept in the database so every process uses the same one."""

    __tablename__ = "case_triage_model"

    version: Mapped[int] = mapped_column(Integer, unique=True)
    examples: Mapped[int] = mapped_column(Integer)
    categories: Mapped[int] = mapped_column(Integer)
    # What it was trained on (a hash of the pairs): an unchanged catalogue is not refitted.
    fingerprint: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = mapped_column(LargeBinary, deferred=True, deferred_raiseload=True)
