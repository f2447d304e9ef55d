"""Reporters' ratings of how their cases were handled."""

from __future__ import annotations

import uuid

from sqlalchemy import (
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from linli.core.database import Base, CreatedMixin, IdMixin


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
