"""Operators' triage decisions and the fitted triage models."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from linli.core.database import Base, CreatedMixin, IdMixin


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
