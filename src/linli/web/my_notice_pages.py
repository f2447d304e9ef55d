"""The resident's notices pages (`/my/notices`): the notices for my home, newest first with the
unread marked, and a notice's page, whose opening records that I read it. Plain links; no
JavaScript needed. Times are on the clock of the resident's site."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy.ext.asyncio import AsyncSession

from linli.core.deps import Paging
from linli.org import service as org_service
from linli.residents.deps import resident
from linli.residents.notices import service as notices
from linli.residents.types import ResidentActor
from linli.security.deps import DbSession
from linli.web.portal_frame import portal_locale, portal_page

router = APIRouter(include_in_schema=False)

Reader = Annotated[ResidentActor, Depends(resident(notices.READ_NOTICES, page=True))]


async def _timezone(session: AsyncSession, actor: ResidentActor) -> str:
    """Return the zone of the resident's site (their home's unit is the path's last id)."""
    if not actor.org_path:
        return "UTC"
    return await org_service.site_timezone(
        session, uuid.UUID(hex=actor.org_path.strip("/").split("/")[-1])
    )


@router.get("/my/notices")
async def my_notices(
    actor: Reader, request: Request, session: DbSession, paging: Paging
) -> Response:
    """List the notices for my home, newest first, the unread ones marked."""
    page = await notices.my_notices(session, actor, paging=paging)
    return await portal_page(
        request,
        session,
        "my_notices.html",
        locale=portal_locale(request, actor.locale),
        timezone=await _timezone(session, actor),
        notices=page.items,
        next_cursor=page.next,
        page_path="/my/notices",
    )


@router.get("/my/notices/{notice_id}")
async def my_notice(
    notice_id: uuid.UUID, actor: Reader, request: Request, session: DbSession
) -> Response:
    """Show a notice for my home, in my language; opening it records that I read it."""
    item = await notices.my_notice(session, actor, notice_id)
    return await portal_page(
        request,
        session,
        "my_notice.html",
        locale=portal_locale(request, actor.locale),
        timezone=await _timezone(session, actor),
        item=item,
        page_path=f"/my/notices/{notice_id}",
    )
