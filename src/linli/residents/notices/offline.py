"""Reaching those offline: the audience recorded without a smartphone, to phone or visit (names
and numbers decrypted only for `residents:pii`, each read audited), the outcome of each call, and
the figures in which a reached call counts as delivered."""

from __future__ import annotations

import uuid

from sqlalchemy import ColumnElement, and_, select
from sqlalchemy.ext.asyncio import AsyncSession

from linli.core import clock
from linli.core.errors import Forbidden, ValidationFailed
from linli.core.pagination import Page, PageQuery, keyset_page, newest_first
from linli.registry import service as registry_service
from linli.registry.models import Building, Resident
from linli.residents.notices import repository
from linli.residents.notices.errors import NoticeNotEditable, NoticeNotFound
from linli.residents.notices.models import Notice, NoticeCall
from linli.residents.notices.schemas import (
    CallCreate,
    NoticeFigures,
    PhoneListRow,
    TargetFigures,
)
from linli.rules.notifications.models import ResidentReach
from linli.security.permissions import Principal

READ, WRITE = "notices:read", "notices:write"


async def _notice(session: AsyncSession, notice_id: uuid.UUID, principal: Principal) -> Notice:
    notice = await session.get(Notice, notice_id)
    if notice is None or not principal.can(READ, notice.org_path):
        raise NoticeNotFound("notice not found")
    return notice


async def _audience(session: AsyncSession, notice: Notice) -> ColumnElement[bool]:
    buildings = (await repository.building_ids(session, [notice.id]))[notice.id]
    # The group is judged on the day the notice went out (a birthday since changes nothing).
    when = notice.published_at or clock.now()
    return repository.audience_clause(
        org_path=notice.org_path, buildings=buildings, group=notice.group, now=when
    )


async def phone_list(
    session: AsyncSession,
    notice_id: uuid.UUID,
    *,
    principal: Principal,
    method: str | None = None,
    reveal: bool = False,
    paging: PageQuery = PageQuery(),
) -> Page[PhoneListRow]:
    """Return a page of the notice's audience recorded without a smartphone — to phone, to
    visit (`method`) or both — with each one's latest call: those the principal may read
    (`residents:read`), masked unless `reveal` (`residents:pii`, each read audited)."""
    notice = await _notice(session, notice_id, principal)
    if reveal and not principal.has("residents:pii"):
        raise Forbidden("revealing personal data needs 'residents:pii'", code="pii_forbidden")
    # Only residents the caller may read are listed at all (masked unless revealed).
    where = and_(
        await _audience(session, notice), principal.scope("residents:read", Resident.org_path)
    )
    stmt = repository.offline_list(where)
    if method is not None:
        stmt = stmt.where(ResidentReach.method == method)
    page = await keyset_page(session, stmt, repository.PHONE_LIST_ORDER, paging)
    residents: list[Resident] = list(page.items)
    views = await registry_service.view_residents(
        session, residents, principal=principal, reveal=reveal
    )
    ids = [r.id for r in residents]
    calls = await repository.last_calls(session, notice.id, ids)
    reaches = await repository.reaches(session, ids)
    items = []
    for view, resident in zip(views, residents, strict=True):
        call, reach = calls.get(resident.id), reaches[resident.id]
        items.append(
            PhoneListRow(
                resident_id=resident.id,
                name=view.name,
                phone=view.phone,
                revealed=view.revealed,
                building_id=resident.building_id,
                language=reach.language,
                method=reach.method,
                last_outcome=call.outcome if call else None,
                last_called_at=call.called_at if call else None,
            )
        )
    return Page(items=items, next=page.next, total=page.total, total_capped=page.total_capped)


async def record_call(
    session: AsyncSession, notice_id: uuid.UUID, *, data: CallCreate, principal: Principal
) -> NoticeCall:
    """Record a call to a resident of the notice's audience; a reached call delivers it."""
    notice = await _notice(session, notice_id, principal)
    principal.require(WRITE, notice.org_path)
    if notice.status != "published":
        raise NoticeNotEditable("calls are made about a published notice")
    resident = await session.scalar(
        select(Resident).where(Resident.id == data.resident_id, await _audience(session, notice))
    )
    if resident is None:
        raise ValidationFailed(
            "that resident is not in the notice's audience", code="unknown_resident"
        )
    call = NoticeCall(
        notice_id=notice.id,
        resident_id=resident.id,
        org_path=resident.org_path,
        outcome=data.outcome,
        note=data.note.strip(),
        called_by=principal.actor,
        called_at=clock.now(),
    )
    session.add(call)
    await session.flush()
    return call


async def calls_page(
    session: AsyncSession,
    notice_id: uuid.UUID,
    *,
    principal: Principal,
    paging: PageQuery = PageQuery(),
) -> Page[NoticeCall]:
    """Return a page of the calls made about a notice, newest first."""
    notice = await _notice(session, notice_id, principal)
    stmt = select(NoticeCall).where(NoticeCall.notice_id == notice.id)
    return await keyset_page(session, stmt, CALL_ORDER, paging)


CALL_ORDER = newest_first(NoticeCall.called_at, NoticeCall.id)


def _share(delivered: int, audience: int) -> float:
    return round(min(delivered, audience) / audience, 4) if audience else 0.0


async def figures(
    session: AsyncSession, notice_id: uuid.UUID, *, principal: Principal
) -> NoticeFigures:
    """Return who read the notice online and who was reached by a call, overall and per
    targeted building, with the share of the audience each makes up."""
    notice = await _notice(session, notice_id, principal)
    rows = await repository.figures_by_building(
        session, notice.id, await _audience(session, notice)
    )
    names = dict(
        (b.id, b.name)
        for b in await session.scalars(
            select(Building).where(Building.id.in_([r[0] for r in rows]))
        )
    )
    targets = [
        TargetFigures(
            building_id=b,
            building=names.get(b, ""),
            audience=audience,
            read=read,
            reached=reached,
            share=_share(read + reached, audience),
        )
        for b, audience, read, reached in rows
    ]
    audience = sum(t.audience for t in targets)
    read = await repository.read_count(session, notice.id)
    reached = sum(t.reached for t in targets)
    return NoticeFigures(
        audience=audience,
        read=read,
        reached=reached,
        delivered=read + reached,
        share=_share(read + reached, audience),
        targets=targets,
    )
