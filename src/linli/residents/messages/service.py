"""Telling a resident something: a row of the portal's inbox and, by default, an SMS and an
e-mail in the resident's language, sent after the transaction commits and retried by a periodic
task (`residents.messages.tasks`)."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from linli.core import clock, i18n
from linli.core.database import after_commit
from linli.core.errors import NotFound
from linli.core.pagination import Page, PageQuery, keyset_page, newest_first
from linli.core.settings import get_settings
from linli.residents.messages import tasks
from linli.residents.models import ResidentAccount, ResidentMessage
from linli.residents.types import ResidentActor

MESSAGE_ORDER = newest_first(ResidentMessage.created_at, ResidentMessage.id)


async def notify(
    session: AsyncSession,
    account_id: uuid.UUID,
    *,
    subject: str,
    body: str,
    link: str | None = None,
    params: dict[str, object] | None = None,
    dedupe_key: str | None = None,
    channels: tuple[str, ...] | None = None,
) -> list[ResidentMessage]:
    """Tell a resident something in their language, through the portal and their contacts.

    `subject` and `body` are English message ids marked with `N_()` (so they are in the
    catalogues), with `{name}` fields filled from `params` after translation into the
    account's language. `link` is a site path (e.g. "/my/reports/<id>"): the portal links it as
    is; SMS and e-mail put `LINLI_BASE_URL` in front. The message goes to the portal's inbox
    ("inapp") and, by default, to the account's phone (SMS) and e-mail; `channels` narrows that.
    `dedupe_key` (default: a fresh one) makes a repeat of the same message a no-op.

    Rows are written in the caller's transaction; SMS and e-mail are sent after it commits,
    and `send_due_messages` (a periodic task) retries those that failed.
    """
    account = await session.get(ResidentAccount, account_id)
    if account is None:
        raise NotFound("resident account not found", code="account_not_found")
    gettext = i18n.translations(account.locale).gettext
    values = params or {}
    subject_text = gettext(subject).format(**values)[:300]
    body_text = gettext(body).format(**values)
    key = (dedupe_key or uuid.uuid4().hex)[:128]
    wanted = channels or ("inapp", "sms", "email")
    addresses = {"inapp": None, "sms": account.phone, "email": account.email}
    now = clock.now()
    made: list[ResidentMessage] = []
    for channel in wanted:
        if channel not in addresses or (channel != "inapp" and not addresses[channel]):
            continue
        exists = await session.scalar(
            select(ResidentMessage.id).where(
                ResidentMessage.account_id == account.id,
                ResidentMessage.channel == channel,
                ResidentMessage.dedupe_key == key,
            )
        )
        if exists is not None:
            continue
        text = body_text
        if link and channel != "inapp":
            text = f"{body_text}\n{get_settings().base_url.rstrip('/')}{link}"
        message = ResidentMessage(
            account_id=account.id,
            channel=channel,
            dedupe_key=key,
            locale=account.locale,
            subject=subject_text,
            body=text[:4000],
            link=link,
            address=addresses[channel],
            status="sent" if channel == "inapp" else "queued",
            sent_at=now if channel == "inapp" else None,
            next_attempt_at=now,
        )
        session.add(message)
        made.append(message)
    await session.flush()
    if any(m.channel != "inapp" for m in made):
        after_commit(session, _send_after_commit)
    return made


async def _send_after_commit(_: AsyncSession) -> None:
    await tasks.send_due_messages()


async def inbox(
    session: AsyncSession, actor: ResidentActor, *, paging: PageQuery
) -> Page[ResidentMessage]:
    """Return a page of the portal messages of the resident the actor is, newest first."""
    stmt = select(ResidentMessage).where(
        ResidentMessage.account_id == actor.account_id, ResidentMessage.channel == "inapp"
    )
    return await keyset_page(session, stmt, MESSAGE_ORDER, paging)
