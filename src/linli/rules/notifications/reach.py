"""Residents without smartphones: how to reach them, and the printed lists of whom to phone or
visit about an open alarm, with what to tell them in their language."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from linli.core.pagination import PageQuery
from linli.org import service as org_service
from linli.org.models import OrgUnit
from linli.registry import service as registry_service
from linli.registry.models import Resident
from linli.rules import service as rules_service
from linli.rules.models import Alarm
from linli.rules.notifications import messages
from linli.rules.notifications.models import NoticeMessage, ResidentReach
from linli.rules.notifications.schemas import ReachUpdate
from linli.security.permissions import Principal


async def set_reach(
    session: AsyncSession,
    resident_id: uuid.UUID,
    *,
    data: ReachUpdate,
    principal: Principal | None = None,
) -> ResidentReach:
    """Record whether a resident has a smartphone, and how and in which language to reach them."""
    resident = await registry_service.get_resident(session, resident_id, principal=principal)
    if principal is not None:
        principal.require("residents:write", resident.org_path)
    reach = await session.get(ResidentReach, resident.id)
    if reach is None:
        reach = ResidentReach(resident_id=resident.id, org_path=resident.org_path)
        session.add(reach)
    reach.has_smartphone, reach.language, reach.method = (
        data.has_smartphone,
        data.language,
        data.method,
    )
    await session.flush()
    return reach


@dataclass
class ReachRow:
    """A resident to phone or visit, and what to tell them in their language."""

    resident_id: uuid.UUID
    name: str
    phone: str | None
    revealed: bool
    method: str
    language: str
    messages: list[str]


@dataclass
class CommunityReach:
    unit: OrgUnit
    alarms: list[Alarm]
    rows: list[ReachRow] = field(default_factory=list)


async def _community(session: AsyncSession, unit_id: uuid.UUID) -> OrgUnit:
    unit = await org_service.get_unit(session, unit_id)
    chain = [*await org_service.ancestors(session, unit), unit]
    return next((u for u in reversed(chain) if u.kind == "community"), unit)


async def reach_lists(
    session: AsyncSession,
    *,
    principal: Principal,
    alarm_id: uuid.UUID | None = None,
    reveal: bool = False,
) -> list[CommunityReach]:
    """Return, per community with an open alarm, the residents without smartphones to reach.

    Names and phones are masked unless `reveal` (needs `residents:pii`; each reveal is audited).
    """
    if alarm_id is not None:
        alarms = [await rules_service.get_alarm(session, alarm_id, principal=principal)]
    elif principal.has("alarms:read"):
        # The 200 newest open alarms: a day's round of calls, not an archive.
        found = await rules_service.list_alarms(
            session, principal=principal, open=True, paging=PageQuery(limit=200)
        )
        alarms = found.items
    else:
        alarms = []
    by_unit: dict[uuid.UUID, CommunityReach] = {}
    for alarm in alarms:
        unit = await _community(session, alarm.org_unit_id)
        by_unit.setdefault(unit.id, CommunityReach(unit=unit, alarms=[])).alarms.append(alarm)
    for entry in by_unit.values():
        rows = list(
            await session.execute(
                select(Resident, ResidentReach)
                .join(ResidentReach, ResidentReach.resident_id == Resident.id)
                .where(
                    ResidentReach.has_smartphone.is_(False),
                    Resident.org_path.startswith(entry.unit.path, autoescape=True),
                    principal.scope("residents:read", Resident.org_path),
                )
                .order_by(Resident.created_at, Resident.id)
            )
        )
        views = await registry_service.view_residents(
            session, [r for r, _ in rows], principal=principal, reveal=reveal
        )
        for view, (_, reach) in zip(views, rows, strict=True):
            place = messages_place(entry.unit, reach.language)
            entry.rows.append(
                ReachRow(
                    resident_id=view.id,
                    name=view.name,
                    phone=view.phone,
                    revealed=view.revealed,
                    method=reach.method,
                    language=reach.language,
                    messages=[
                        messages.resident_notice(a, locale=reach.language, place=place)
                        for a in entry.alarms
                    ],
                )
            )
    return sorted(by_unit.values(), key=lambda e: e.unit.code)


def messages_place(unit: OrgUnit, locale: str) -> str:
    """Return a unit's name in `locale` (its Chinese name for Chinese, if it has one)."""
    return unit.name_zh if locale.startswith("zh") and unit.name_zh else unit.name


async def incident_reach_lists(
    session: AsyncSession, incident_id: uuid.UUID, *, principal: Principal, reveal: bool = False
) -> list[CommunityReach]:
    """Return, per community, the residents without smartphones listed by an incident's notices
    for a call or a visit, with each notice's words in their language (masked unless `reveal`).
    """
    from linli.cases.incidents import service as incidents_service
    from linli.cases.incidents.models import IncidentNotice

    incident = await incidents_service.get_incident(session, incident_id, principal=principal)
    rows = list(
        await session.execute(
            select(Resident, NoticeMessage)
            .join(NoticeMessage, NoticeMessage.resident_id == Resident.id)
            .join(IncidentNotice, IncidentNotice.id == NoticeMessage.notice_id)
            .where(
                IncidentNotice.incident_id == incident.id,
                NoticeMessage.status == "listed",
                principal.scope("residents:read", Resident.org_path),
            )
            .order_by(Resident.created_at, Resident.id, IncidentNotice.stage)
        )
    )
    people: dict[uuid.UUID, tuple[Resident, list[NoticeMessage]]] = {}
    for resident, message in rows:
        people.setdefault(resident.id, (resident, []))[1].append(message)
    residents = [resident for resident, _ in people.values()]
    views = await registry_service.view_residents(
        session, residents, principal=principal, reveal=reveal
    )
    by_unit: dict[uuid.UUID, CommunityReach] = {}
    communities: dict[uuid.UUID, OrgUnit] = {}
    for view, resident in zip(views, residents, strict=True):
        if resident.org_unit_id not in communities:
            communities[resident.org_unit_id] = await _community(session, resident.org_unit_id)
        unit = communities[resident.org_unit_id]
        told = people[resident.id][1]
        entry = by_unit.setdefault(unit.id, CommunityReach(unit=unit, alarms=[]))
        entry.rows.append(
            ReachRow(
                resident_id=view.id,
                name=view.name,
                phone=view.phone,
                revealed=view.revealed,
                method=told[0].channel,
                language=told[0].locale,
                messages=[m.body for m in told],
            )
        )
    return sorted(by_unit.values(), key=lambda e: e.unit.code)
