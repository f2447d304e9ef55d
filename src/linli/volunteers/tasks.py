"""Periodic work of volunteers: warn a programme's coordinator of a shift starting within two
hours that is short of people (once per shift), remind signed-up volunteers the day before."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from linli.core import clock
from linli.core.database import session_scope
from linli.core.i18n import N_
from linli.org import service as org_service
from linli.rules.notifications import service as notifications_service
from linli.volunteers import repository as repo
from linli.volunteers.models import Programme, Shift, Signup, Volunteer

SHORT_WARNING = timedelta(hours=2)
REMINDER = timedelta(days=1)
BATCH = 200
SWEEP_SECONDS = 300.0


async def _local(session: AsyncSession, programme: Programme, shift: Shift) -> str:
    zone = await org_service.site_timezone(session, programme.unit_id)
    return shift.starts_at.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M")


async def warn_short_shifts(session: AsyncSession, *, limit: int = BATCH) -> int:
    """Tell each coordinator of a shift starting within two hours with fewer confirmed people
    than it needs, once per shift; return how many shifts were warned of."""
    now = clock.now()
    stmt = (
        select(Shift, Programme)
        .join(Programme, Programme.id == Shift.programme_id)
        .where(
            Shift.starts_at > now,
            Shift.starts_at <= now + SHORT_WARNING,
            Shift.short_warned_at.is_(None),
            Shift.cancelled.is_(False),
            Shift.confirmed_count < Shift.needed,
        )
        .order_by(Shift.starts_at, Shift.id)
        .limit(limit)
    )
    warned = 0
    for shift, programme in (await session.execute(stmt)).all():
        if not await repo.claim_warning(session, shift.id, now):
            continue  # a rival worker warned of it
        warned += 1
        if programme.coordinator_id is None:
            continue
        await notifications_service.notify_staff(
            session, programme.coordinator_id, kind="shift.short", org_path=shift.org_path,
            subject=N_("Shift short of people: {place}, {when}"),
            body=N_(
                "The shift at {place} starting {when} has {have} of the {needed} people it "
                "needs. Sign more volunteers up or find a replacement."
            ),
            params={
                "place": shift.place, "when": await _local(session, programme, shift),
                "have": str(shift.confirmed_count), "needed": str(shift.needed),
            },
            link=f"/api/shifts/{shift.id}", dedupe_key=f"shift-short:{shift.id}",
            severity="minor",
        )  # fmt: skip
    return warned


async def remind_volunteers(session: AsyncSession, *, limit: int = BATCH) -> int:
    """Remind the confirmed volunteers (with an account) of a shift starting within a day,
    once per shift; return how many shifts were reminded of."""
    now = clock.now()
    stmt = (
        select(Shift, Programme)
        .join(Programme, Programme.id == Shift.programme_id)
        .where(
            Shift.starts_at > now,
            Shift.starts_at <= now + REMINDER,
            Shift.reminded_at.is_(None),
            Shift.cancelled.is_(False),
        )
        .order_by(Shift.starts_at, Shift.id)
        .limit(limit)
    )
    reminded = 0
    for shift, programme in (await session.execute(stmt)).all():
        if not await repo.claim_reminder(session, shift.id, now):
            continue
        reminded += 1
        accounts = await session.scalars(
            select(Volunteer.account_id)
            .join(Signup, Signup.volunteer_id == Volunteer.id)
            .where(
                Signup.shift_id == shift.id,
                Signup.status == "confirmed",
                Volunteer.account_id.is_not(None),
            )
        )
        when = await _local(session, programme, shift)
        for account_id in accounts.all():
            if account_id is None:
                continue
            await notifications_service.notify_staff(
                session, account_id, kind="shift.reminder", org_path=shift.org_path,
                subject=N_("Your shift tomorrow: {place}, {when}"),
                body=N_("You are on the shift at {place} starting {when}. Thank you!"),
                params={"place": shift.place, "when": when},
                link="/api/volunteers/me", dedupe_key=f"shift-reminder:{shift.id}",
                severity="warning",
            )  # fmt: skip
    return reminded


async def sweep_shifts() -> int:
    """Run one round of the shifts' periodic work, each part its own unit of work; return how
    many shifts were warned of."""
    async with session_scope() as session:
        warned = await warn_short_shifts(session)
    async with session_scope() as session:
        await remind_volunteers(session)
    return warned
