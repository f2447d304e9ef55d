"""A notice to residents, the buildings it is aimed at, who read it and the calls made about it."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from linli.core import clock, refs
from linli.core.database import Base, CreatedMixin, IdMixin

NOTICE_REFS = refs.declare("notice")

LANGUAGES = ("en", "zh_Hans", "ms", "ta")
# draft → scheduled (publish_at ahead) → published → withdrawn; a draft may be published at once.
STATUSES = ("draft", "scheduled", "published", "withdrawn")
# Who in the target area a notice is for: everyone; the registry's seniors living alone
# (`lives_alone`, aged SENIOR_AGE or more by `birth_year`); or each household once (its
# first-registered resident: a household is a building's unit, a resident without a unit is a
# household of their own) — every account living there reads it.
GROUPS = ("everyone", "seniors_alone", "households")
SENIOR_AGE = 65
CALL_OUTCOMES = ("reached", "no_answer", "wrong_number")


class Notice(IdMixin, CreatedMixin, Base):
    """A notice written by staff for the residents of an org subtree (optionally some of its
    buildings, optionally one group), in one or more languages with a fallback."""

    __tablename__ = "resident_notice"
    __table_args__ = (
        # Staff lists: newest first inside the reader's subtree.
        Index(
            "ix_resident_notice_org_created",
            "org_path",
            "created_at",
            "id",
            postgresql_ops={"org_path": "varchar_pattern_ops"},
        ),
        # The publication task's claim: scheduled notices whose time has come.
        Index("ix_resident_notice_status_publish", "status", "publish_at"),
        # Residents' lists: published notices, newest first.
        Index("ix_resident_notice_status_published", "status", "published_at", "id"),
    )

    ref: Mapped[str] = mapped_column(String(32), unique=True)
    unit_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("org_unit.id"))
    org_path: Mapped[str] = mapped_column(String(1024))
    # {"en": {"title": ..., "body": ...}, "zh_Hans": {...}}: each resident reads their language,
    # else `fallback_locale`'s.
    texts: Mapped[dict[str, Any]] = mapped_column(JSON)
    fallback_locale: Mapped[str] = mapped_column(String(16))
    group: Mapped[str] = mapped_column(String(16), default="everyone")
    all_buildings: Mapped[bool] = mapped_column(default=True)
    status: Mapped[str] = mapped_column(String(16), default="draft")
    publish_at: Mapped[datetime | None]
    expire_at: Mapped[datetime | None]
    published_at: Mapped[datetime | None]
    # Set in the transaction that told the signed-in audience, so nobody is told twice.
    notified_at: Mapped[datetime | None]
    withdrawn_at: Mapped[datetime | None]
    withdrawn_by: Mapped[str | None] = mapped_column(String(100))
    # How many registry residents the notice was aimed at when it was published.
    audience_count: Mapped[int | None] = mapped_column(Integer)
    created_by: Mapped[str] = mapped_column(String(100))
    updated_at: Mapped[datetime] = mapped_column(default=clock.now)


class NoticeBuilding(Base):
    """A building a notice is aimed at (none: every building of its area)."""

    __tablename__ = "resident_notice_building"
    __table_args__ = (Index("ix_resident_notice_building_building", "building_id"),)

    notice_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("resident_notice.id", ondelete="CASCADE"), primary_key=True
    )
    building_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("building.id", ondelete="CASCADE"), primary_key=True
    )


class NoticeRead(IdMixin, Base):
    """A resident account opened a notice: once per account, where they lived then."""

    __tablename__ = "resident_notice_read"
    __table_args__ = (UniqueConstraint("notice_id", "account_id"),)

    notice_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("resident_notice.id", ondelete="CASCADE")
    )
    account_id: Mapped[uuid.UUID]
    actor: Mapped[str] = mapped_column(String(120))  # says so when a proxy opened it
    building_id: Mapped[uuid.UUID | None]
    org_path: Mapped[str | None] = mapped_column(String(1024))
    read_at: Mapped[datetime]


class NoticeCall(IdMixin, Base):
    """A volunteer's call to a registry resident about a notice, and what came of it; a
    `reached` call counts the notice as delivered to that resident."""

    __tablename__ = "resident_notice_call"
    __table_args__ = (
        Index("ix_resident_notice_call_notice", "notice_id", "resident_id", "called_at"),
    )

    notice_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("resident_notice.id", ondelete="CASCADE")
    )
    resident_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("resident.id", ondelete="CASCADE"))
    org_path: Mapped[str] = mapped_column(String(1024))
    outcome: Mapped[str] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(Text, default="")
    called_by: Mapped[str] = mapped_column(String(100))
    called_at: Mapped[datetime]
