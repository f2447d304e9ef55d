"""What happens to a followed case, told by text: a consumer of the event log (cursor
`messaging_case_news`) that queues, in the transaction moving its cursor, one message per
conversation following the case — the fix notice when it is handled, and the steps a reporter
cares about (sent to a team, being worked on, closed, reopened) — in each resident's language.

Residents who report on the web follow their case with its token; residents who text are told
here. Exactly once per conversation and event: the cursor is locked and moved with the queued
messages, and each message's key names the event and the conversation.
"""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from linli.cases.intake.models import PublicReport
from linli.core import clock, eventlog
from linli.core.eventlog import locked_cursor
from linli.residents.messaging import outbound
from linli.residents.messaging import wording as w
from linli.residents.messaging.models import Conversation, Follow

log = logging.getLogger(__name__)

CURSOR = "messaging_case_news"
PATTERNS = ("case.changed",)
BATCH = 200
STALE_AFTER = timedelta(days=1)
# The steps a reporter hears of, by the timeline action that makes them.
TOLD = frozenset({"dispatch", "arbitrate", "start", "handle", "close", "reject",
                  "fail_verification"})  # fmt: skip


def news_text(locale: str, *, action: str, ref: str, status: str) -> str:
    """Return what a resident is told of a step: the fix notice, or the case's new status."""
    if action == "handle":
        return w.say(locale, w.FIXED, ref=ref)
    return w.say(locale, w.NEWS, ref=ref, status=w.status_words(locale, status))


async def _followers(session: AsyncSession, case_id: uuid.UUID) -> list[Conversation]:
    stmt = (
        select(Conversation)
        .join(Follow, Follow.conversation_id == Conversation.id)
        .join(PublicReport, PublicReport.id == Follow.public_report_id)
        .where(PublicReport.case_id == case_id)
        .distinct()
    )
    return list(await session.scalars(stmt))


async def tell_case_news(session: AsyncSession, *, limit: int = BATCH) -> int:
    """Queue the news of the case events logged after the cursor for the conversations that
    follow each case; return how many entries were read."""
    cursor = await locked_cursor(session, CURSOR)
    entries = await eventlog.read_after(session, cursor.seq, patterns=PATTERNS, limit=limit)
    stale = clock.now() - STALE_AFTER
    for entry in entries:
        payload = entry.payload
        action = str(payload.get("action") or "")
        if action not in TOLD:
            continue
        if entry.at < stale:
            log.info("case event %s is older than %s: not told", entry.seq, STALE_AFTER)
            continue
        try:
            case_id = uuid.UUID(str(payload.get("case_id")))
        except ValueError:
            continue
        ref, status = str(payload.get("ref") or ""), str(payload.get("status") or "")
        for conv in await _followers(session, case_id):
            body = news_text(conv.locale, action=action, ref=ref, status=status)
            await outbound.queue(session, conv, body, key=f"case:{entry.id}:{conv.id}")
    if entries:
        cursor.seq = entries[-1].seq
        cursor.updated_at = clock.now()
        await session.flush()
    return len(entries)
