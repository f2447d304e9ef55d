"""What intake keeps: reporters' contacts (encrypted), follow-up tokens, cameras, rate buckets."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (
    Float,
    ForeignKey,
    Index,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from linli.core.database import Base, CreatedMixin, IdMixin
from linli.security.crypto import EncryptedText
from linli.security.lookup import lookup_hash_of


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
    # Keyed hashes of phone and e-mail: a person's requests about their data find their rows.
    phone_hash: Mapped[str | None] = mapped_column(
        String(64), index=True, info=lookup_hash_of("phone")
    )
    email_hash: Mapped[str | None] = mapped_column(
        String(64), index=True, info=lookup_hash_of("email")
    )


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
