"""Surveys: questions staff ask the residents of an area, and the residents' answers.

A survey belongs to the org unit whose residents it asks (its area, `org_path`); staff read and
write it with `surveys:read` / `surveys:write` on that subtree. Texts people read are stored in
every language the site speaks, as `{locale: text}` maps. A resident answers once per survey
(`survey_response` is unique per survey and account) and may change the answers until it
closes; a response and its answers are stored together or not at all.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from linli.core import clock
from linli.core.database import Base, CreatedMixin, IdMixin

STATUSES = ("draft", "published", "closed")
KINDS = ("single", "multiple", "scale", "text")
SCALES = ((1, 5), (0, 10))  # the two scales a question may use: (lowest, highest)

Texts = dict[str, str]  # locale -> text


class Survey(IdMixin, CreatedMixin, Base):
    """A survey of the residents of an area, with its audience's level and its open dates."""

    __tablename__ = "survey"
    # Staff lists read newest first inside a subtree; residents look their area's surveys up by
    # the exact paths of their home's units.
    __table_args__ = (
        Index(
            "ix_survey_org_path_created",
            "org_path",
            "created_at",
            "id",
            postgresql_ops={"org_path": "varchar_pattern_ops"},
        ),
        Index("ix_survey_status_closes", "status", "closes_at"),
    )

    title: Mapped[Texts] = mapped_column(JSON)
    intro: Mapped[Texts] = mapped_column(JSON, default=dict)
    org_unit_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("org_unit.id"))
    org_path: Mapped[str] = mapped_column(String(1024))
    min_level: Mapped[int] = mapped_column(Integer, default=0)  # residents.types.Level
    opens_at: Mapped[datetime]
    closes_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16), default="draft")
    created_by: Mapped[str] = mapped_column(String(100))
    updated_at: Mapped[datetime] = mapped_column(default=clock.now)
    published_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]


class SurveyQuestion(IdMixin, Base):
    """One question: single or multiple choice, a scale with labelled ends, or free text.

    A scale question may be tagged with a service (a case category's major group, or a named
    community service) and the org unit it rates; its answers then count in the satisfaction
    index of that service and unit."""

    __tablename__ = "survey_question"
    __table_args__ = (
        UniqueConstraint("survey_id", "position"),
        Index("ix_survey_question_service", "service", "service_path"),
    )

    survey_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("survey.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))
    required: Mapped[bool] = mapped_column(Boolean, default=False)
    text: Mapped[Texts] = mapped_column(JSON)
    # Choices: [{"key": "bus", "text": {locale: text}}, ...] in the order shown.
    options: Mapped[list[dict[str, object]]] = mapped_column(JSON, default=list)
    scale_min: Mapped[int | None] = mapped_column(Integer)
    scale_max: Mapped[int | None] = mapped_column(Integer)
    low_label: Mapped[Texts | None] = mapped_column(JSON)
    high_label: Mapped[Texts | None] = mapped_column(JSON)
    service: Mapped[str | None] = mapped_column(String(64))
    service_unit_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("org_unit.id"))
    service_path: Mapped[str | None] = mapped_column(String(1024))


class SurveyResponse(IdMixin, CreatedMixin, Base):
    """A resident's answers to one survey; `actor` says who gave them (a proxy says so)."""

    __tablename__ = "survey_response"
    __table_args__ = (UniqueConstraint("survey_id", "account_id"),)

    survey_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("survey.id", ondelete="CASCADE"))
    account_id: Mapped[uuid.UUID] = mapped_column()
    actor: Mapped[str] = mapped_column(String(200))
    org_path: Mapped[str | None] = mapped_column(String(1024))
    updated_at: Mapped[datetime] = mapped_column(default=clock.now, index=True)


class SurveyAnswer(IdMixin, Base):
    """The answer to one question: the choices' keys, a scale value, or a text."""

    __tablename__ = "survey_answer"
    __table_args__ = (UniqueConstraint("response_id", "question_id"),)

    response_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("survey_response.id", ondelete="CASCADE")
    )
    question_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("survey_question.id", ondelete="CASCADE"), index=True
    )
    choices: Mapped[list[str] | None] = mapped_column(JSON)
    value: Mapped[int | None] = mapped_column(Integer)
    text: Mapped[str | None] = mapped_column(Text)


def text_in(texts: Texts | None, locale: str) -> str:
    """Return the text in `locale`, else in English, else in any language it has."""
    if not texts:
        return ""
    return texts.get(locale) or texts.get("en") or next(iter(texts.values()), "")
