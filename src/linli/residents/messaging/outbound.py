"""Replies and case news on their way to residents: queued in the transaction that decided
them, then claimed, sent with no transaction open and recorded, as notification deliveries are.
SMS go through the notification channels' SMS gateway; chat replies through the chat gateway
the settings choose (a file in development and tests, a JSON POST, or a Telegram bot)."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from linli.core import clock, i18n
from linli.core.database import session_scope
from linli.residents.messaging.config import MessagingSettings, get_messaging_settings
from linli.residents.messaging.models import Conversation, Outbound
from linli.rules.notifications import service as notify

log = logging.getLogger(__name__)

LEASE_SECONDS = 300.0
MAX_BODY = 1000  # a few SMS segments at most; replies are far shorter


class HttpChat:
    """Hand chat replies to a bot gateway as a JSON POST of {"to", "text", "language"}."""

    gateway = "http"

    def __init__(self, url: str | None, token: str | None) -> None:
        self.url, self.token = url, token

    async def send(self, message: notify.Message) -> notify.Receipt:
        if not self.url or not message.to:
            raise notify.DeliveryFailed("no chat gateway URL or chat", code="no_address")
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        body = {"to": message.to, "text": message.body, "language": i18n.html_lang(message.locale)}
        return await _post(self.gateway, self.url, body, headers, message)


class TelegramChat:
    """Send chat replies through the Telegram Bot API's sendMessage."""

    gateway = "telegram"

    def __init__(self, token: str | None) -> None:
        self.token = token

    async def send(self, message: notify.Message) -> notify.Receipt:
        if not self.token or not message.to:
            raise notify.DeliveryFailed("no bot token or chat", code="no_address")
        url = f"https://api.telegram.org/bot{self.token}/sendMessage"
        return await _post(self.gateway, url, {"chat_id": message.to, "text": message.body}, {},
                           message)  # fmt: skip


async def _post(
    gateway: str, url: str, body: dict[str, str], headers: dict[str, str], message: notify.Message
) -> notify.Receipt:
    try:
        async with httpx.AsyncClient(timeout=10) as client:
            response = await client.post(url, json=body, headers=headers)
            response.raise_for_status()
    except httpx.HTTPError as err:
        raise notify.DeliveryFailed(f"chat gateway: {err}") from err
    return notify.Receipt(gateway, str(message.delivery_id))


def build_gateways(settings: MessagingSettings | None = None) -> dict[str, notify.Channel]:
    """Return the channel → gateway table: SMS as notifications send it, chat as set here."""
    settings = settings or get_messaging_settings()
    table: dict[str, notify.Channel] = {}
    sms = notify.build_gateways(notify.get_notify_settings()).get("sms")
    if sms is not None:
        table["sms"] = sms
    if settings.chat_gateway == "file":
        table["chat"] = notify.FileGateway(settings.outbox_dir, "chat")
    elif settings.chat_gateway == "http":
        table["chat"] = HttpChat(settings.chat_url, settings.chat_token)
    elif settings.chat_gateway == "telegram":
        table["chat"] = TelegramChat(settings.chat_token)
    return table


async def queue(
    session: AsyncSession, conv: Conversation, body: str, *, key: str
) -> Outbound | None:
    """Queue `body` for the conversation under `key` (once: a key already queued is skipped)."""
    had = await session.scalar(select(Outbound.id).where(Outbound.dedupe_key == key))
    if had is not None:
        return None
    row = Outbound(
        conversation_id=conv.id, dedupe_key=key[:200], channel=conv.channel, locale=conv.locale,
        body=body[:MAX_BODY], status="queued", attempts=0, next_attempt_at=clock.now(),
    )  # fmt: skip
    session.add(row)
    await session.flush()
    return row


@dataclass(frozen=True, slots=True)
class Claim:
    """An outbound message claimed for sending, and the attempt that proves the claim."""

    id: uuid.UUID
    attempt: int
    at: datetime
    message: notify.Message


async def claim_due(session: AsyncSession, *, limit: int = 100) -> list[Claim]:
    """Claim the messages that are due (leased for `LEASE_SECONDS`) and return what to send."""
    now = clock.now()
    rows = await session.execute(
        select(Outbound, Conversation.address)
        .join(Conversation, Conversation.id == Outbound.conversation_id)
        .where(Outbound.status.in_(("queued", "failed")), Outbound.next_attempt_at <= now)
        .order_by(Outbound.next_attempt_at, Outbound.id)
        .limit(limit)
        .with_for_update(skip_locked=True, of=Outbound)
    )
    claims: list[Claim] = []
    for row, address in rows:
        row.attempts += 1
        row.next_attempt_at = now + timedelta(seconds=LEASE_SECONDS)
        message = notify.Message(
            delivery_id=row.id, notification_id=row.conversation_id, channel=row.channel,
            to=address, subject="Linli", body=row.body, locale=row.locale,
        )  # fmt: skip
        claims.append(Claim(row.id, row.attempts, now, message))
    await session.flush()
    return claims


async def _record(
    session: AsyncSession,
    claim: Claim,
    result: notify.Receipt | notify.DeliveryFailed,
    settings: MessagingSettings,
) -> None:
    row = await session.get(Outbound, claim.id, with_for_update=True)
    if row is None or row.attempts != claim.attempt or row.status not in ("queued", "failed"):
        return  # its lease ran out and another attempt took it over
    if isinstance(result, notify.DeliveryFailed):
        row.last_error = result.detail[:1000]
        row.status = "dead" if row.attempts >= settings.max_attempts else "failed"
        backoff = settings.backoff_seconds * 2 ** (row.attempts - 1)
        row.next_attempt_at = claim.at + timedelta(seconds=backoff)
        log.warning("messaging reply %s (%s) failed: %s", row.id, row.channel, result.detail)
    else:
        row.status, row.gateway = "sent", result.gateway
        row.receipt_id, row.sent_at, row.last_error = result.receipt_id[:200], clock.now(), None
    await session.flush()


async def _send(
    gateways: Mapping[str, notify.Channel], message: notify.Message
) -> notify.Receipt | notify.DeliveryFailed:
    gateway = gateways.get(message.channel)
    if gateway is None:
        return notify.DeliveryFailed(f"no gateway serves '{message.channel}'")
    try:
        return await gateway.send(message)
    except notify.DeliveryFailed as err:
        return err
    except Exception as err:  # a gateway's bug must not strand the rest of the batch
        log.exception("gateway %s raised on %s", gateway.gateway, message.delivery_id)
        return notify.DeliveryFailed(f"{gateway.gateway} gateway error: {type(err).__name__}")


async def send_due(
    gateways: Mapping[str, notify.Channel] | None = None,
    *,
    settings: MessagingSettings | None = None,
    limit: int = 100,
) -> int:
    """Send the replies that are due: claimed in one short unit of work, sent with none open,
    each result recorded in its own; return how many were tried."""
    settings = settings or get_messaging_settings()
    gateways = gateways if gateways is not None else build_gateways(settings)
    async with session_scope() as session:
        claims = await claim_due(session, limit=limit)
    for claim in claims:
        result = await _send(gateways, claim.message)
        async with session_scope() as session:
            await _record(session, claim, result, settings)
    return len(claims)
