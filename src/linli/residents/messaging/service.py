"""Messaging's public door: receive one SMS or chat message (idempotent by the gateway's message
id, rate-limited per number), answer a keypad step of the hotline, send the queued replies and
tell followed cases' news.

A message is handled in the unit of work of its webhook: the conversation row is locked (one
message of a number at a time), the message's id is kept (a resent webhook finds it and does
nothing), the engine answers and its replies are queued; the worker sends them after the commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

from sqlalchemy import Table, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from linli.cases.intake import service as intake_service
from linli.core import clock
from linli.core.errors import LinliError
from linli.residents import service as residents_service
from linli.residents.codes import service as codes_service
from linli.residents.messaging import engine, ivr, outbound
from linli.residents.messaging.case_news import tell_case_news as tell_case_news
from linli.residents.messaging.config import get_messaging_settings
from linli.residents.messaging.ivr import Step as Step
from linli.residents.messaging.models import Conversation, InboundMessage
from linli.residents.messaging.outbound import send_due as send_due
from linli.security.lookup import hash_of

RATE_WINDOW_SECONDS = 3600.0
TABLE = cast(Table, Conversation.__table__)


@dataclass(frozen=True, slots=True)
class Inbound:
    """One message as a gateway delivered it."""

    channel: str  # "sms" or "chat"
    gateway: str
    message_id: str
    address: str  # the phone number or chat id replies go to
    text: str
    hint: str | None = None  # the app's language, if it says


@dataclass(frozen=True, slots=True)
class Received:
    """What became of a message: `replayed` when its id had been handled already."""

    replayed: bool
    replies: int


def address_hash(channel: str, address: str) -> str:
    """Return the keyed hash a conversation is found by."""
    found = hash_of(TABLE, "address_hash", address)
    assert found is not None
    return found


async def spend_rate(channel: str, address: str) -> None:
    """Take one message of the number's hourly budget (a unit of work of its own, so refused
    messages count too); raise RateLimited (429) when it is spent."""
    per_hour = get_messaging_settings().per_number_per_hour
    await intake_service.spend_token(
        f"msg:{channel}:{address_hash(channel, address)}", capacity=per_hour,
        per_seconds=RATE_WINDOW_SECONDS,
    )  # fmt: skip


async def find_conversation(
    session: AsyncSession, channel: str, address: str, *, lock: bool = False
) -> Conversation | None:
    """Return the conversation of a number or chat, if it has one."""
    stmt = select(Conversation).where(
        Conversation.channel == channel, Conversation.address_hash == address_hash(channel, address)
    )
    if lock:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    return await session.scalar(stmt)


async def _account_locale(session: AsyncSession, message: Inbound) -> str:
    """Return the language of the resident account with this mobile number, else English."""
    if message.channel != "sms":
        return "en"
    try:
        contact = codes_service.parse_contact(message.address)
    except LinliError:
        return "en"
    account = await residents_service.account_with_contact(session, contact)
    return account.locale if account is not None and contact.channel == "sms" else "en"


async def _conversation(session: AsyncSession, message: Inbound) -> Conversation:
    found = await find_conversation(session, message.channel, message.address, lock=True)
    if found is not None:
        return found
    locale = await _account_locale(session, message)
    try:
        async with session.begin_nested():
            session.add(
                Conversation(
                    channel=message.channel,
                    gateway=message.gateway,
                    address=message.address,
                    locale=locale,
                    state="idle",
                    updated_at=clock.now(),
                )
            )
    except IntegrityError:
        pass  # the same number's other message made it first
    found = await find_conversation(session, message.channel, message.address, lock=True)
    assert found is not None
    return found


async def receive_message(session: AsyncSession, message: Inbound) -> Received:
    """Answer one inbound message and queue the replies; a message id seen before does
    nothing."""
    seen = select(InboundMessage.id).where(
        InboundMessage.gateway == message.gateway,
        InboundMessage.external_id == message.message_id,
    )
    if await session.scalar(seen) is not None:
        return Received(replayed=True, replies=0)
    conv = await _conversation(session, message)
    if await session.scalar(seen) is not None:  # the other copy got the lock first
        return Received(replayed=True, replies=0)
    inbound = InboundMessage(
        gateway=message.gateway, external_id=message.message_id, conversation_id=conv.id
    )
    try:
        async with session.begin_nested():
            session.add(inbound)
    except IntegrityError:
        return Received(replayed=True, replies=0)
    conv.gateway = message.gateway
    turn = engine.Turn(message.text, key=f"{message.gateway}:{message.message_id}",
                       hint=message.hint)  # fmt: skip
    replies = await engine.converse(session, conv, turn)
    engine.touched(conv)
    for n, body in enumerate(replies):
        await outbound.queue(session, conv, body, key=f"in:{inbound.id}:{n}")
    return Received(replayed=False, replies=len(replies))


async def answer_call(
    session: AsyncSession, *, lang: str | None, digits: str | None, caller: str | None
) -> Step:
    """Return the hotline keypad's next step (see `linli.residents.messaging.ivr`)."""
    conv = await find_conversation(session, "sms", caller) if caller else None
    return await ivr.answer_call(session, lang=lang, digits=digits, caller=conv)
