"""The overdue ledger: one entry per missed step deadline."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from linli.core.database import Base, CreatedMixin, IdMixin


class OverdueEntry(IdMixin, CreatedMixin, Base):
    """A missed step deadline in the overdue ledger, with the responsible unit's explanation."""

    __tablename__ = "case_overdue_entry"
    __table_args__ = (
        Index("ix_case_overdue_entry_unit_path", "unit_path"),
        # The ledger's order: oldest miss first.
        Index("ix_case_overdue_entry_overdue_at", "overdue_at", "id"),
    )

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
