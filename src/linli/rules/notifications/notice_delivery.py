"""Incident notices after they are made: residents' SMS sent (retried, given up like
deliveries), and what became of each notice per channel and status. Also the claim-send-record
steps that staff deliveries (`dispatcher`) share: no transaction is open while a gateway
is called."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from linli.cases.incidents.models import IncidentNotice
from linli.core import clock
from linli.core.database import session_scope
from linli.rules.notifications.channels import Channel, DeliveryFailed, Message, Receipt
from linli.rules.notifications.config import NotifySettings, get_notify_settings
from linli.rules.notifications.incident_notices import dedupe_key
from linli.rules.notifications.models import Delivery, NoticeMessage, Notification
from linli.security.permissions import Principal

log = logging.getLogger(__name__)


# --- sending, claimed first --------------------------------------------------------------------

LEASE_SECONDS = 300.0
"""How long a claimed delivery or message stays with its claimer: if its result is not recorded
by then (the process stopped mid-send), it comes due again. Gateways time out well before."""


@dataclass(frozen=True, slots=True)
class Claim:
    """A delivery or notice message claimed for sending: its id, the attempt it is (which
    proves the claim still holds when the result comes), when it was claimed, what to send."""

    id: uuid.UUID
    attempt: int
    at: datetime
    message: Message


def holds(row: Delivery | NoticeMessage, claim: Claim) -> bool:
    """Tell whether `claim` is still the latest attempt at `row` and nothing was recorded."""
    return row.attempts == claim.attempt and row.status in ("queued", "failed")


async def send_claimed(
    gateways: Mapping[str, Channel], message: Message
) -> Receipt | DeliveryFailed:
    """Hand `message` to its channel's gateway (no transaction open); return its receipt or
    why it failed."""
    gateway = gateways.get(message.channel)
    if gateway is None:
        return DeliveryFailed(f"no gateway serves '{message.channel}'")
    try:
        return await gateway.send(message)
    except DeliveryFailed as err:
        return err
    except Exception as err:  # a gateway's bug must not strand the rest of the claimed batch
        log.exception("gateway %s raised on %s", gateway.gateway, message.delivery_id)
        return DeliveryFailed(f"{gateway.gateway} gateway error: {type(err).__name__}")


async def record_claimed(
    session: AsyncSession,
    row_type: type[Delivery] | type[NoticeMessage],
    claim: Claim,
    result: Receipt | DeliveryFailed,
    settings: NotifySettings,
) -> None:
    """Record what the gateway said of a claimed delivery or message (unless the claim was lost)."""
    row: Delivery | NoticeMessage | None = await session.get(
        row_type, claim.id, with_for_update=True
    )
    if row is None or not holds(row, claim):
        return  # its lease ran out and another attempt took it over
    record(row, claim, result, settings)
    if isinstance(result, DeliveryFailed):
        log.warning("%s %s (%s) failed: %s", row_type.__name__, row.id, row.channel, result.detail)
    await session.flush()


async def send_claims(
    gateways: Mapping[str, Channel],
    claims: list[Claim],
    row_type: type[Delivery] | type[NoticeMessage],
    settings: NotifySettings,
) -> int:
    """Send claimed rows with no transaction open, recording each result in a unit of work of
    its own; return how many were tried."""
    for claim in claims:
        result = await send_claimed(gateways, claim.message)
        async with session_scope() as session:
            await record_claimed(session, row_type, claim, result, settings)
    return len(claims)


def record(
    row: Delivery | NoticeMessage,
    claim: Claim,
    result: Receipt | DeliveryFailed,
    settings: NotifySettings,
) -> None:
    """Mark a claimed row sent, or failed (retried after a backoff doubling per attempt) and
    dead after `max_attempts`."""
    if isinstance(result, DeliveryFailed):
        row.last_error = result.detail[:1000]
        row.status = "dead" if row.attempts >= settings.max_attempts else "failed"
        backoff = settings.backoff_seconds * 2 ** (row.attempts - 1)
        row.next_attempt_at = claim.at + timedelta(seconds=backoff)
        return
    row.status = "sent"
    row.gateway = result.gateway
    row.receipt_id = result.receipt_id[:200]
    row.sent_at = clock.now()
    row.last_error = None


# --- sending resident SMS ----------------------------------------------------------------------


async def claim_due_messages(
    session: AsyncSession, *, limit: int = 100, lease_seconds: float = LEASE_SECONDS
) -> list[Claim]:
    """Claim the residents' SMS that are due (see `Claim`) and return what to send."""
    now = clock.now()
    due = list(
        await session.scalars(
            select(NoticeMessage)
            .where(
                NoticeMessage.status.in_(("queued", "failed")),
                NoticeMessage.next_attempt_at <= now,
            )
            .order_by(NoticeMessage.next_attempt_at, NoticeMessage.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    )
    claims: list[Claim] = []
    for message in due:
        message.attempts += 1
        message.next_attempt_at = now + timedelta(seconds=lease_seconds)
        outgoing = Message(
            delivery_id=message.id,
            notification_id=message.notice_id,
            channel=message.channel,
            to=message.address,
            subject=message.subject,
            body=message.body,
            locale=message.locale,
            data={"notice_id": str(message.notice_id)},
        )
        claims.append(Claim(message.id, message.attempts, now, outgoing))
    await session.flush()
    return claims


async def send_due_messages(
    gateways: Mapping[str, Channel],
    *,
    settings: NotifySettings | None = None,
    limit: int = 100,
) -> int:
    """Send the residents' SMS that are due, retrying with backoff; return how many were tried.

    Claimed in one short unit of work, sent with none open, each result recorded in its own.
    """
    settings = settings or get_notify_settings()
    async with session_scope() as session:
        claims = await claim_due_messages(session, limit=limit)
    return await send_claims(gateways, claims, NoticeMessage, settings)


# --- what became of a notice -----------------------------------------------------------------


@dataclass
class NoticeDeliveries:
    """How far one notice got: messages per channel and status (`listed`: to phone or visit)."""

    notice_id: uuid.UUID
    stage: int
    notified_staff: int = 0
    channels: dict[str, dict[str, int]] = field(default_factory=dict)


async def notice_deliveries(
    session: AsyncSession, notices: list[IncidentNotice]
) -> list[NoticeDeliveries]:
    """Return, per notice, the staff notified and the messages per channel and status."""
    result: list[NoticeDeliveries] = []
    for notice in notices:
        view = NoticeDeliveries(notice_id=notice.id, stage=notice.stage)
        key = dedupe_key(notice.id)
        view.notified_staff = int(
            await session.scalar(
                select(func.count()).select_from(Notification).where(Notification.dedupe_key == key)
            )
            or 0
        )
        staff_rows = await session.execute(
            select(Delivery.channel, Delivery.status, func.count())
            .join(Notification, Notification.id == Delivery.notification_id)
            .where(Notification.dedupe_key == key)
            .group_by(Delivery.channel, Delivery.status)
        )
        resident_rows = await session.execute(
            select(NoticeMessage.channel, NoticeMessage.status, func.count())
            .where(NoticeMessage.notice_id == notice.id)
            .group_by(NoticeMessage.channel, NoticeMessage.status)
        )
        for channel, status, count in [*staff_rows, *resident_rows]:
            counts = view.channels.setdefault(channel, {})
            counts[status] = counts.get(status, 0) + int(count)
        result.append(view)
    return result


async def deliveries_of(
    session: AsyncSession, incident_id: uuid.UUID, *, principal: Principal
) -> list[NoticeDeliveries]:
    """Return what became of each notice of an incident the principal may read."""
    from linli.cases.incidents import service as incidents_service

    incident = await incidents_service.get_incident(session, incident_id, principal=principal)
    notices = await incidents_service.notices_of(session, incident)
    return await notice_deliveries(session, list(notices))
