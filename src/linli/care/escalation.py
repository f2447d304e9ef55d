"""The escalation chain of a care alert: ask the person, then each emergency contact in order,
then open an urgent case for the nearest responder, passing it on when nobody accepts.

Steps are timed by the alert's `next_at`, which the sweep claims with row locks. An "I'm OK" or
a contact's "I'll go" closes the alert as answered. The SOS button skips to the case and texts
every contact at once. Every step is kept with its time, and copied to the case's timeline.
"""

from __future__ import annotations

import math
import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from linli.care.models import CareAlert, CareAlertStep, CareContact, CareMessage, CareProfile
from linli.cases import service as cases_service
from linli.cases.events import append_event
from linli.cases.models import Case
from linli.core import clock, i18n
from linli.core.errors import ValidationFailed
from linli.core.i18n import N_
from linli.org import service as org_service
from linli.registry import service as registry_service
from linli.security.models import RoleGrant, StaffAccount
from linli.volunteers import service as volunteers_service

# Minutes a responder has to accept an urgent case before it passes to the next one.
ACCEPT_MINUTES = 5
# How many of the nearest available volunteers are asked, after the carers.
VOLUNTEERS = 3
ASK_PERSON = N_("Linli: are you all right? Reply OK if you are. Someone will check on you soon.")
ASK_CONTACT = N_(
    "Linli: %(name)s has not answered a wellbeing check. Can you go and see them? Reply GO if "
    "you will go."
)
SOS_CONTACT = N_("Linli: %(name)s pressed the emergency button. Help is on its way.")
CASE_TITLE = N_("Urgent: check on a person in care")
SOS_TITLE = N_("Emergency button pressed by a person in care")


def _say(locale: str, message: str, **params: object) -> str:
    text = i18n.translations(locale).gettext(message)
    return text % params if params else text


async def record_step(
    session: AsyncSession, alert: CareAlert, action: str, *, at: datetime, **detail: Any
) -> None:
    """Keep one step of the alert's chain, and put it on the case's timeline once there is one."""
    session.add(CareAlertStep(alert_id=alert.id, at=at, action=action, detail=detail))
    if alert.case_id is not None:
        case = await session.get(Case, alert.case_id)
        if case is not None:
            await append_event(session, case, at=at, actor="system", action=f"care_{action}",
                               from_status=case.status, to_status=case.status, note=None,
                               evidence=[], detail=detail)  # fmt: skip


async def open_alert(
    session: AsyncSession, profile: CareProfile, monitor: str, *, at: datetime
) -> CareAlert | None:
    """Raise an alert for the person unless one is open already; start its chain."""
    open_already = await session.scalar(
        select(CareAlert.id).where(CareAlert.profile_id == profile.id, CareAlert.status == "open")
    )
    if open_already is not None and monitor != "sos":
        return None
    alert = CareAlert(
        id=uuid.uuid4(),
        profile_id=profile.id,
        org_path=profile.org_path,
        monitor=monitor,
        status="open",
        step=0,
        raised_at=at,
    )
    session.add(alert)
    await session.flush()
    await record_step(session, alert, "raised", at=at, monitor=monitor)
    if monitor == "sos":
        await _sos(session, alert, profile, at=at)
    else:
        await _ask_person(session, alert, profile, at=at)
    return alert


async def _queue(
    session: AsyncSession,
    alert: CareAlert,
    recipient: str,
    address: str | None,
    locale: str,
    body: str,
) -> None:
    if not address:
        return  # an erased contact is skipped
    session.add(
        CareMessage(
            alert_id=alert.id,
            recipient=recipient,
            address=address,
            locale=locale,
            body=body[:1000],
            status="queued",
        )
    )


async def _ask_person(
    session: AsyncSession, alert: CareAlert, profile: CareProfile, *, at: datetime
) -> None:
    resident = await registry_service.get_resident(session, profile.resident_id)
    if resident.phone:
        await _queue(session, alert, "person", resident.phone, profile.language,
                     _say(profile.language, ASK_PERSON))  # fmt: skip
    alert.next_at = at + timedelta(minutes=profile.ok_wait_minutes)
    await record_step(session, alert, "asked_person", at=at, by="sms" if resident.phone else "app")


async def _contacts(session: AsyncSession, profile: CareProfile) -> list[CareContact]:
    rows = await session.scalars(
        select(CareContact)
        .where(CareContact.profile_id == profile.id)
        .order_by(CareContact.position)
    )
    return list(rows)


async def _first_name(session: AsyncSession, profile: CareProfile) -> str:
    resident = await registry_service.get_resident(session, profile.resident_id)
    return resident.name.split()[0] if resident.name else ""


async def _sos(
    session: AsyncSession, alert: CareAlert, profile: CareProfile, *, at: datetime
) -> None:
    name = await _first_name(session, profile)
    for contact in await _contacts(session, profile):
        await _queue(session, alert, f"contact:{contact.position}", contact.phone,
                     contact.language, _say(contact.language, SOS_CONTACT, name=name))  # fmt: skip
    await record_step(session, alert, "contacts_told", at=at)
    await _open_case(session, alert, profile, at=at)


async def advance(session: AsyncSession, alert: CareAlert, *, now: datetime) -> None:
    """Take the alert's next step: the next contact, the urgent case, or the next responder."""
    profile = await session.get(CareProfile, alert.profile_id)
    if profile is None or not profile.active:
        alert.status, alert.next_at = "closed", None
        return
    if alert.status == "case":
        await _pass_on(session, alert, profile, now=now)
        return
    contacts = await _contacts(session, profile)
    if alert.step < len(contacts):
        contact = contacts[alert.step]
        alert.step += 1
        name = await _first_name(session, profile)
        await _queue(session, alert, f"contact:{contact.position}", contact.phone,
                     contact.language, _say(contact.language, ASK_CONTACT, name=name))  # fmt: skip
        alert.next_at = now + timedelta(minutes=profile.contact_wait_minutes)
        await record_step(session, alert, "asked_contact", at=now, position=contact.position)
        return
    await _open_case(session, alert, profile, at=now)


async def responders(session: AsyncSession, profile: CareProfile) -> list[uuid.UUID]:
    """Return who may take the urgent case, in order: the carer, the backups, the nearest
    available volunteers with a staff account, then the grid workers of the person's unit."""
    unit = await org_service.get_unit(session, profile.org_unit_id)
    around = [u.id for u in [unit, *await org_service.ancestors(session, unit)]
              if u.kind in ("grid", "community")]  # fmt: skip
    rows = await session.execute(
        select(StaffAccount.id, StaffAccount.display_name)
        .join(RoleGrant, RoleGrant.account_id == StaffAccount.id)
        .where(
            RoleGrant.unit_id.in_(around),
            RoleGrant.role == "grid_worker",
            StaffAccount.active.is_(True),
        )
        .distinct()
        .order_by(StaffAccount.display_name, StaffAccount.id)
    )
    from linli.care.service import carer_ids

    chosen = list(await carer_ids(session, profile.id))
    if profile.lon is not None and profile.lat is not None:
        nearby = await volunteers_service.nearest_available(
            session, org_path=unit.path, lon=profile.lon, lat=profile.lat, at=clock.now(),
            language=profile.language, exclude=(), limit=VOLUNTEERS,
        )  # fmt: skip
        chosen += [v.account_id for v in nearby if v.account_id and v.account_id not in chosen]
    chosen += [account for account, _ in rows if account not in chosen]
    return chosen


def distance_m(lon0: float, lat0: float, lon1: float, lat1: float) -> float:
    """Return the great-circle distance between two points, in metres."""
    p0, p1 = math.radians(lat0), math.radians(lat1)
    dp, dl = p1 - p0, math.radians(lon1 - lon0)
    h = math.sin(dp / 2) ** 2 + math.cos(p0) * math.cos(p1) * math.sin(dl / 2) ** 2
    return 2 * 6_371_000 * math.asin(math.sqrt(h))


async def _open_case(
    session: AsyncSession, alert: CareAlert, profile: CareProfile, *, at: datetime
) -> None:
    unit = await org_service.get_unit(session, profile.org_unit_id)
    sos = alert.monitor == "sos"
    code = "care.sos_alarm" if sos else "care.elderly_alone"
    category = await cases_service.get_category(session, code)
    locale = org_service.site_locale(unit)
    case = await cases_service.open_case(
        session,
        actor="system",
        category=category,
        unit=unit,
        title=_say(locale, SOS_TITLE if sos else CASE_TITLE),
        description=f"care alert {alert.id} ({alert.monitor})",
        lon=profile.lon,
        lat=profile.lat,
        source="care",
        source_ref=str(alert.id),
    )
    alert.case_id, alert.status = case.id, "case"
    await record_step(session, alert, "case_opened", at=at, ref=case.ref)
    if case.status == "reported":
        await cases_service.apply_transition(session, case, "register", actor="system")
    await _dispatch_to(session, alert, profile, case, tried=0, at=at)


async def _dispatch_to(
    session: AsyncSession,
    alert: CareAlert,
    profile: CareProfile,
    case: Case,
    *,
    tried: int,
    at: datetime,
) -> None:
    people = await responders(session, profile)
    unit = await org_service.get_unit(session, profile.org_unit_id)
    first = case.status != "dispatched"
    if tried >= len(people):
        target = await org_service.escalation_parent(session, unit) or unit
        detail = cases_service.assign(case, target, routed=False)
        await cases_service.place(session, case, target, detail, assignee_id=None,
                                  auto_assign=True, supporting_unit_ids=())  # fmt: skip
        if first:
            await cases_service.apply_transition(
                session, case, "dispatch", actor="system", detail=detail
            )
        alert.next_at = None
        await record_step(session, alert, "escalated_up", at=at, unit=target.code)
        return
    person = people[tried]
    detail = cases_service.assign(case, unit, routed=False)
    try:
        async with session.begin_nested():
            await cases_service.place(session, case, unit, detail, assignee_id=person,
                                      auto_assign=False, supporting_unit_ids=())  # fmt: skip
    except ValidationFailed:
        # Someone who may not handle cases here (no handler role): the next one.
        await record_step(session, alert, "skipped", at=at, assignee=str(person))
        await _dispatch_to(session, alert, profile, case, tried=tried + 1, at=at)
        return
    if first:
        await cases_service.apply_transition(
            session, case, "dispatch", actor="system", detail=detail
        )
    alert.step = 100 + tried  # past the contacts: the responder tried
    alert.next_at = at + timedelta(minutes=ACCEPT_MINUTES)
    await record_step(session, alert, "dispatched", at=at, assignee=str(person))


async def _pass_on(
    session: AsyncSession, alert: CareAlert, profile: CareProfile, *, now: datetime
) -> None:
    case = await session.get(Case, alert.case_id) if alert.case_id else None
    if case is None or case.status != "dispatched":
        alert.next_at = None  # accepted (or closed): the case takes it from here
        return
    await _dispatch_to(session, alert, profile, case, tried=alert.step - 99, at=now)


async def answer(
    session: AsyncSession, alert: CareAlert, *, answer: str, by: str, at: datetime
) -> None:
    """Close the alert as answered: "ok" from the person, "going" from a contact or carer."""
    if alert.status != "open":
        return
    alert.status, alert.answer, alert.answered_by = "answered", answer, by[:200]
    alert.answered_at, alert.next_at = at, None
    await record_step(session, alert, f"answered_{answer}", at=at, by=by[:200])
