"""Incident notices after they are made: residents' SMS sent (retried, given up like
deliveries), and what became of each notice per channel and status."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from linli.cases.incidents.models import IncidentNotice
from linli.core import clock
from linli.rules.notifications.channels import Channel, DeliveryFailed, Message
from linli.rules.notifications.config import NotifySettings, get_notify_settings
from linli.rules.notifications.incident_notices import dedupe_key
from linli.rules.notifications.models import Delivery, NoticeMessage, Notification
from linli.security.permissions import Principal

log = logging.getLogger(__name__)


# --- sending resident SMS ----------------------------------------------------------------------


async def send_due_messages(
    session: AsyncSession,
    gateways: Mapping[str, Channel],
    *,
    settings: NotifySettings | None = None,
    limit: int = 100,
) -> int:
    """Send the residents' SMS that are due, retrying with backoff; return how many were tried."""
    settings = settings or get_notify_settings()
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
    for message in due:
        gateway = gateways.get(message.channel)
        message.attempts += 1
        try:
            if gateway is None:
                raise DeliveryFailed(f"no gateway serves '{message.channel}'")
            receipt = await gateway.send(
                Message(
                    delivery_id=message.id,
                    notification_id=message.notice_id,
                    channel=message.channel,
                    to=message.address,
                    subject=message.subject,
                    body=message.body,
                    locale=message.locale,
                    data={"notice_id": str(message.notice_id)},
                )
            )
        except DeliveryFailed as err:
            message.last_error = err.detail[:1000]
            message.status = "dead" if message.attempts >= settings.max_attempts else "failed"
            backoff = settings.backoff_seconds * 2 ** (message.attempts - 1)
            message.next_attempt_at = now + timedelta(seconds=backoff)
            log.warning("notice message %s failed: %s", message.id, err.detail)
            continue
        message.status = "sent"
        message.gateway = receipt.gateway
        message.receipt_id = receipt.receipt_id[:200]
        message.sent_at = clock.now()
        message.last_error = None
    await session.flush()
    return len(due)


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
