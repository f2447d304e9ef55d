"""Votes, their options and phases, who took part, the secret ballots and paper tallies.

Who voted (`vote_participation`) and what was voted (`ballot`, `ballot_choice`) are kept apart:
a ballot row holds no account, no time and a random (UUIDv4) key, and both tables are clustered
by that key on SQLite (`WITHOUT ROWID`), so neither a column nor the row order links a ballot to
the participation written in the same transaction.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from linli.core import clock
from linli.core.database import Base, CreatedMixin, IdMixin

KINDS = ("approval", "budget")
PHASES = ("ideas", "review", "voting", "results")
CHANNELS = ("online", "paper")
BATCH_STATUSES = ("entered", "confirmed")


class Vote(IdMixin, CreatedMixin, Base):
    """A vote over an org unit: approval (any number, or up to `max_choices`) or budget-limited
    (the chosen options' costs must fit in `budget`), moved through its phases by staff."""

    __tablename__ = "vote"
    __table_args__ = (
        Index("ix_vote_org_path", "org_path"),
        # The lists' order, newest first, for staff (by scope) and residents (by phase).
        Index("ix_vote_created_id", "created_at", "id"),
        Index("ix_vote_phase_created_id", "phase", "created_at", "id"),
    )

    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    kind: Mapped[str] = mapped_column(String(16))
    max_choices: Mapped[int | None] = mapped_column(Integer)
    budget: Mapped[int | None] = mapped_column(Integer)  # whole currency units
    currency: Mapped[str] = mapped_column(String(8), default="")
    unit_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("org_unit.id"))
    org_path: Mapped[str] = mapped_column(String(1024))
    need_level: Mapped[int] = mapped_column(Integer)  # a `linli.residents.types.Level`
    phase: Mapped[str] = mapped_column(String(16))
    # The planned first day of each phase, as residents read them (the phase itself moves only
    # when staff move it).
    ideas_on: Mapped[date | None]
    review_on: Mapped[date | None]
    voting_on: Mapped[date | None]
    results_on: Mapped[date | None]
    created_by: Mapped[str] = mapped_column(String(100))
    updated_at: Mapped[datetime] = mapped_column(default=clock.now)


class VoteOption(IdMixin, CreatedMixin, Base):
    """One choice on the ballot: for a participatory budget a project with its cost, which may
    come from a resident's proposal."""

    __tablename__ = "vote_option"
    __table_args__ = (UniqueConstraint("vote_id", "position"),)

    vote_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("vote.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    cost: Mapped[int | None] = mapped_column(Integer)
    proposal_id: Mapped[uuid.UUID | None]


class VotePhaseChange(IdMixin, CreatedMixin, Base):
    """A phase change, by whom and why."""

    __tablename__ = "vote_phase_change"

    vote_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("vote.id", ondelete="CASCADE"), index=True
    )
    from_phase: Mapped[str | None] = mapped_column(String(16))
    to_phase: Mapped[str] = mapped_column(String(16))
    actor: Mapped[str] = mapped_column(String(200))
    note: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(default=clock.now)


class Participation(IdMixin, CreatedMixin, Base):
    """Who took part in a vote (never what they chose): online with their account, or marked in
    the register as having voted on paper. `voter_key` is a keyed hash of the registry resident
    (else of the account) and the vote, so one person takes part once whichever way they vote."""

    __tablename__ = "vote_participation"
    __table_args__ = (
        UniqueConstraint("vote_id", "voter_key"),
        Index("ix_vote_participation_vote_org_path", "vote_id", "org_path"),
        Index("ix_vote_participation_account", "account_id", "vote_id"),
    )

    vote_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("vote.id", ondelete="CASCADE"))
    voter_key: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(8))
    account_id: Mapped[uuid.UUID | None]  # the resident an online ballot was cast for
    proxy_account_id: Mapped[uuid.UUID | None]  # who cast it for them, with `consent_id`
    consent_id: Mapped[uuid.UUID | None]
    station: Mapped[str | None] = mapped_column(String(100))  # where a paper voter was marked
    org_path: Mapped[str | None] = mapped_column(String(1024))  # the voter's home, for turnout
    actor: Mapped[str] = mapped_column(String(200))


class Ballot(Base):
    """One secret ballot: which vote, by which channel; nothing about who or when."""

    __tablename__ = "ballot"
    __table_args__ = (
        Index("ix_ballot_vote_id", "vote_id"),
        {"sqlite_with_rowid": False},
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    vote_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("vote.id", ondelete="CASCADE"))


class BallotChoice(Base):
    """An option chosen on a ballot."""

    __tablename__ = "ballot_choice"
    __table_args__ = (
        Index("ix_ballot_choice_vote_option", "vote_id", "option_id"),
        {"sqlite_with_rowid": False},
    )

    ballot_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("ballot.id", ondelete="CASCADE"), primary_key=True
    )
    option_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("vote_option.id", ondelete="CASCADE"), primary_key=True
    )
    vote_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("vote.id", ondelete="CASCADE"))


class PaperBatch(IdMixin, CreatedMixin, Base):
    """A polling station's tally of paper ballots: entered by one officer, counted only once a
    second officer has entered the same figures."""

    __tablename__ = "paper_batch"
    __table_args__ = (UniqueConstraint("vote_id", "station", "batch"),)

    vote_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("vote.id", ondelete="CASCADE"), index=True
    )
    station: Mapped[str] = mapped_column(String(100))
    batch: Mapped[int] = mapped_column(Integer)
    ballots: Mapped[int] = mapped_column(Integer)  # paper ballots in the batch
    status: Mapped[str] = mapped_column(String(16))
    entered_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("staff_account.id"))
    entered_at: Mapped[datetime]
    confirmed_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("staff_account.id"))
    confirmed_at: Mapped[datetime | None]


class PaperCount(Base):
    """How many paper ballots of a batch chose an option."""

    __tablename__ = "paper_count"

    batch_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("paper_batch.id", ondelete="CASCADE"), primary_key=True
    )
    option_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("vote_option.id", ondelete="CASCADE"), primary_key=True
    )
    count: Mapped[int] = mapped_column(Integer)
