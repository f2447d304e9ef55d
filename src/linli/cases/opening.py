"""Opening a case: every source (staff, hotline, patrol, resident, alarm) becomes one case.

In the town profile, reports from residents and alarms are registered and dispatched on arrival
to the first responder the routing table names.

A case's reference is `C-{yymmdd}-{number:06d}`: the local day of its supervising unit, then a
number from the `case` reference sequence (`linli.core.refs`). The number is global, not reset
each day, and unique on its own, so the reference is unique whatever its day; numbers only grow
but may skip (a case whose opening was rolled back keeps its number unused). Taking a number
never waits for another open transaction, so concurrent reports do not queue on it.
"""

from __future__ import annotations

import uuid
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from linli.cases import repository, wording
from linli.cases.categories import category_for, get_category
from linli.cases.errors import CaseNotFound
from linli.cases.events import append_event, opened, snapshot
from linli.cases.models import AUTO_DISPATCH, CASE_REFS, SOURCES, Case, Category
from linli.cases.sla import service as sla_service
from linli.cases.transitions import apply_transition, assign
from linli.core import clock, events, refs
from linli.core.errors import Forbidden, ValidationFailed
from linli.org import service as org_service
from linli.org.models import OrgUnit
from linli.security import audit
from linli.security.permissions import Principal

MAX_TITLE = 200
MAX_DESCRIPTION = 4000


def _actor_name(actor: Principal | str) -> str:
    return actor.actor if isinstance(actor, Principal) else actor


def _check_text(title: str, description: str) -> tuple[str, str]:
    title = title.strip()
    if not 1 <= len(title) <= MAX_TITLE:
        raise ValidationFailed(f"a title has 1 to {MAX_TITLE} characters", code="bad_title")
    if len(description) > MAX_DESCRIPTION:
        raise ValidationFailed(
            f"a description has at most {MAX_DESCRIPTION} characters", code="description_too_long"
        )
    return title, description


async def report_case(
    session: AsyncSession,
    *,
    actor: Principal | str,
    category_code: str,
    title: str,
    description: str = "",
    lon: float | None = None,
    lat: float | None = None,
    unit: OrgUnit | None = None,
    source: str = "staff",
    source_ref: str | None = None,
) -> Case:
    """Open a case reported by a person; the unit is found from the point unless given."""
    title, description = _check_text(title, description)
    if source not in SOURCES:
        raise ValidationFailed(f"unknown case source '{source}'", code="unknown_source")
    category = await get_category(session, category_code)
    if (lon is None) != (lat is None):
        raise ValidationFailed("give both lon and lat, or neither", code="bad_coordinates")
    if lon is not None and lat is not None and not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise ValidationFailed("lon/lat out of range", code="bad_coordinates")
    if unit is None:
        if lon is None or lat is None:
            raise ValidationFailed("say where: a point or a unit", code="location_required")
        unit = await org_service.locate(session, lon, lat)
        if unit is None:
            raise ValidationFailed(
                "the point lies outside every boundary", code="outside_boundaries"
            )
    if isinstance(actor, Principal) and not actor.can("cases:report", unit.path):
        raise Forbidden("you may not report cases here", code="forbidden_scope")
    return await open_case(
        session,
        actor=_actor_name(actor),
        category=category,
        unit=unit,
        title=title,
        description=description,
        lon=lon,
        lat=lat,
        source=source,
        source_ref=source_ref,
    )


async def open_case_from_alarm(
    session: AsyncSession,
    *,
    alarm_id: uuid.UUID,
    category_code: str,
    unit: OrgUnit,
    title: str = "",
    description: str = "",
    text_key: str | None = None,
    text_params: dict[str, Any] | None = None,
    lon: float | None,
    lat: float | None,
    actor: str = "system",
) -> Case:
    """Open the case of an alarm (or return the one already opened for it: delivery may repeat).

    With `text_key` and `text_params` (`linli.cases.wording`) its words are rendered in the
    site's language and stored, and pages render them again in each reader's."""
    existing = await repository.open_case_for_source(session, "alarm", str(alarm_id))
    if existing is not None:
        return existing
    category = await get_category(session, category_code)
    if text_key is not None and text_params is not None:
        title, description = wording.render(text_key, text_params, org_service.site_locale(unit))
    return await open_case(
        session,
        actor=actor,
        category=category,
        unit=unit,
        title=(title.strip() or category.name_in(org_service.site_locale(unit)))[:MAX_TITLE],
        description=description[:MAX_DESCRIPTION],
        lon=lon,
        lat=lat,
        source="alarm",
        source_ref=str(alarm_id),
        text=(text_key, text_params) if text_key is not None else None,
    )


async def open_case(
    session: AsyncSession,
    *,
    actor: str,
    category: Category,
    unit: OrgUnit,
    title: str,
    description: str,
    lon: float | None,
    lat: float | None,
    source: str,
    source_ref: str | None,
    text: tuple[str, dict[str, Any] | None] | None = None,
) -> Case:
    """Open a case at `unit` and hand it to the new-case consumers (no checks: callers check).

    `text`: the template key and parameters its words were rendered from, if they were."""
    category = await category_for(session, category.code, unit.path)  # the tree's own settings
    now = clock.now()
    supervisor = await sla_service.first_supervisor(session, unit)
    zone = ZoneInfo((await org_service.calendar_for(session, supervisor)).timezone)
    day = now.astimezone(zone).strftime("%y%m%d")
    number = await refs.next_number(session, CASE_REFS)
    case = Case(
        ref=f"C-{day}-{number:06d}",
        title=title,
        description=description,
        text_key=text[0] if text else None,
        text_params=text[1] if text else None,
        category_code=category.code,
        source=source,
        source_ref=source_ref,
        profile=unit.profile,
        status="reported",
        priority=category.priority,
        lon=lon,
        lat=lat,
        org_unit_id=unit.id,
        org_path=unit.path,
        supervisor_unit_id=supervisor.id,
        escalation_level=sla_service.level_of(supervisor),
        overdue=False,
        created_at=now,
        updated_at=now,
    )
    session.add(case)
    await session.flush()
    detail: dict[str, Any] = {"source": source, "source_ref": source_ref, "unit": unit.code}
    deadline = await sla_service.enter_step(session, case, category, now=now)
    if deadline is not None:
        detail["deadline_set"] = deadline
    await append_event(
        session,
        case,
        at=now,
        actor=actor,
        action="report",
        from_status=None,
        to_status="reported",
        note=None,
        evidence=[],
        detail=detail,
    )
    await audit.record(
        session,
        actor=actor,
        action="case.report",
        target_type="case",
        target_id=str(case.id),
        org_path=case.org_path,
        detail={"ref": case.ref, "category": category.code, "source": source},
    )
    events.record(session, snapshot(case, action="report", opened=True))
    await opened.deliver(session, case)
    if source in AUTO_DISPATCH.get(unit.profile, frozenset()):
        await _route_at_once(session, case, category, unit)
    return case


async def _route_at_once(
    session: AsyncSession, case: Case, category: Category, unit: OrgUnit
) -> None:
    """Register the case and send it to the first responder the routing table names (town)."""
    await apply_transition(session, case, "register", actor="system", category=category)
    target = await org_service.route(session, category_code=category.code, unit=unit)
    if target is None:
        # Left registered for an operator to dispatch; the alarm or report is not lost.
        return
    detail = assign(case, target, routed=True)
    await apply_transition(
        session, case, "dispatch", actor="system", category=category, detail=detail
    )


async def record_alarm_cleared(
    session: AsyncSession, *, case_id: uuid.UUID, alarm_id: uuid.UUID
) -> None:
    """Note on the case's timeline that its alarm cleared (the case itself does not move)."""
    await _alarm_note(session, case_id, "alarm_cleared", detail={"alarm_id": str(alarm_id)})


async def record_alarm_attached(
    session: AsyncSession, *, case_id: uuid.UUID, note: str, detail: dict[str, Any]
) -> None:
    """Note on the case's timeline that another alarm joined it (the case itself does not move)."""
    await _alarm_note(session, case_id, "alarm_attached", note=note[:2000], detail=detail)


async def _alarm_note(
    session: AsyncSession,
    case_id: uuid.UUID,
    action: str,
    *,
    detail: dict[str, Any],
    note: str | None = None,
) -> None:
    case = await repository.get_case(session, case_id, for_update=True)
    if case is None:
        raise CaseNotFound()
    now = clock.now()
    await append_event(
        session,
        case,
        at=now,
        actor="system",
        action=action,
        from_status=case.status,
        to_status=case.status,
        note=note,
        evidence=[],
        detail=detail,
    )
    case.updated_at = now
    events.record(session, snapshot(case, action=action))
