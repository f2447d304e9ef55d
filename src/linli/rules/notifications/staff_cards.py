"""Cards for staff from other domains: one person told one thing in their language (a shift
short of people, …), through the same inbox, channels, preferences and quiet hours as alarms."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from linli.core import clock, i18n
from linli.rules.notifications import routing
from linli.rules.notifications.config import get_notify_settings
from linli.rules.notifications.dispatcher import gateway_names
from linli.rules.notifications.models import Notification, NotificationPreference
from linli.security.models import StaffAccount


async def notify_staff(
    session: AsyncSession,
    account_id: uuid.UUID,
    *,
    kind: str,
    org_path: str,
    subject: str,
    body: str,
    params: dict[str, str],
    link: str | None,
    dedupe_key: str,
    severity: str = "warning",
) -> Notification | None:
    """Tell one staff member something another domain noticed (a shift short of people…): an
    inbox card in their language (`subject` and `body` are msgids formatted with `params`) and
    deliveries on the channels they chose for `severity`, quiet hours kept. Once per
    `dedupe_key`; nothing for an unknown or inactive account. Returns the card, if made."""
    account = await session.get(StaffAccount, account_id)
    if account is None or not account.active:
        return None
    taken = await session.scalar(
        select(Notification.id).where(
            Notification.account_id == account.id, Notification.dedupe_key == dedupe_key
        )
    )
    if taken is not None:
        return None
    pref = await session.get(NotificationPreference, account.id)
    locale = i18n.normalise(account.locale) or "en"
    words = i18n.translations(locale)
    now = clock.now()
    wanted = (pref.channels.get(severity) if pref else None) or routing.DEFAULT_CHANNELS.get(
        severity, ["inapp"]
    )
    settings = get_notify_settings()
    quiet = severity not in settings.urgent_severities and routing.in_quiet_hours(
        pref, now, (pref.timezone if pref and pref.timezone else None) or "UTC"
    )
    notification = Notification(
        account_id=account.id, dedupe_key=dedupe_key[:128], kind=kind[:32], alarm_id=None,
        org_path=org_path, severity=severity, locale=locale,
        title=words.gettext(subject).format(**params)[:300],
        body=words.gettext(body).format(**params)[:4000], link=link,
        suppressed=[c for c in wanted if quiet and c not in routing.SILENT_CHANNELS],
    )  # fmt: skip
    return await routing.store_notification(
        session, notification, pref=pref, wanted=wanted, gateways=gateway_names(settings), now=now
    )
