"""Seed the resident side of the demo sites through the domains' own services.

In each site's tour unit (Huangling community in the Bao'an-like district, Anchorvale zone in
Sengkang), after the month of history: resident accounts tied to the household register (one
confirmed by phone, one matched to the register, one verified in person, and a senior living
alone whose daughter acts for them with recorded consent), a few of the history's resident
reports followed from an account, notices (to the whole unit, to seniors living alone with
calls recorded, one scheduled for next week), a hall and a court with bookings, proposals in
several states (one accepted, its result in progress and linked to a case), a participatory
budget in the voting phase with ballots and one with published results, and a survey whose
answers feed the satisfaction index. Texts are in the site's language: they are data.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from linli.cases.models import Case
from linli.core import clock
from linli.core.database import session_scope
from linli.core.errors import ValidationFailed
from linli.org import service as org_service
from linli.org.models import OrgUnit
from linli.registry import service as registry_service
from linli.registry.models import Building
from linli.registry.schemas import ResidentCreate
from linli.residents import service as residents_service
from linli.residents.bookings import service as bookings_service
from linli.residents.bookings.schemas import FacilityCreate
from linli.residents.models import ResidentAccount
from linli.residents.notices import service as notices_service
from linli.residents.notices.schemas import CallCreate, NoticeCreate, NoticeText, PublishRequest
from linli.residents.proxies import service as proxies_service
from linli.residents.reports import service as reports_service
from linli.residents.types import Level
from linli.residents.verification import service as verification_service
from linli.security import audit
from linli.security import service as security_service
from linli.security.models import StaffAccount
from linli.security.permissions import Principal
from linli.twin import community_data as data
from linli.twin.community_participation import (
    People,
    actor_of,
    seed_budgets,
    seed_meetings,
    seed_proposals,
    seed_survey,
)
from linli.twin.history_plan import tour_unit
from linli.twin.sites import SiteSpec

Progress = Callable[[str, int], None]
LOADER = "system:demo"


def _noop(_what: str, _n: int) -> None:
    return None


@dataclass
class Seeded:
    """What the resident side added to a site."""

    accounts: int = 0
    reports: int = 0
    notices: int = 0
    bookings: int = 0
    proposals: int = 0
    ballots: int = 0
    responses: int = 0
    meetings: int = 0
    extra: dict[str, int] = field(default_factory=dict)

    def line(self) -> str:
        """Return the counts as the loader prints them."""
        return (
            f"{self.accounts} resident accounts, {self.reports} reports followed, "
            f"{self.notices} notices, {self.bookings} bookings, {self.proposals} proposals, "
            f"{self.ballots} ballots, {self.responses} survey responses, "
            f"{self.meetings} council meetings"
        )


async def _principal(session: AsyncSession, username: str) -> Principal:
    account = await session.scalar(select(StaffAccount).where(StaffAccount.username == username))
    assert account is not None, f"the demo login {username} is loaded with the site"
    return await security_service.load_principal(session, account, via="token")


async def has_community(session: AsyncSession, site: SiteSpec) -> bool:
    """Tell whether the site's resident side was seeded already (its first resident exists)."""
    phone = data.PEOPLE[site.profile][0].phone
    found = await residents_service.account_with_contact(
        session, residents_service.parse_contact(phone)
    )
    return found is not None


async def seed_site(
    site: SiteSpec, *, now: datetime, seed: int = 2026, progress: Progress = _noop
) -> Seeded:
    """Seed the resident side of the site's tour unit as of `now`, in one transaction."""
    seeded = Seeded()
    rng = random.Random(f"{seed}:{site.key}:community")
    texts = data.TEXTS[site.profile]
    previous = clock.install(clock.ManualClock(now))
    try:
        async with session_scope() as session:
            if await has_community(session, site):
                return seeded
            code = next(u.code for u in site.units if u.key == tour_unit(site))
            unit = await session.scalar(select(OrgUnit).where(OrgUnit.code == code))
            assert unit is not None
            local = await _principal(session, f"{site.key}.local-operator")
            buildings = list(
                await session.scalars(
                    select(Building)
                    .where(Building.org_path.like(f"{unit.path}%"))
                    .order_by(Building.code)
                    .limit(4)
                )
            )
            people = await _accounts(session, site, buildings, local)
            seeded.accounts = 4
            progress("resident accounts", seeded.accounts)
            seeded.reports = await _reports(session, unit, people, texts)
            seeded.notices = await _notices(session, unit, local, texts, now)
            seeded.bookings = await _bookings(session, unit, local, people, texts, now)
            progress("bookings", seeded.bookings)
            seeded.proposals = await seed_proposals(session, unit, local, people, texts, now)
            seeded.ballots = await seed_budgets(session, site, unit, local, people, texts, rng)
            progress("ballots", seeded.ballots)
            seeded.responses = await seed_survey(session, unit, local, people, texts, now, rng)
            progress("survey responses", seeded.responses)
            seeded.meetings = await seed_meetings(session, unit, local, texts, now)
    finally:
        clock.install(previous)
    return seeded


async def _accounts(
    session: AsyncSession,
    site: SiteSpec,
    buildings: list[Building],
    local: Principal,
) -> People:
    """Register the four people in the household register and open their accounts."""
    made: list[ResidentAccount] = []
    for i, person in enumerate(data.PEOPLE[site.profile]):
        building = buildings[i % len(buildings)]
        resident = await registry_service.create_resident(
            session,
            data=ResidentCreate(
                building_id=building.id,
                name=person.name,
                phone=person.phone,
                birth_year=person.birth_year,
                lives_alone=person.lives_alone,
                unit=person.unit,
                id_suffix=person.id_suffix,
            ),
        )
        account = await residents_service.open_account(
            session, phone=person.phone, display_name=person.name, locale=person.locale, by=LOADER
        )
        actor = actor_of(account)
        if person.level == Level.REGISTRY:
            await verification_service.match_registry(
                session,
                actor,
                building_id=building.id,
                unit=person.unit,
                name=person.name,
                id_suffix=person.id_suffix,
            )
        else:
            await verification_service.set_home(
                session, actor, building_id=resident.building_id, unit=person.unit
            )
        if person.level == Level.IN_PERSON:
            verifier = local
            await verification_service.verify_in_person(
                session, account.id, principal=verifier, note=person.note
            )
        made.append(account)
    people = People(*made)
    verifier = local
    await proxies_service.record_consent_in_person(
        session, principal=verifier, senior_id=people.senior.id, proxy_id=people.daughter.id
    )
    return people


async def _reports(
    session: AsyncSession, unit: OrgUnit, people: People, texts: data.SiteTexts
) -> int:
    """Let residents follow open cases of the history that residents reported: each joined it
    ("me too") shortly after it was reported, as the report page offers."""
    cases = list(
        await session.scalars(
            select(Case)
            .where(
                Case.org_path.like(f"{unit.path}%"),
                Case.source == "resident",
                Case.closed_at.is_(None),
            )
            .order_by(Case.created_at.desc(), Case.id)
            .limit(12)
        )
    )
    followers = [people.daughter, people.registry]
    now = clock.now()
    linked = 0
    try:
        for case in cases:
            if linked == len(followers):
                break
            clock.install(clock.ManualClock(clock.as_utc(case.created_at) + timedelta(minutes=20)))
            try:
                async with session.begin_nested():
                    await reports_service.join(
                        session, actor_of(followers[linked]), ref=case.ref, text=texts.me_too,
                        lon=case.lon, lat=case.lat,
                    )  # fmt: skip
            except ValidationFailed:
                continue  # not shown in public, or no longer joinable: the next one
            linked += 1
    finally:
        clock.install(clock.ManualClock(now))
    return linked


def _notice(unit: OrgUnit, texts: data.SiteTexts, key: str, group: str) -> NoticeCreate:
    title, body = texts.notices[key]
    return NoticeCreate(
        unit_id=unit.id,
        group=group,
        texts={texts.language: NoticeText(title=title, body=body)},
        fallback_locale=texts.language,
    )


async def _notices(
    session: AsyncSession, unit: OrgUnit, staff: Principal, texts: data.SiteTexts, now: datetime
) -> int:
    """One notice to the whole unit, one to seniors living alone (with calls), one ahead."""
    made = 0
    for key, group, publish_at in (
        ("everyone", "everyone", None),
        ("seniors", "seniors_alone", None),
        ("ahead", "everyone", now + timedelta(days=7)),
    ):
        notice = await notices_service.create_notice(
            session, data=_notice(unit, texts, key, group), principal=staff
        )
        await notices_service.publish_notice(
            session, notice.id, data=PublishRequest(publish_at=publish_at), principal=staff
        )
        made += 1
        if group != "seniors_alone":
            continue
        listed = await notices_service.phone_list(session, notice.id, principal=staff)
        outcomes = ("reached", "no_answer", "reached")
        for row, outcome in zip(listed.items, outcomes, strict=False):
            await notices_service.record_call(
                session,
                notice.id,
                data=CallCreate(resident_id=row.resident_id, outcome=outcome, note=texts.call_note),
                principal=staff,
            )
    return made


async def _bookings(
    session: AsyncSession,
    unit: OrgUnit,
    staff: Principal,
    people: People,
    texts: data.SiteTexts,
    now: datetime,
) -> int:
    """A hall and a court of the unit, with bookings over the next days."""
    zone = ZoneInfo(await org_service.site_timezone(session, unit))
    facilities = []
    for kind, (name, name_zh, location) in texts.facilities.items():
        facilities.append(
            await bookings_service.create_facility(
                session,
                data=FacilityCreate(
                    org_unit_id=unit.id,
                    kind=kind,
                    name=name,
                    name_zh=name_zh,
                    location=location,
                    max_ahead_days=30,
                ),
                principal=staff,
            )
        )
    hall, court = facilities
    today = now.astimezone(zone).date()
    plan = (
        (hall, people.in_person, 1, 19),
        (hall, people.senior, 2, 9),
        (court, people.in_person, 1, 18),
        (court, people.daughter, 3, 20),
    )
    for facility, account, days, hour in plan:
        starts = datetime.combine(today + timedelta(days=days), time(hour), zone)
        await bookings_service.book(
            session,
            actor_of(account),
            facility_id=facility.id,
            starts_at=starts,
            ends_at=starts + timedelta(hours=1),
        )
    return len(plan)


@dataclass(frozen=True)
class ResidentLogin:
    phone: str
    name: str
    level: str
    site: str
    note: str


LEVEL_NAMES = {
    Level.SIGNED_IN: "signed in",
    Level.PHONE: "phone",
    Level.REGISTRY: "registry",
    Level.IN_PERSON: "in person",
}


async def resident_logins(
    session: AsyncSession, sites: list[tuple[str, str]]
) -> list[ResidentLogin]:
    """Return the seeded residents' sign-ins (`sites`: each site's profile and name), their
    reads of personal data audited."""
    out = []
    for profile, site_name in sites:
        people = data.PEOPLE[profile]
        for person in people:
            account = await residents_service.account_with_contact(
                session, residents_service.parse_contact(person.phone)
            )
            if account is None:
                continue
            await audit.record(
                session,
                actor="cli:demo-logins",
                action="resident_account.read",
                target_type="resident_account",
                target_id=str(account.id),
                org_path=account.org_path,
            )
            out.append(
                ResidentLogin(
                    phone=person.phone,
                    name=account.display_name or "",
                    level=LEVEL_NAMES[Level(account.level)],
                    site=site_name,
                    note=person.role,
                )
            )
    return out
