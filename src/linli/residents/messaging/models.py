"""What messaging keeps: one conversation per phone or chat (the address encrypted, found by
keyed hash), each inbound message's gateway id (so a resent webhook does nothing twice), the
reports a conversation follows, and the replies waiting to be sent."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from linli.core.database import Base, CreatedMixin, IdMixin
from linli.security.crypto import EncryptedText
from linli.security.lookup import lookup_hash_of

CHANNELS = ("sms", "chat")
STATES = ("idle", "need_place", "confirm_duplicate")


class Conversation(IdMixin, CreatedMixin, Base):
    """A resident's exchange with Linli over one channel, from one number or chat."""

    __tablename__ = "messaging_conversation"
    __table_args__ = (UniqueConstraint("channel", "address_hash"),)

    channel: Mapped[str] = mapped_column(String(8))
    gateway: Mapped[str] = mapped_column(String(64))  # the gateway replies go back through
    address: Mapped[str] = mapped_column(EncryptedText("messaging_conversation.address"))
    address_hash: Mapped[str] = mapped_column(String(64), info=lookup_hash_of("address"))
    locale: Mapped[str] = mapped_column(String(16), default="en")
    state: Mapped[str] = mapped_column(String(24), default="idle")
    # The report being put together: the resident's words, triage's category, the place.
    draft_text: Mapped[str | None] = mapped_column(EncryptedText("messaging_conversation.draft"))
    draft_category: Mapped[str | None] = mapped_column(String(64))
    draft_lon: Mapped[float | None] = mapped_column(Float)
    draft_lat: Mapped[float | None] = mapped_column(Float)
    draft_place: Mapped[str | None] = mapped_column(String(200))
    offered_ref: Mapped[str | None] = mapped_column(String(32))  # "is this the same as …?"
    updated_at: Mapped[datetime] = mapped_column()


class InboundMessage(IdMixin, CreatedMixin, Base):
    """A message a gateway delivered, kept by its id: the same id twice is one message."""

    __tablename__ = "messaging_inbound"
    __table_args__ = (UniqueConstraint("gateway", "external_id"),)

    gateway: Mapped[str] = mapped_column(String(64))
    external_id: Mapped[str] = mapped_column(String(128))
    conversation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("messaging_conversation.id", ondelete="CASCADE"), index=True
    )


class Follow(IdMixin, CreatedMixin, Base):
    """A report a conversation follows, through its follow-up row (which moves with a merge)."""

    __tablename__ = "messaging_follow"
    __table_args__ = (UniqueConstraint("conversation_id", "public_report_id"),)

    conversation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("messaging_conversation.id", ondelete="CASCADE")
    )
    public_report_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("case_public_report.id", ondelete="CASCADE"), index=True
    )


class Outbound(IdMixin, CreatedMixin, Base):
    """A reply or a case's news for a conversation: queued, sent, retried, given up."""

    __tablename__ = "messaging_outbound"
    __table_args__ = (
        UniqueConstraint("dedupe_key"),
        Index("ix_messaging_outbound_due", "status", "next_attempt_at"),
    )

    conversation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("messaging_conversation.id", ondelete="CASCADE"), index=True
    )
    dedupe_key: Mapped[str] = mapped_column(String(200))
    channel: Mapped[str] = mapped_column(String(8))
    locale: Mapped[str] = mapped_column(String(16))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="queued")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column()
    sent_at: Mapped[datetime | None] = mapped_column()
    gateway: Mapped[str | None] = mapped_column(String(32))
    receipt_id: Mapped[str | None] = mapped_column(String(200))
    last_error: Mapped[str | None] = mapped_column(Text)
