"""Staged notices to an incident's area: staff first, then residents, then the all-clear.

Only the notice is stored here (text, audience, how many it reaches, when, by whom); delivery
over the notification channels subscribes to `incident.updated` events with action `notice`.
"""

from __future__ import annotations

from shapely.geometry import Point, shape
from sqlalchemy.ext.asyncio import AsyncSession

from linli.cases.incidents import repository
from linli.cases.incidents.access import area_of, may_command, overlaps, write_log
from linli.cases.incidents.models import Incident, IncidentNotice
from linli.cases.incidents.schemas import NoticeText
from linli.core import clock
from linli.core.errors import Conflict, Forbidden, ValidationFailed
from linli.org import service as org_service
from linli.registry import service as registry_service
from linli.security.permissions import Principal, actor_of

AUDIENCES = {1: "staff", 2: "residents", 3: "all"}
_MAX_BUILDINGS = 100_000


async def count_staff(session: AsyncSession, incident: Incident) -> int:
    """Return how many active staff hold a role on a unit inside the incident's area."""
    unit = await org_service.get_unit(session, incident.unit_id)
    area = area_of(incident, unit) if incident.area is not None else None
    accounts = {
        account_id
        for account_id, boundary in await repository.staff_units_under(session, incident.org_path)
        # A unit without a boundary (a department) counts when its parent subtree is hit.
        if area is None or boundary is None or overlaps(area, shape(boundary))
    }
    return len(accounts)


async def count_residents(session: AsyncSession, incident: Incident) -> int:
    """Return how many registered residents live in buildings inside the incident's area."""
    unit = await org_service.get_unit(session, incident.unit_id)
    area = area_of(incident, unit) if incident.area is not None else None
    buildings, _ = await registry_service.list_buildings(
        session, principal=None, unit=unit, limit=_MAX_BUILDINGS
    )
    total = 0
    for building in buildings:
        if area is not None and not area.covers(Point(building.lon, building.lat)):
            continue
        _, count = await registry_service.list_residents(
            session, principal=None, building_id=building.id, limit=1
        )
        total += count
    return total


async def send_notice(
    session: AsyncSession,
    incident: Incident,
    stage: int,
    text: NoticeText,
    *,
    actor: Principal | str = "system",
) -> IncidentNotice:
    """Stage notice `stage` of an incident (1 staff, 2 residents, 3 all-clear) and store it."""
    if isinstance(actor, Principal) and not may_command(actor, incident):
        raise Forbidden("you lack 'incidents:command' on this incident", code="forbidden_scope")
    # The incident's row lock makes staging one stage twice at once a clean conflict.
    await repository.get_incident(session, incident.id, for_update=True)
    if stage not in AUDIENCES:
        raise ValidationFailed("a notice stage is 1, 2 or 3", code="bad_stage")
    text_en = text.en.strip()
    text_zh = (text.zh or "").strip() or None
    if not text_en:
        raise ValidationFailed("a notice needs English text", code="notice_text_required")
    sent = {n.stage for n in await repository.notices(session, incident.id)}
    if stage in sent:
        raise Conflict(f"stage {stage} was already sent", code="notice_already_sent", stage=stage)
    if stage in (1, 2) and incident.status != "active":
        raise Conflict("the incident is closed; only the all-clear remains", code="incident_closed")
    if stage == 2 and 1 not in sent:
        raise Conflict("tell the staff (stage 1) before the residents", code="stage_out_of_order")
    if stage == 3 and incident.status != "closed":
        raise Conflict("the all-clear is sent on closing", code="incident_active")
    if stage == 1:
        recipients = await count_staff(session, incident)
    elif stage == 2:
        recipients = await count_residents(session, incident)
    else:
        recipients = await count_staff(session, incident) + await count_residents(session, incident)
    notice = IncidentNotice(
        incident_id=incident.id,
        stage=stage,
        audience=AUDIENCES[stage],
        text_en=text_en,
        text_zh=text_zh,
        recipients=recipients,
        sent_at=clock.now(),
        sent_by=actor_of(actor) if isinstance(actor, Principal) else actor,
    )
    session.add(notice)
    await session.flush()
    await write_log(
        session,
        incident,
        actor=notice.sent_by,
        action="notice",
        text=f"Notice stage {stage} to {AUDIENCES[stage]} ({recipients}): {text_en}",
        detail={"notice_id": str(notice.id), "stage": stage, "recipients": recipients},
    )
    return notice
