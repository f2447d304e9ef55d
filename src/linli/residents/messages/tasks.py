"""Background work of resident accounts: sending the SMS and e-mail messages that are due."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from linli.core import clock
from linli.core.database import session_scope
from linli.residents.models import ResidentMessage
from linli.rules.notifications import service as notify_service

MESSAGE_BACKOFF = timedelta(minutes=1)
MESSAGE_MAX_ATTEMPTS = 5


async def send_due_messages(*, limit: int = 50) -> int:
    """Send the residents' SMS and e-mail messages that are due: each is claimed (its next
    attempt pushed back, a lease), sent with no transaction open, and its result recorded, in
    short units of work; failures are retried with backoff, `dead` after MESSAGE_MAX_ATTEMPTS.
    Return how many were sent."""
    sent = 0
    for _ in range(limit):
        async with session_scope() as session:
            now = clock.now()
            message = await session.scalar(
                select(ResidentMessage)
                .where(
                    ResidentMessage.status.in_(("queued", "failed")),
                    ResidentMessage.next_attempt_at <= now,
                )
                .order_by(ResidentMessage.next_attempt_at)
                .limit(1)
                .with_for_update(skip_locked=True)
            )
            if message is None:
                return sent
            message.attempts += 1
            message.next_attempt_at = now + MESSAGE_BACKOFF * 2 ** min(message.attempts, 10)
            mid, channel, address = message.id, message.channel, message.address or ""
            subject, body, locale = message.subject, message.body, message.locale
        error: str | None = None
        try:
            await notify_service.send_now(
                channel=channel, to=address, subject=subject, body=body, locale=locale
            )
        except notify_service.DeliveryFailed as err:
            error = err.detail[:1000]
        async with session_scope() as session:
            row = await session.get(ResidentMessage, mid)
            if row is None:
                continue
            if error is None:
                row.status, row.sent_at, row.last_error = "sent", clock.now(), None
                sent += 1
            else:
                row.last_error = error
                row.status = "dead" if row.attempts >= MESSAGE_MAX_ATTEMPTS else "failed"
    return sent
