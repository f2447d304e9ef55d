"""What a carer adjusts: a profile's monitors (on/off, thresholds, times) and the periods the
person is away, which silence every monitor."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from linli.care import monitors as monitor_rules
from linli.care.errors import ProfileNotFound
from linli.care.models import CareAway, CareMonitor
from linli.care.schemas import AwayCreate, MonitorRead, MonitorUpdate
from linli.care.service import get_profile, monitor_read
from linli.core import clock
from linli.core.errors import Conflict, ValidationFailed
from linli.security import audit
from linli.security.permissions import Principal


async def set_monitor(
    session: AsyncSession,
    profile_id: uuid.UUID,
    kind: str,
    *,
    data: MonitorUpdate,
    principal: Principal,
) -> MonitorRead:
    """Switch a monitor on or off or change its threshold or times (the carer)."""
    profile = await get_profile(session, profile_id, principal=principal)
    principal.require("care:respond", profile.org_path)
    if not profile.active:
        raise Conflict("consent was withdrawn", code="consent_withdrawn")
    monitor = await session.scalar(
        select(CareMonitor).where(CareMonitor.profile_id == profile.id, CareMonitor.kind == kind)
    )
    if monitor is None:
        raise ProfileNotFound("no such monitor", code="care_monitor_not_found")
    fields = data.model_dump(exclude_unset=True, exclude_none=True)
    if "enabled" in fields:
        monitor.enabled = fields.pop("enabled")
    monitor.params = {**monitor.params, **fields}
    tz = await monitor_rules.timezone_of(session, profile)
    monitor_rules.reschedule(monitor, now=clock.now(), tz=tz)
    await session.flush()
    await audit.record(
        session,
        actor=principal.actor,
        action="care_monitor.update",
        target_type="care_profile",
        target_id=str(profile.id),
        org_path=profile.org_path,
        detail={"monitor": kind, **{k: str(v) for k, v in fields.items()}},
    )
    return monitor_read(profile, monitor)


async def add_away(
    session: AsyncSession, profile_id: uuid.UUID, *, data: AwayCreate, principal: Principal
) -> CareAway:
    """Mark a period the person is away (a holiday): monitors stay silent through it."""
    profile = await get_profile(session, profile_id, principal=principal)
    principal.require("care:respond", profile.org_path)
    if data.ends_at <= data.starts_at or data.ends_at - data.starts_at > timedelta(days=120):
        raise ValidationFailed(
            "an away period ends after it starts, within 120 days", code="bad_away_period"
        )
    away = CareAway(
        profile_id=profile.id,
        starts_at=data.starts_at,
        ends_at=data.ends_at,
        created_by=principal.actor,
    )
    session.add(away)
    await session.flush()
    return away


async def is_away(session: AsyncSession, profile_id: uuid.UUID, at: datetime) -> bool:
    """Say whether the person is marked away at `at`."""
    found = await session.scalar(
        select(CareAway.id)
        .where(CareAway.profile_id == profile_id, CareAway.starts_at <= at, CareAway.ends_at > at)
        .limit(1)
    )
    return found is not None
