"""Telling the signed-in audience of a notice when it is published: one message to each account
living in its target, in the account's language (portal inbox, SMS, e-mail through
`residents.service.notify`), at most once per account whatever runs it again."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from linli.core import clock
from linli.core.i18n import N_
from linli.residents import service as residents_service
from linli.residents.models import ResidentAccount
from linli.residents.notices import repository
from linli.residents.notices.models import Notice
from linli.residents.notices.reading import text_for

SUBJECT = N_("Notice: {title}")
BODY = N_("A new notice for your home: {title}")


async def tell_audience(session: AsyncSession, notice: Notice, buildings: list[uuid.UUID]) -> int:
    """Tell every account in the notice's target of it; return how many were told."""
    now = notice.published_at or clock.now()
    where = repository.accounts_clause(
        org_path=notice.org_path, buildings=buildings, group=notice.group, now=now
    )
    accounts = list(
        await session.execute(
            select(ResidentAccount.id, ResidentAccount.locale)
            .where(where)
            .order_by(ResidentAccount.created_at, ResidentAccount.id)
        )
    )
    for account_id, locale in accounts:
        words = text_for(notice, locale)
        await residents_service.notify(
            session,
            account_id,
            subject=SUBJECT,
            body=BODY,
            params={"title": words.title},
            link=f"/my/notices/{notice.id}",
            dedupe_key=f"notice:{notice.id}",
        )
    notice.notified_at = clock.now()
    return len(accounts)
