"""Care alerts as people see them: a person's alerts, one alert with its steps, answering it,
and the carer's view of everyone in their care sorted by what needs attention."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from linli.care import escalation
from linli.care.errors import ProfileNotFound
from linli.care.models import CareAlert, CareAlertStep, CareCarer, CareMonitor, CareProfile
from linli.care.schemas import AlertRead, CarerView, CarerViewItem, StepRead
from linli.care.service import get_profile, is_learning
from linli.core import clock
from linli.core.pagination import Page, PageQuery, keyset_page, newest_first
from linli.security import audit
from linli.security.permissions import Principal, actor_of

ALERT_KEYS = newest_first(CareAlert.raised_at, CareAlert.id)
MAX_IN_CARE = 500


async def alerts_page(
    session: AsyncSession, profile_id: uuid.UUID, *, principal: Principal, paging: PageQuery
) -> Page[CareAlert]:
    """Return a page of the person's alerts, newest first (hidden from carers once withdrawn)."""
    profile = await get_profile(session, profile_id, principal=principal)
    stmt = select(CareAlert).where(CareAlert.profile_id == profile.id)
    return await keyset_page(session, stmt, ALERT_KEYS, paging)


async def _alert(
    session: AsyncSession, alert_id: uuid.UUID, principal: Principal | None
) -> tuple[CareAlert, CareProfile]:
    alert = await session.get(CareAlert, alert_id)
    if alert is None:
        raise ProfileNotFound("care alert not found", code="care_alert_not_found")
    try:
        profile = await get_profile(session, alert.profile_id, principal=principal)
    except ProfileNotFound as err:
        raise ProfileNotFound("care alert not found", code="care_alert_not_found") from err
    return alert, profile


async def read_alert(
    session: AsyncSession, alert_id: uuid.UUID, *, principal: Principal | None
) -> AlertRead:
    """Return an alert with its chain's steps (the read is audited)."""
    alert, profile = await _alert(session, alert_id, principal)
    steps = await session.scalars(
        select(CareAlertStep)
        .where(CareAlertStep.alert_id == alert.id)
        .order_by(CareAlertStep.at, CareAlertStep.id)
        .limit(200)
    )
    await audit.record(
        session,
        actor=actor_of(principal),
        action="care_alert.read",
        target_type="care_profile",
        target_id=str(profile.id),
        org_path=profile.org_path,
        detail={"alert": str(alert.id)},
    )
    read = AlertRead.model_validate(alert)
    read.steps = [StepRead.model_validate(s) for s in steps]
    return read


async def answer_alert(
    session: AsyncSession, alert_id: uuid.UUID, *, answer: str, principal: Principal | None
) -> CareAlert:
    """Record an answer to an open alert ("ok": a false alarm; "going": help on its way)."""
    alert, profile = await _alert(session, alert_id, principal)
    if principal is not None:
        principal.require("care:respond", profile.org_path)
    await answer_as(session, alert, answer=answer, by=actor_of(principal))
    return alert


async def answer_as(session: AsyncSession, alert: CareAlert, *, answer: str, by: str) -> None:
    """Close an open alert with an answer, counting an "I'm OK" as a false alarm."""
    if alert.status != "open":
        return
    await escalation.answer(session, alert, answer=answer, by=by, at=clock.now())
    if answer == "ok":
        monitor = await session.scalar(
            select(CareMonitor).where(
                CareMonitor.profile_id == alert.profile_id, CareMonitor.kind == alert.monitor
            )
        )
        if monitor is not None:
            monitor.false_alarms += 1
    await session.flush()


async def carer_view(session: AsyncSession, *, principal: Principal) -> CarerView:
    """Return everyone in the principal's care: open alerts first, then learning, then fine."""
    open_alerts = (
        select(CareAlert.profile_id, func.count().label("n"))
        .where(CareAlert.status.in_(("open", "case")))
        .group_by(CareAlert.profile_id)
        .subquery()
    )
    rows = await session.execute(
        select(CareProfile, func.coalesce(open_alerts.c.n, 0))
        .join(CareCarer, CareCarer.profile_id == CareProfile.id)
        .outerjoin(open_alerts, open_alerts.c.profile_id == CareProfile.id)
        .where(
            CareCarer.account_id == principal.account_id,
            CareProfile.withdrawn_at.is_(None),
            principal.scope("care:read", CareProfile.org_path),
        )
        .order_by(CareProfile.id)
        .limit(MAX_IN_CARE)
    )
    items = []
    for profile, n in rows:
        attention = "alert" if n else ("learning" if is_learning(profile) else "fine")
        items.append(
            CarerViewItem(
                profile_id=profile.id, kind=profile.kind, open_alerts=int(n), attention=attention
            )
        )
    order = {"alert": 0, "learning": 1, "fine": 2}
    items.sort(key=lambda i: (order[i.attention], -i.open_alerts))
    return CarerView(items=items)
