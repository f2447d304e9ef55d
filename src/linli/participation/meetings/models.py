"""Meetings, their agenda, registrations, minutes, decisions and the decisions' updates."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from linli.core import clock
from linli.core.database import Base, CreatedMixin, IdMixin

MODES = ("in_person", "online", "hybrid")
STATUSES = ("planned", "live", "ended", "cancelled")
REGISTRATION_STATUSES = ("registered", "waitlisted", "cancelled")
DECISION_STATUSES = ("open", "in_progress", "done")


class Meeting(IdMixin, CreatedMixin, Base):
    """A meeting of the council (grid profile) or committee (town profile) of an org unit."""

    __tablename__ = "meeting"
    __table_args__ = (
        # Lists: the staff's (scoped by subtree) and the residents' upcoming ones, by start.
        Index("ix_meeting_org_path_starts", "org_path", "starts_at", "id"),
        Index("ix_meeting_starts", "starts_at", "id"),
    )

    unit_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("org_unit.id"))
    org_path: Mapped[str] = mapped_column(String(1024))
    title: Mapped[str] = mapped_column(String(200))
    mode: Mapped[str] = mapped_column(String(16))
    venue: Mapped[str | None] = mapped_column(String(300))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    # An operator-given https URL of the broadcast, embedded on the meeting's pages only.
    stream_url: Mapped[str | None] = mapped_column(String(500))
    capacity: Mapped[int | None] = mapped_column(Integer)  # None: no limit
    registered_count: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(16), default="planned")
    current_item_id: Mapped[uuid.UUID | None] = mapped_column()  # an item of its agenda
    # Said at the venue; a registered resident checks in with it.
    checkin_code: Mapped[str] = mapped_column(String(16))
    minutes_published_at: Mapped[datetime | None]
    created_by: Mapped[str] = mapped_column(String(100))
    updated_at: Mapped[datetime] = mapped_column(default=clock.now)


class AgendaItem(IdMixin, Base):
    """One item of a meeting's agenda, in order."""

    __tablename__ = "meeting_agenda_item"
    __table_args__ = (UniqueConstraint("meeting_id", "position"),)

    meeting_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(300))


class Registration(IdMixin, CreatedMixin, Base):
    """A resident's place at a meeting (or on its waitlist), and whether they came."""

    __tablename__ = "meeting_registration"
    __table_args__ = (
        UniqueConstraint("meeting_id", "account_id"),
        # The waitlist's order and the attendance list.
        Index("ix_meeting_registration_order", "meeting_id", "status", "created_at", "id"),
        Index("ix_meeting_registration_account", "account_id", "created_at", "id"),
    )

    meeting_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"))
    account_id: Mapped[uuid.UUID] = mapped_column()  # the resident's account
    actor: Mapped[str] = mapped_column(String(200))  # who registered (a proxy says so)
    status: Mapped[str] = mapped_column(String(16))
    attended_at: Mapped[datetime | None]
    checked_in_by: Mapped[str | None] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(default=clock.now)


class MinuteEntry(IdMixin, Base):
    """One line of the minutes, written during the meeting; public unless said otherwise."""

    __tablename__ = "meeting_minute"
    __table_args__ = (UniqueConstraint("meeting_id", "seq"),)

    meeting_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    agenda_item_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("meeting_agenda_item.id", ondelete="SET NULL")
    )
    text: Mapped[str] = mapped_column(Text)
    public: Mapped[bool] = mapped_column(Boolean, default=True)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(100))


class Decision(IdMixin, CreatedMixin, Base):
    """What the meeting decided, who owns it, by when, and how far it has got."""

    __tablename__ = "meeting_decision"
    __table_args__ = (
        Index("ix_meeting_decision_meeting", "meeting_id", "created_at", "id"),
        # The decisions board: scoped by subtree, open ones by due date.
        Index("ix_meeting_decision_board", "org_path", "status", "due_on", "id"),
        Index("ix_meeting_decision_status_due", "status", "due_on", "id"),
    )

    meeting_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"))
    org_path: Mapped[str] = mapped_column(String(1024))
    agenda_item_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("meeting_agenda_item.id", ondelete="SET NULL")
    )
    text: Mapped[str] = mapped_column(Text)
    public: Mapped[bool] = mapped_column(Boolean, default=True)
    owner_account_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("staff_account.id", ondelete="SET NULL")
    )
    owner_unit_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("org_unit.id"))
    due_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="open")
    done_at: Mapped[datetime | None]
    actor: Mapped[str] = mapped_column(String(100))
    updated_at: Mapped[datetime] = mapped_column(default=clock.now)


class DecisionUpdate(IdMixin, Base):
    """A step of a decision's follow-up: its new status and what was done."""

    __tablename__ = "meeting_decision_update"
    __table_args__ = (Index("ix_meeting_decision_update_decision", "decision_id", "at", "id"),)

    decision_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("meeting_decision.id", ondelete="CASCADE")
    )
    status: Mapped[str] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(100))
