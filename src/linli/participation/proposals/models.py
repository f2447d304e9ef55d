"""What proposals keep: the proposal, its supports and comments, staff's official answers, the
result an accepted proposal becomes (progress, milestones, linked cases) and who was told."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from linli.core import clock, refs
from linli.core.database import Base, CreatedMixin, IdMixin

PROPOSAL_REFS = refs.declare("proposal")

# States: residents propose (not answered); staff evaluate, accept or reject; the author may
# withdraw while no decision was made.
NOT_ANSWERED = "not_answered"
EVALUATING = "evaluating"
ACCEPTED = "accepted"
REJECTED = "rejected"
WITHDRAWN = "withdrawn"
STATUSES = (NOT_ANSWERED, EVALUATING, ACCEPTED, REJECTED, WITHDRAWN)
# Which state each state may move to, and who moves it (staff answer; the author withdraws).
STAFF_MOVES: dict[str, frozenset[str]] = {
    NOT_ANSWERED: frozenset({EVALUATING, ACCEPTED, REJECTED}),
    EVALUATING: frozenset({ACCEPTED, REJECTED}),
}
WITHDRAWABLE = frozenset({NOT_ANSWERED, EVALUATING})
DECIDED = frozenset({ACCEPTED, REJECTED, WITHDRAWN})


class Proposal(IdMixin, CreatedMixin, Base):
    """A resident's proposal for an area (an org unit), public from the moment it is made.

    The author is kept by account id and actor (never shown); the public sees `display_name`
    only when the author chose to give one."""

    __tablename__ = "proposal"
    __table_args__ = (
        Index("ix_proposal_created", "created_at", "ref"),
        Index("ix_proposal_status_created", "status", "created_at", "ref"),
        Index(
            "ix_proposal_org_path_created",
            "org_path",
            "created_at",
            "ref",
            postgresql_ops={"org_path": "varchar_pattern_ops"},
        ),
        Index("ix_proposal_author_created", "author_id", "created_at", "ref"),
    )

    ref: Mapped[str] = mapped_column(String(20), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    place: Mapped[str | None] = mapped_column(String(200))
    org_unit_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("org_unit.id"), index=True)
    org_path: Mapped[str] = mapped_column(String(1024))
    author_id: Mapped[uuid.UUID]
    author_actor: Mapped[str] = mapped_column(String(200))
    author_locale: Mapped[str] = mapped_column(String(16))
    display_name: Mapped[str | None] = mapped_column(String(60))
    status: Mapped[str] = mapped_column(String(16), default=NOT_ANSWERED)
    support_count: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(default=clock.now)
    decided_at: Mapped[datetime | None]


class ProposalSupport(IdMixin, CreatedMixin, Base):
    """One resident's support of a proposal: one a resident, withdrawn by deleting it."""

    __tablename__ = "proposal_support"
    __table_args__ = (UniqueConstraint("proposal_id", "account_id"),)

    proposal_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("proposal.id", ondelete="CASCADE"))
    account_id: Mapped[uuid.UUID] = mapped_column(index=True)
    actor: Mapped[str] = mapped_column(String(200))
    locale: Mapped[str] = mapped_column(String(16))


class ProposalComment(IdMixin, CreatedMixin, Base):
    """A resident's comment; staff may hide it with a reason (shown as hidden, never deleted)."""

    __tablename__ = "proposal_comment"
    __table_args__ = (Index("ix_proposal_comment_proposal", "proposal_id", "created_at", "id"),)

    proposal_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("proposal.id", ondelete="CASCADE"))
    account_id: Mapped[uuid.UUID]
    actor: Mapped[str] = mapped_column(String(200))
    display_name: Mapped[str | None] = mapped_column(String(60))
    body: Mapped[str] = mapped_column(Text)
    hidden_at: Mapped[datetime | None]
    hidden_by: Mapped[str | None] = mapped_column(String(100))
    hidden_reason: Mapped[str | None] = mapped_column(String(500))


class ProposalAnswer(IdMixin, CreatedMixin, Base):
    """An official answer: public words from staff, and the state it moved the proposal to."""

    __tablename__ = "proposal_answer"
    __table_args__ = (Index("ix_proposal_answer_proposal", "proposal_id", "created_at"),)

    proposal_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("proposal.id", ondelete="CASCADE"))
    from_status: Mapped[str] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(100))


class ProposalResult(Base):
    """What an accepted proposal became: progress people can check (accountability)."""

    __tablename__ = "proposal_result"

    proposal_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("proposal.id", ondelete="CASCADE"), primary_key=True
    )
    percent: Mapped[int] = mapped_column(Integer, default=0)
    status_text: Mapped[str] = mapped_column(String(500), default="")
    updated_at: Mapped[datetime] = mapped_column(default=clock.now)
    updated_by: Mapped[str] = mapped_column(String(100))


class ProposalMilestone(IdMixin, CreatedMixin, Base):
    """A step of a result with the date it is due, and the date it was reached."""

    __tablename__ = "proposal_milestone"
    __table_args__ = (Index("ix_proposal_milestone_proposal", "proposal_id", "due_on"),)

    proposal_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("proposal.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(200))
    due_on: Mapped[date]
    done_on: Mapped[date | None]


class ProposalCaseLink(CreatedMixin, Base):
    """A case that carries out part of a result; people read its public status only."""

    __tablename__ = "proposal_case_link"

    proposal_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("proposal.id", ondelete="CASCADE"), primary_key=True
    )
    case_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("case_record.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    case_ref: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(100))
