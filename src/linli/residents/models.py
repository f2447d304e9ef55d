"""Resident accounts, one-time sign-in codes, sessions, proxy consents, messages and rate buckets.

Contacts and names are encrypted (`EncryptedText`) and found by keyed hash (`lookup_hash_of`);
codes and session secrets are stored only as hashes.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Float, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from linli.core.database import Base, CreatedMixin, IdMixin
from linli.security.crypto import EncryptedText
from linli.security.lookup import lookup_hash_of

CODE_PURPOSES = ("sign_in", "add_phone")
MESSAGE_CHANNELS = ("inapp", "sms", "email")
MESSAGE_STATUSES = ("queued", "sent", "failed", "dead")


class ResidentAccount(IdMixin, CreatedMixin, Base):
    """A resident's own account: no password, signed in by a code sent to a contact."""

    __tablename__ = "resident_account"
    __table_args__ = (
        UniqueConstraint("email_hash"),
        UniqueConstraint("phone_hash"),
        Index("ix_resident_account_org_path", "org_path", "created_at", "id"),
        Index("ix_resident_account_created", "created_at", "id"),
    )

    display_name: Mapped[str | None] = mapped_column(EncryptedText("resident_account.name"))
    email: Mapped[str | None] = mapped_column(EncryptedText("resident_account.email"))
    email_hash: Mapped[str | None] = mapped_column(String(64), info=lookup_hash_of("email"))
    # A phone is kept only to send codes and messages to; it is found by its keyed hash.
    phone: Mapped[str | None] = mapped_column(EncryptedText("resident_account.phone"))
    phone_hash: Mapped[str | None] = mapped_column(String(64), info=lookup_hash_of("phone"))
    locale: Mapped[str] = mapped_column(String(16), default="en")
    large_text: Mapped[bool] = mapped_column(default=False)
    high_contrast: Mapped[bool] = mapped_column(default=False)
    level: Mapped[int] = mapped_column(Integer, default=0)  # residents.types.Level
    # Home: building and unit; its org unit's path places the account in the org tree.
    building_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("building.id", ondelete="SET NULL")
    )
    unit: Mapped[str | None] = mapped_column(String(32))
    org_unit_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("org_unit.id"))
    org_path: Mapped[str | None] = mapped_column(String(1024))
    registry_resident_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("resident.id", ondelete="SET NULL"), index=True
    )
    verified_at: Mapped[datetime | None]
    verified_by: Mapped[str | None] = mapped_column(String(100))
    active: Mapped[bool] = mapped_column(default=True)


class SignInCode(IdMixin, CreatedMixin, Base):
    """A one-time code sent to a contact: its keyed hash, lifetime and the wrong tries left."""

    __tablename__ = "resident_sign_in_code"
    __table_args__ = (Index("ix_resident_sign_in_code_contact", "contact_hash", "created_at"),)

    contact_hash: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(8))  # sms | email
    purpose: Mapped[str] = mapped_column(String(16), default="sign_in")
    account_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("resident_account.id", ondelete="CASCADE"), index=True
    )  # for add_phone: whose account the phone joins
    code_hash: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime]
    wrong_tries: Mapped[int] = mapped_column(Integer, default=0)
    used_at: Mapped[datetime | None]


class ResidentSession(IdMixin, CreatedMixin, Base):
    """A resident's browser session; the cookie holds a signed random secret whose SHA-256 is
    stored. `acting_for_id` is set while the resident acts for a senior on `consent_id`."""

    __tablename__ = "resident_session"

    account_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("resident_account.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    acting_for_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("resident_account.id", ondelete="CASCADE")
    )
    consent_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("resident_consent.id", ondelete="SET NULL")
    )


class ProxyConsent(IdMixin, CreatedMixin, Base):
    """A senior's recorded, revocable consent that `proxy_id` may act for them."""

    __tablename__ = "resident_consent"
    __table_args__ = (
        Index("ix_resident_consent_senior", "senior_id", "created_at", "id"),
        Index("ix_resident_consent_proxy", "proxy_id", "created_at", "id"),
    )

    senior_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("resident_account.id", ondelete="CASCADE")
    )
    proxy_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("resident_account.id", ondelete="CASCADE")
    )
    recorded_by: Mapped[str] = mapped_column(String(100))  # the senior, or staff in person
    revoked_at: Mapped[datetime | None]
    revoked_by: Mapped[str | None] = mapped_column(String(100))


class ResidentMessage(IdMixin, CreatedMixin, Base):
    """One message to a resident on one channel: the portal's inbox row (`inapp`), or an SMS or
    e-mail queued → sent (failed → retried → dead)."""

    __tablename__ = "resident_message"
    __table_args__ = (
        Index("ix_resident_message_account", "account_id", "channel", "created_at", "id"),
        Index("ix_resident_message_due", "status", "next_attempt_at"),
        UniqueConstraint("account_id", "channel", "dedupe_key"),
    )

    account_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("resident_account.id", ondelete="CASCADE")
    )
    channel: Mapped[str] = mapped_column(String(8))
    dedupe_key: Mapped[str] = mapped_column(String(128))
    locale: Mapped[str] = mapped_column(String(16))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(String(4000))
    link: Mapped[str | None] = mapped_column(String(500))
    address: Mapped[str | None] = mapped_column(EncryptedText("resident_message.address"))
    address_hash: Mapped[str | None] = mapped_column(
        String(64), index=True, info=lookup_hash_of("address")
    )
    status: Mapped[str] = mapped_column(String(8), default="queued")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime]
    last_error: Mapped[str | None] = mapped_column(String(1000))
    sent_at: Mapped[datetime | None]
    read_at: Mapped[datetime | None]


class ResidentRateBucket(Base):
    """A token bucket for code requests and code checks, per contact and per client address."""

    __tablename__ = "resident_rate_bucket"

    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    tokens: Mapped[float] = mapped_column(Float)
    updated_at: Mapped[datetime]
