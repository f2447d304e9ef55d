"""Notices to residents: write, aim, schedule, publish and withdraw them (staff, scoped to their
subtree); what residents read and their receipts (`reading`); the lists and calls for those
offline and the figures (`offline`).

Staff functions take the `Principal`; `notices:read` shows a notice inside the reader's subtree
(404 outside, so ids cannot be probed), `notices:write` changes it.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from linli.core import clock, refs
from linli.core.errors import NotFound, ValidationFailed
from linli.core.pagination import Page, PageQuery, keyset_page
from linli.org import service as org_service
from linli.org.models import OrgUnit
from linli.registry import service as registry_service
from linli.residents.notices import repository, telling
from linli.residents.notices.errors import NoticeNotEditable, NoticeNotFound
from linli.residents.notices.models import NOTICE_REFS, Notice, NoticeBuilding
from linli.residents.notices.offline import (  # re-exported: the room's public door
    calls_page as calls_page,
)
from linli.residents.notices.offline import figures as figures
from linli.residents.notices.offline import phone_list as phone_list
from linli.residents.notices.offline import record_call as record_call
from linli.residents.notices.reading import READ_NOTICES as READ_NOTICES
from linli.residents.notices.reading import MyNotice as MyNotice
from linli.residents.notices.reading import my_notice as my_notice
from linli.residents.notices.reading import my_notices as my_notices
from linli.residents.notices.reading import text_for as text_for
from linli.residents.notices.schemas import (
    AudienceCount,
    NoticeCreate,
    NoticeTarget,
    NoticeUpdate,
    PublishRequest,
)
from linli.security import audit
from linli.security.permissions import Principal

READ, WRITE = "notices:read", "notices:write"
DUE_BATCH = 50


async def get_notice(
    session: AsyncSession, notice_id: uuid.UUID, *, principal: Principal
) -> Notice:
    """Return a notice the principal may read, or raise NotFound."""
    notice = await session.get(Notice, notice_id)
    if notice is None or not principal.can(READ, notice.org_path):
        raise NoticeNotFound("notice not found")
    return notice


async def notices_page(
    session: AsyncSession,
    *,
    principal: Principal,
    status: str | None = None,
    paging: PageQuery = PageQuery(),
) -> Page[Notice]:
    """Return a page of the notices of the principal's subtree, newest first."""
    stmt = repository.staff_notices(principal.scope(READ, Notice.org_path), status)
    return await keyset_page(session, stmt, repository.STAFF_ORDER, paging)


async def buildings_of(
    session: AsyncSession, notices: list[Notice]
) -> dict[uuid.UUID, list[uuid.UUID]]:
    """Return the buildings each notice is aimed at (empty: all of its area)."""
    return await repository.building_ids(session, [n.id for n in notices])


async def _target(
    session: AsyncSession, target: NoticeTarget, *, principal: Principal
) -> tuple[OrgUnit, list[uuid.UUID]]:
    """Check a target: the unit inside the principal's writable subtree, the buildings in it."""
    try:
        unit = await org_service.get_unit(session, target.unit_id)
    except NotFound as err:
        raise ValidationFailed("no such org unit", code="unknown_unit") from err
    if not principal.can(READ, unit.path):
        raise ValidationFailed("no such org unit", code="unknown_unit")
    principal.require(WRITE, unit.path)
    buildings: list[uuid.UUID] = []
    for building_id in dict.fromkeys(target.building_ids):
        try:
            building = await registry_service.get_building(session, building_id)
        except NotFound as err:
            raise ValidationFailed("no such building", code="unknown_building") from err
        if not building.org_path.startswith(unit.path):
            raise ValidationFailed(
                f"building {building.code} lies outside the notice's area",
                code="building_outside_area",
            )
        buildings.append(building.id)
    return unit, buildings


async def _set_buildings(session: AsyncSession, notice: Notice, buildings: list[uuid.UUID]) -> None:
    await session.execute(delete(NoticeBuilding).where(NoticeBuilding.notice_id == notice.id))
    session.add_all(NoticeBuilding(notice_id=notice.id, building_id=b) for b in buildings)
    notice.all_buildings = not buildings


def _texts(data: NoticeCreate | NoticeUpdate) -> dict[str, dict[str, str]]:
    assert data.texts is not None
    return {
        lang: {"title": t.title.strip(), "body": t.body.strip()} for lang, t in data.texts.items()
    }


async def create_notice(
    session: AsyncSession, *, data: NoticeCreate, principal: Principal
) -> Notice:
    """Write a draft notice for the residents of a target."""
    unit, buildings = await _target(session, data, principal=principal)
    number = await refs.next_number(session, NOTICE_REFS)
    notice = Notice(
        ref=f"N-{number:06d}",
        unit_id=unit.id,
        org_path=unit.path,
        texts=_texts(data),
        fallback_locale=data.fallback_locale,
        group=data.group,
        status="draft",
        created_by=principal.actor,
    )
    session.add(notice)
    await session.flush()
    await _set_buildings(session, notice, buildings)
    await session.flush()
    return notice


async def update_notice(
    session: AsyncSession, notice_id: uuid.UUID, *, data: NoticeUpdate, principal: Principal
) -> Notice:
    """Change a draft or scheduled notice's words or target."""
    notice = await get_notice(session, notice_id, principal=principal)
    principal.require(WRITE, notice.org_path)
    if notice.status not in ("draft", "scheduled"):
        raise NoticeNotEditable(f"a {notice.status} notice cannot be changed")
    texts = _texts(data) if data.texts is not None else notice.texts
    fallback = data.fallback_locale or notice.fallback_locale
    if fallback not in texts:
        raise ValidationFailed(
            "the fallback language must be one of the texts", code="fallback_not_written"
        )
    fields = data.model_fields_set
    if fields & {"unit_id", "building_ids"}:
        current = (await buildings_of(session, [notice]))[notice.id]
        target = NoticeTarget(
            unit_id=data.unit_id or notice.unit_id,
            building_ids=data.building_ids if data.building_ids is not None else current,
            group=data.group or notice.group,
        )
        unit, buildings = await _target(session, target, principal=principal)
        notice.unit_id, notice.org_path = unit.id, unit.path
        await _set_buildings(session, notice, buildings)
    notice.texts, notice.fallback_locale = texts, fallback
    if data.group is not None:
        notice.group = data.group
    notice.updated_at = clock.now()
    await session.flush()
    return notice


async def _count(
    session: AsyncSession, *, org_path: str, buildings: list[uuid.UUID], group: str
) -> AudienceCount:
    where = repository.audience_clause(
        org_path=org_path, buildings=buildings, group=group, now=clock.now()
    )
    residents, in_buildings, to_phone, to_visit = await repository.audience_counts(session, where)
    return AudienceCount(
        residents=residents, buildings=in_buildings, to_phone=to_phone, to_visit=to_visit
    )


async def preview_audience(
    session: AsyncSession, *, target: NoticeTarget, principal: Principal
) -> AudienceCount:
    """Count whom a target would reach, before anything is written."""
    unit, buildings = await _target(session, target, principal=principal)
    return await _count(session, org_path=unit.path, buildings=buildings, group=target.group)


async def audience_of(
    session: AsyncSession, notice_id: uuid.UUID, *, principal: Principal
) -> AudienceCount:
    """Count whom a notice reaches now."""
    notice = await get_notice(session, notice_id, principal=principal)
    buildings = (await buildings_of(session, [notice]))[notice.id]
    return await _count(session, org_path=notice.org_path, buildings=buildings, group=notice.group)


async def _publish_now(session: AsyncSession, notice: Notice, *, actor: str) -> None:
    buildings = (await buildings_of(session, [notice]))[notice.id]
    counted = await _count(
        session, org_path=notice.org_path, buildings=buildings, group=notice.group
    )
    now = clock.now()
    notice.status, notice.published_at, notice.updated_at = "published", now, now
    notice.audience_count = counted.residents
    told = await telling.tell_audience(session, notice, buildings)
    await audit.record(
        session,
        actor=actor,
        action="notice.publish",
        target_type="resident_notice",
        target_id=str(notice.id),
        org_path=notice.org_path,
        detail={"ref": notice.ref, "audience": counted.residents, "accounts_told": told},
    )


async def publish_notice(
    session: AsyncSession, notice_id: uuid.UUID, *, data: PublishRequest, principal: Principal
) -> Notice:
    """Publish a draft or scheduled notice now, or schedule it for `publish_at`."""
    notice = await get_notice(session, notice_id, principal=principal)
    principal.require(WRITE, notice.org_path)
    if notice.status not in ("draft", "scheduled"):
        raise NoticeNotEditable(f"a {notice.status} notice cannot be published again")
    now = clock.now()
    start = max(clock.as_utc(data.publish_at), now) if data.publish_at is not None else now
    expire = clock.as_utc(data.expire_at) if data.expire_at is not None else None
    if expire is not None and expire <= start:
        raise ValidationFailed("a notice must expire after it is published", code="bad_expiry")
    notice.expire_at = expire
    if start > now:
        notice.status, notice.publish_at, notice.updated_at = "scheduled", start, now
    else:
        notice.publish_at = now
        await _publish_now(session, notice, actor=principal.actor)
    await session.flush()
    return notice


async def withdraw_notice(
    session: AsyncSession, notice_id: uuid.UUID, *, principal: Principal
) -> Notice:
    """Take a notice back: residents stop seeing it and a scheduled one is never published."""
    notice = await get_notice(session, notice_id, principal=principal)
    principal.require(WRITE, notice.org_path)
    if notice.status == "withdrawn":
        raise NoticeNotEditable("the notice is withdrawn already")
    now = clock.now()
    notice.status, notice.withdrawn_at, notice.withdrawn_by = "withdrawn", now, principal.actor
    notice.updated_at = now
    await audit.record(
        session,
        actor=principal.actor,
        action="notice.withdraw",
        target_type="resident_notice",
        target_id=str(notice.id),
        org_path=notice.org_path,
        detail={"ref": notice.ref},
    )
    await session.flush()
    return notice


async def publish_due(session: AsyncSession, *, now: datetime | None = None) -> list[Notice]:
    """Publish the scheduled notices whose time has come, claimed so that no two workers
    publish one (a row another worker holds is skipped; it publishes that one)."""
    due = await repository.due_notices(session, now=now or clock.now(), batch=DUE_BATCH)
    for notice in due:
        await _publish_now(session, notice, actor="system")
    await session.flush()
    return list(due)
