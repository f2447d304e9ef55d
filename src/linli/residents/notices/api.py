"""Notices HTTP API for staff: write, aim, preview, schedule, publish, withdraw; figures, the
phone list and its calls."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query
from sqlalchemy.ext.asyncio import AsyncSession

from linli.core.deps import Paging
from linli.residents.notices import service
from linli.residents.notices.models import Notice
from linli.residents.notices.schemas import (
    AudienceCount,
    CallCreate,
    CallPage,
    CallRead,
    NoticeCreate,
    NoticeFigures,
    NoticePage,
    NoticeRead,
    NoticeTarget,
    NoticeUpdate,
    PhoneListPage,
    PublishRequest,
)
from linli.security.deps import DbSession, require
from linli.security.permissions import Principal

router = APIRouter(prefix="/api/notices", tags=["notices"])

Reader = Annotated[Principal, Depends(require("notices:read"))]
Writer = Annotated[Principal, Depends(require("notices:write"))]
Status = Literal["draft", "scheduled", "published", "withdrawn"]


async def _read(session: AsyncSession, notices: list[Notice]) -> list[NoticeRead]:
    buildings = await service.buildings_of(session, notices)
    return [
        NoticeRead.model_validate(n).model_copy(update={"building_ids": buildings[n.id]})
        for n in notices
    ]


@router.get("")
async def list_notices(
    principal: Reader, session: DbSession, paging: Paging, status: Status | None = None
) -> NoticePage:
    """List the notices of my subtree, newest first."""
    page = await service.notices_page(session, principal=principal, status=status, paging=paging)
    return NoticePage(
        items=await _read(session, page.items),
        next=page.next,
        total=page.total,
        total_capped=page.total_capped,
    )


@router.post("", status_code=201)
async def create_notice(data: NoticeCreate, principal: Writer, session: DbSession) -> NoticeRead:
    """Write a draft notice for an area, some of its buildings or a group."""
    notice = await service.create_notice(session, data=data, principal=principal)
    return (await _read(session, [notice]))[0]


@router.post("/audience")
async def preview_audience(
    target: NoticeTarget, principal: Writer, session: DbSession
) -> AudienceCount:
    """Count whom a target would reach, and how many of them to phone or visit."""
    return await service.preview_audience(session, target=target, principal=principal)


@router.get("/{notice_id:uuid}")
async def get_notice(notice_id: uuid.UUID, principal: Reader, session: DbSession) -> NoticeRead:
    """Read one notice."""
    notice = await service.get_notice(session, notice_id, principal=principal)
    return (await _read(session, [notice]))[0]


@router.patch("/{notice_id:uuid}")
async def update_notice(
    notice_id: uuid.UUID, data: NoticeUpdate, principal: Writer, session: DbSession
) -> NoticeRead:
    """Change a draft or scheduled notice's words or target."""
    notice = await service.update_notice(session, notice_id, data=data, principal=principal)
    return (await _read(session, [notice]))[0]


@router.get("/{notice_id}/audience")
async def notice_audience(
    notice_id: uuid.UUID, principal: Reader, session: DbSession
) -> AudienceCount:
    """Count whom the notice reaches."""
    return await service.audience_of(session, notice_id, principal=principal)


@router.post("/{notice_id}/publish")
async def publish_notice(
    notice_id: uuid.UUID, data: PublishRequest, principal: Writer, session: DbSession
) -> NoticeRead:
    """Publish now, or schedule for `publish_at`; `expire_at` ends it."""
    notice = await service.publish_notice(session, notice_id, data=data, principal=principal)
    return (await _read(session, [notice]))[0]


@router.post("/{notice_id}/withdraw")
async def withdraw_notice(
    notice_id: uuid.UUID, principal: Writer, session: DbSession
) -> NoticeRead:
    """Take a notice back from residents (or cancel its schedule)."""
    notice = await service.withdraw_notice(session, notice_id, principal=principal)
    return (await _read(session, [notice]))[0]


@router.get("/{notice_id}/figures")
async def notice_figures(
    notice_id: uuid.UUID, principal: Reader, session: DbSession
) -> NoticeFigures:
    """Read counts, calls that reached people and the share delivered, per building."""
    return await service.figures(session, notice_id, principal=principal)


@router.get("/{notice_id}/phone-list")
async def phone_list(
    notice_id: uuid.UUID,
    principal: Reader,
    session: DbSession,
    paging: Paging,
    method: Annotated[Literal["phone", "visit"] | None, Query()] = None,
    reveal: Annotated[
        bool, Query(description="full names and numbers (needs residents:pii; audited)")
    ] = False,
) -> PhoneListPage:
    """List the audience without a smartphone to phone or visit, with their latest call."""
    page = await service.phone_list(
        session, notice_id, principal=principal, method=method, reveal=reveal, paging=paging
    )
    return PhoneListPage(
        items=page.items, next=page.next, total=page.total, total_capped=page.total_capped
    )


@router.get("/{notice_id}/calls")
async def list_calls(
    notice_id: uuid.UUID, principal: Reader, session: DbSession, paging: Paging
) -> CallPage:
    """List the calls made about a notice, newest first."""
    page = await service.calls_page(session, notice_id, principal=principal, paging=paging)
    return CallPage(
        items=[CallRead.model_validate(c) for c in page.items],
        next=page.next,
        total=page.total,
        total_capped=page.total_capped,
    )


@router.post("/{notice_id}/calls", status_code=201)
async def record_call(
    notice_id: uuid.UUID, data: CallCreate, principal: Writer, session: DbSession
) -> CallRead:
    """Record a call's outcome; a reached call counts the notice as delivered."""
    call = await service.record_call(session, notice_id, data=data, principal=principal)
    return CallRead.model_validate(call)
