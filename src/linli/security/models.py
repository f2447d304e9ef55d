"""Staff accounts, role grants, sessions, API tokens and the audit chain."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from linli.core.database import Base, CreatedMixin, IdMixin


class StaffAccount(IdMixin, CreatedMixin, Base):
    __tablename__ = "staff_account"

    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    locale: Mapped[str] = mapped_column(String(16), default="en")
    active: Mapped[bool] = mapped_column(default=True)


class RoleGrant(IdMixin, CreatedMixin, Base):
    """`role` held by an account over the subtree rooted at `unit`."""

    __tablename__ = "role_grant"
    __table_args__ = (UniqueConstraint("account_id", "role", "unit_id"),)

    account_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("staff_account.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[str] = mapped_column(String(32))
    unit_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("org_unit.id", ondelete="CASCADE"))


class ApiToken(IdMixin, CreatedMixin, Base):
    """A revocable bearer token; only its SHA-256 is stored."""

    __tablename__ = "api_token"
    __table_args__ = (Index("ix_api_token_account_created", "account_id", "created_at", "id"),)

    account_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("staff_account.id", ondelete="CASCADE")
    )
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]


class WebSession(IdMixin, CreatedMixin, Base):
    """A browser login; the cookie carries a signed random id whose SHA-256 is stored."""

    __tablename__ = "web_session"

    account_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("staff_account.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]


class AuditEntry(Base):
    """One link of the append-only audit chain: `hash` = SHA-256(prev_hash + canonical entry)."""

    __tablename__ = "audit_entry"
    __table_args__ = (
        # The audit list's order (newest first) under each of its filters.
        Index("ix_audit_entry_action_seq", "action", "seq"),
        Index("ix_audit_entry_actor_seq", "actor", "seq"),
        Index("ix_audit_entry_target_seq", "target_id", "seq"),
    )

    seq: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=False
    )
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(64))
    target_type: Mapped[str] = mapped_column(String(64))
    target_id: Mapped[str] = mapped_column(String(64))
    org_path: Mapped[str | None] = mapped_column(String(1024))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)
