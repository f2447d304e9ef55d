"""The units working on a joint case."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from linli.core import clock
from linli.core.database import Base, CreatedMixin, IdMixin


class CaseParticipant(IdMixin, CreatedMixin, Base):
    """A unit working on a joint case: the lead handles it, supporting units contribute."""

    __tablename__ = "case_participant"
    __table_args__ = (
        UniqueConstraint("case_id", "unit_id"),
        # Scope clauses match a path prefix (see `Case`'s indexes).
        Index(
            "ix_case_participant_unit_path",
            "unit_path",
            postgresql_ops={"unit_path": "varchar_pattern_ops"},
        ),
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
