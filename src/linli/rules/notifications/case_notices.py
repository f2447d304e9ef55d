"""Case events told to the staff who act on them: a consumer of the event log, plugged in as
the rules extension's `notifications.cases` worker.

The case domain only logs what happens (`case.changed`); this reads those entries after its
own cursor (`case_notices`) and, in the transaction that moves the cursor, gives each person
concerned (`case_recipients`) an inbox card in their language — what happened, the case's
reference and title, times in the site's zone, a link to the case — and a queued delivery on
each other channel they chose for the case's weight. So each event is told exactly once per
person, even after a crash or with rival workers, and a change that rolled back was never
logged, so never told. Deliveries are sent afterwards, claimed, sent with no transaction open
and recorded (`dispatcher.send_due`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from linli.core import clock, eventlog
from linli.core.database import session_scope
from linli.core.eventlog import locked_cursor
from linli.rules.notifications import dispatcher, routing
from linli.rules.notifications.case_cards import Lookups, card, timeline_steps, told_by
from linli.rules.notifications.case_recipients import CaseNews, news_of, recipients
from linli.rules.notifications.channels import Channel, build_gateways
from linli.rules.notifications.config import NotifySettings, get_notify_settings
from linli.rules.notifications.models import Notification
from linli.security.models import StaffAccount

log = logging.getLogger(__name__)

CURSOR = "case_notices"
PATTERNS = ("case.changed",)
BATCH = 200
# An event older than this when first read is history, not news (the log before this consumer
# was installed, or a worker stopped for days): it is skipped, not told.
STALE_AFTER = timedelta(days=1)


def dedupe_key(entry: eventlog.EventLogEntry) -> str:
    """Return the key that keeps one event from telling a person twice."""
    return f"case:{entry.id}"


async def dispatch_case_events(
    session: AsyncSession, *, settings: NotifySettings | None = None, limit: int = BATCH
) -> int:
    """Tell the people concerned of the case events logged after the cursor; return how many
    entries were read."""
    settings = settings or get_notify_settings()
    cursor = await locked_cursor(session, CURSOR)
    entries = await eventlog.read_after(session, cursor.seq, patterns=PATTERNS, limit=limit)
    lookups = Lookups()
    stale = clock.now() - STALE_AFTER
    news: list[tuple[str, CaseNews, list[StaffAccount]]] = []
    for entry in entries:
        found = news_of(entry.payload, at=entry.at)
        if found is not None and found.at < stale:
            log.info("case event %s is older than %s: not told", entry.seq, STALE_AFTER)
        elif found is not None:
            people = await recipients(session, found, cache=lookups.people)
            if people:
                news.append((dedupe_key(entry), found, people))
    await tell(
        session, news, gateways=dispatcher.gateway_names(settings),
        urgent=frozenset(settings.urgent_severities), lookups=lookups,
    )  # fmt: skip
    if entries:
        cursor.seq = entries[-1].seq
        cursor.updated_at = clock.now()
        await session.flush()
    return len(entries)


async def tell(
    session: AsyncSession,
    news: Sequence[tuple[str, CaseNews, list[StaffAccount]]],
    *,
    gateways: Mapping[str, str],
    urgent: frozenset[str],
    lookups: Lookups,
) -> list[Notification]:
    """Give each person the card of each event of `news` (dedupe key, event, people) and its
    deliveries, unless they had it already; return the new cards.

    A batch costs a fixed number of statements (what was told before, the timeline entries,
    the preferences, the cards, their deliveries) besides the recipients' queries.
    """
    if not news:
        return []
    people = {a.id for _, _, found in news for a in found}
    rows = await session.execute(
        select(Notification.account_id, Notification.dedupe_key).where(
            Notification.account_id.in_(people),
            Notification.dedupe_key.in_([key for key, _, _ in news]),
        )
    )
    had = {(account_id, key) for account_id, key in rows}
    steps = await timeline_steps(session, [n for _, n, _ in news])
    await lookups.load_prefs(session, people)
    now = clock.now()
    pending: list[routing.Pending] = []
    for key, event, found in news:
        said = told_by(steps, event)
        for account in (a for a in found if (a.id, key) not in had):
            made = await card(session, account, event, said, key=key, urgent=urgent, now=now,
                              lookups=lookups)  # fmt: skip
            pending.append(made)
    await routing.store_notifications(session, pending, gateways=gateways, now=now)
    return [notification for notification, _, _ in pending]


async def run_once(
    gateways: Mapping[str, Channel] | None = None, *, settings: NotifySettings | None = None
) -> tuple[int, int]:
    """Read the new case events (units of work of `BATCH` entries), then send the deliveries
    that are due; return how many entries were read and deliveries tried."""
    settings = settings or get_notify_settings()
    gateways = gateways if gateways is not None else build_gateways(settings)
    read = 0
    while True:
        async with session_scope() as session:
            batch = await dispatch_case_events(session, settings=settings)
        read += batch
        if batch < BATCH:
            break
    return read, await dispatcher.send_due(gateways, settings=settings)


async def run_worker(stop: asyncio.Event) -> None:
    """Tell case events until `stop` is set: woken by case events, else every `poll_seconds`."""
    settings = get_notify_settings()
    gateways = build_gateways(settings)

    async def once() -> None:
        await run_once(gateways, settings=settings)

    await dispatcher.follow(
        stop, ("case.changed",), once, poll_seconds=settings.poll_seconds,
        what="case notifications",
    )  # fmt: skip
