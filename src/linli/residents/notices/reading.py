"""What residents read: the notices aimed at their home, in their language, and the receipt
recorded the first time each account opens one."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from linli.core import clock
from linli.core.pagination import Page, PageQuery, keyset_page
from linli.residents.notices import repository
from linli.residents.notices.errors import NoticeNotFound
from linli.residents.notices.models import Notice, NoticeRead
from linli.residents.types import Need, ResidentActor

# Reading a notice needs a signed-in account whose home is known (the notice's area decides).
READ_NOTICES = Need()


@dataclass(frozen=True)
class NoticeText:
    """A notice's words in one language."""

    locale: str
    title: str
    body: str


@dataclass(frozen=True)
class MyNotice:
    notice: Notice
    text: NoticeText
    read: bool


def text_for(notice: Notice, locale: str) -> NoticeText:
    """Return the notice in `locale` if it was written in it, else in its fallback language."""
    wanted = "zh_Hans" if locale.lower().startswith("zh") else locale.split("_")[0]
    chosen = wanted if wanted in notice.texts else notice.fallback_locale
    words = notice.texts[chosen]
    return NoticeText(chosen, str(words["title"]), str(words["body"]))


async def my_notices(
    session: AsyncSession, actor: ResidentActor, *, paging: PageQuery = PageQuery()
) -> Page[MyNotice]:
    """Return a page of the notices aimed at the resident's home, newest first, each marked
    read or not."""
    actor.require(READ_NOTICES)
    stmt = select(Notice).where(repository.visible_to(actor, clock.now()))
    page = await keyset_page(session, stmt, repository.RESIDENT_ORDER, paging)
    read = await repository.read_ids(session, actor.account_id, [n.id for n in page.items])
    items = [MyNotice(n, text_for(n, actor.locale), n.id in read) for n in page.items]
    return Page(items=items, next=page.next, total=page.total, total_capped=page.total_capped)


async def my_notice(session: AsyncSession, actor: ResidentActor, notice_id: uuid.UUID) -> MyNotice:
    """Open a notice aimed at the resident's home and record, once per account, that it was
    read (a proxy's opening says who opened it for whom)."""
    actor.require(READ_NOTICES)
    notice = await session.scalar(
        select(Notice).where(Notice.id == notice_id, repository.visible_to(actor, clock.now()))
    )
    if notice is None:
        raise NoticeNotFound("notice not found")
    already = await repository.read_ids(session, actor.account_id, [notice.id])
    if not already:
        receipt = NoticeRead(
            notice_id=notice.id,
            account_id=actor.account_id,
            actor=actor.actor,
            building_id=actor.building_id,
            org_path=actor.org_path,
            read_at=clock.now(),
        )
        try:
            async with session.begin_nested():
                session.add(receipt)
        except IntegrityError:
            pass  # opened at the same moment in another tab: the first receipt stands
    return MyNotice(notice, text_for(notice, actor.locale), read=True)
