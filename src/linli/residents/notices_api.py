"""Notices HTTP API for residents: the notices aimed at my home, and opening one (which leaves
my receipt). It lives beside the resident rule (`residents.deps`) and reads the notices through
`residents.notices.service`."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends

from linli.core.deps import Paging
from linli.residents.deps import resident
from linli.residents.notices import service
from linli.residents.notices.schemas import MyNoticePage, MyNoticeRead
from linli.residents.types import ResidentActor
from linli.security.deps import DbSession

router = APIRouter(prefix="/api/my/notices", tags=["residents"])

Reader = Annotated[ResidentActor, Depends(resident(service.READ_NOTICES))]


def _read(item: service.MyNotice) -> MyNoticeRead:
    return MyNoticeRead(
        id=item.notice.id,
        ref=item.notice.ref,
        title=item.text.title,
        body=item.text.body,
        locale=item.text.locale,
        published_at=item.notice.published_at,
        expire_at=item.notice.expire_at,
        read=item.read,
    )


@router.get("")
async def my_notices(actor: Reader, session: DbSession, paging: Paging) -> MyNoticePage:
    """List the notices for my home, newest first, unread ones marked."""
    page = await service.my_notices(session, actor, paging=paging)
    return MyNoticePage(
        items=[_read(i) for i in page.items],
        next=page.next,
        total=page.total,
        total_capped=page.total_capped,
    )


@router.get("/{notice_id}")
async def my_notice(notice_id: uuid.UUID, actor: Reader, session: DbSession) -> MyNoticeRead:
    """Open a notice for my home; the first opening records that I read it."""
    return _read(await service.my_notice(session, actor, notice_id))
