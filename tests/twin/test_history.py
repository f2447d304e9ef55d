"""The demo's month of history (`linli.twin.history`): what the tour's logins find on first sign-in.

Both demo sites are loaded small and their month played once per backend (at a fixed "now",
with fewer people's cases a day than `linli demo load` plays); the tests read it back through
the services the pages use.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from argon2 import PasswordHasher
from sqlalchemy import func, select

from factories import empty_tables
from linli.cases import service as cases_service
from linli.cases.evaluation.figures import Period, figures
from linli.cases.incidents import service as incidents_service
from linli.cases.models import Case, CaseEvent
from linli.cases.sla.models import OverdueEntry
from linli.core import database
from linli.core.database import session_scope
from linli.core.pagination import PageQuery
from linli.iot import service as iot_service
from linli.iot.models import Device
from linli.org.models import OrgUnit
from linli.rules import service as rules_service
from linli.rules.notifications import service as notifications_service
from linli.security import service as security_service
from linli.security.models import StaffAccount
from linli.security.permissions import Principal
from linli.twin import demo, history
from linli.twin import history_plan as plan
from linli.twin import history_readings as readings
from linli.twin.geography import baoan_district, sengkang_town
from linli.twin.sites import SiteSpec

NOW = datetime(2026, 3, 31, 6, 0, tzinfo=UTC)  # a Tuesday afternoon in Shenzhen and Singapore
VOLUME = 0.5  # of the people's cases a day that `linli demo load` plays
PASSWORD = "linli-demo-test"
PROFILES = ("grid", "town")
# What the two backends' plays stored, to compare once both have run.
FINGERPRINTS: dict[str, list[tuple[str, str, str]]] = {}


@dataclass
class Played:
    backend: str
    sites: dict[str, SiteSpec]
    counts: dict[str, history.Counts]


@pytest.fixture(scope="module")
async def played(database_url: str) -> AsyncIterator[Played]:
    """Both demo sites, small, with their month played before `NOW`."""
    database.init_engine(database_url) if database._url is None else None
    sites = {
        "grid": baoan_district(scale=0.02),
        "town": sengkang_town(data_dir=None, scale=0.05),
    }
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(security_service, "_hasher", PasswordHasher(time_cost=1, memory_cost=64))
        async with session_scope() as session:
            await demo.load_categories(session)
            for site in sites.values():
                await demo.load_site(session, site, password=PASSWORD)
        counts = {
            profile: await history.play_site(site, password=PASSWORD, now=NOW, volume=VOLUME)
            for profile, site in sites.items()
        }
    backend = database.get_engine().dialect.name
    yield Played(backend, sites, counts)
    await empty_tables()


async def _principal(username: str) -> Principal:
    async with session_scope() as session:
        account = await session.scalar(
            select(StaffAccount).where(StaffAccount.username == username)
        )
        assert account is not None, username
        return await security_service.load_principal(session, account, via="token")


async def _root(site: SiteSpec) -> OrgUnit:
    async with session_scope() as session:
        unit = await session.scalar(select(OrgUnit).where(OrgUnit.code == site.units[0].code))
        assert unit is not None
        return unit


@pytest.mark.parametrize("profile", PROFILES)
async def test_the_figures_cover_every_day_of_the_month(played: Played, profile: str) -> None:
    root = await _root(played.sites[profile])
    start = NOW - timedelta(days=30)
    async with session_scope() as session:
        month = (await figures(session, [root], Period(start, NOW)))[root.id]
        days = [
            (await figures(session, [root], Period(day, day + timedelta(days=1))))[root.id]
            for day in (start + timedelta(days=n) for n in range(1, 30))
        ]
    assert all(d.steps_finished > 0 for d in days), [d.steps_finished for d in days]
    assert month.cases_closed > 40
    assert month.on_time_rate is not None and 0.5 < month.on_time_rate < 1.0
    assert month.first_time_fix_rate is not None and month.first_time_fix_rate < 1.0
    assert month.ratings > 10 and month.satisfaction is not None and 3 < month.satisfaction < 5
    assert month.returns > 0 and month.overdue > 0


@pytest.mark.parametrize("profile", PROFILES)
async def test_work_is_open_late_escalated_and_explained_at_now(
    played: Played, profile: str
) -> None:
    operator = await _principal(f"{played.sites[profile].key}.operator")
    async with session_scope() as session:
        week = await session.execute(
            select(Case.status, Case.overdue).where(
                Case.profile == profile, Case.created_at >= NOW - timedelta(days=7)
            )
        )
        rows = week.all()
        still_open = [status for status, _ in rows if status not in ("closed", "rejected")]
        late = await cases_service.list_cases(
            session, principal=operator, overdue=True, paging=PageQuery(count=True)
        )
        escalated = await session.scalar(
            select(func.count())
            .select_from(Case)
            .where(Case.profile == profile, Case.escalation_level > 0)
        )
        ledger = (
            await session.execute(
                select(OverdueEntry.explanation.is_not(None), func.count())
                .join(Case, Case.id == OverdueEntry.case_id)
                .where(Case.profile == profile)
                .group_by(OverdueEntry.explanation.is_not(None))
            )
        ).all()
    assert 0.1 <= len(still_open) / len(rows) <= 0.4, (len(still_open), len(rows))
    assert late.total and late.total >= 1
    assert escalated and escalated > 0
    explained = dict(ledger)
    assert explained.get(True, 0) > 0 and explained.get(False, 0) > 0


async def test_open_work_waits_at_several_steps(played: Played) -> None:
    async with session_scope() as session:
        waiting = set(
            await session.scalars(
                select(Case.status).where(Case.status.not_in(("closed", "rejected"))).distinct()
            )
        )
    assert len(waiting) >= 2, waiting


@pytest.mark.parametrize("profile", PROFILES)
async def test_every_source_opened_cases_and_the_site_ran_its_incident(
    played: Played, profile: str
) -> None:
    site = played.sites[profile]
    counts = played.counts[profile]
    operator = await _principal(f"{site.key}.operator")
    async with session_scope() as session:
        sources = dict(
            (
                await session.execute(
                    select(Case.source, func.count())
                    .where(Case.profile == profile)
                    .group_by(Case.source)
                )
            ).all()
        )
        cameras = await session.scalar(
            select(func.count())
            .select_from(Case)
            .where(Case.profile == profile, Case.source_ref.like("cam:%"))
        )
        returned = await session.scalar(
            select(func.count(func.distinct(CaseEvent.case_id)))
            .join(Case, Case.id == CaseEvent.case_id)
            .where(Case.profile == profile, CaseEvent.action == "return")
        )
        incidents = await incidents_service.list_incidents(session, principal=operator)
        written = (
            await session.execute(
                select(Case.title, Case.description).where(
                    Case.profile == profile, Case.source.in_(("resident", "hotline", "patrol"))
                )
            )
        ).all()
    # People write in their site's language: Chinese in Bao'an, English in Sengkang.
    chinese = [any("\u4e00" <= ch <= "\u9fff" for ch in t + d) for t, d in written]
    assert written and all(chinese) if profile == "grid" else not any(chinese)
    assert counts.cases == sum(sources.values())
    assert {"resident", "hotline", "patrol", "alarm"} <= set(sources)
    assert cameras and cameras >= 3, "several camera cases, not one joined case"
    assert sources["alarm"] > cameras, "the devices' alarms opened cases too"
    assert returned and returned > 0
    [incident] = incidents.items
    assert incident.status == "closed"
    assert NOW - timedelta(days=14) < incident.declared_at < NOW - timedelta(days=7)


@pytest.mark.parametrize("profile", PROFILES)
async def test_the_tour_units_devices_have_a_month_of_rollups(played: Played, profile: str) -> None:
    site = played.sites[profile]
    tour = next(u for u in site.units if u.key == plan.tour_unit(site))
    async with session_scope() as session:
        unit = await session.scalar(select(OrgUnit).where(OrgUnit.code == tour.code))
        assert unit is not None
        device = await session.scalar(
            select(Device)
            .where(Device.org_path.like(f"{unit.path}%"), Device.type == "AirQualityObserved")
            .order_by(Device.code)
        )
        assert device is not None
        hourly = await iot_service.series(
            session,
            device,
            metric="pm25",
            start=NOW - timedelta(days=30),
            end=NOW,
            bucket="1h",
        )
        latest = await iot_service.latest_values(session, device)
    hours = {b.ts for b in hourly.buckets or []}
    assert len(hours) >= 29 * 24, "an hourly rollup for every hour of the month"
    assert min(hours) < NOW - timedelta(days=29)
    assert latest and max(v.ts for v in latest) >= NOW - timedelta(hours=1)


@pytest.mark.parametrize("profile", PROFILES)
async def test_each_tour_login_finds_work_of_its_own(played: Played, profile: str) -> None:
    key = played.sites[profile].key
    people = {
        login: await _principal(f"{key}.{login}")
        for login in ("operator", "local-operator", "worker", "dept", "inspector")
    }
    async with session_scope() as session:
        for login, who in people.items():
            own = await cases_service.list_cases(
                session,
                principal=who,
                my_work=login == "dept",
                paging=PageQuery(count=True),
            )
            assert own.total and own.total >= 10, f"{key}.{login} sees {own.total} cases"
        local = people["local-operator"]
        alarms = await rules_service.list_alarms(
            session, principal=local, paging=PageQuery(count=True)
        )
        told, _unread, _capped = await notifications_service.inbox(session, principal=local)
        dept, dept_unread, _ = await notifications_service.inbox(session, principal=people["dept"])
    assert alarms.total and alarms.total > 0, "the local operator sees the month's alarms"
    assert told.items, "and was told of them in the inbox"
    cards = [n for n in dept.items if n.kind.startswith("case.")]
    assert dept_unread >= 10 and cards, "the department was told of the cases sent to it"
    assert cards[0].created_at >= NOW - timedelta(days=3), "up to the last days"
    assert {n.locale for n in cards} == {people["dept"].locale}
    assert all(n.link == f"/cases/{n.link.rsplit('/', 1)[-1]}" for n in cards)


async def test_the_same_seed_plays_the_same_month(played: Played) -> None:
    """The plan is a pure function of the site, "now" and the seed; played on either backend it
    leaves the same cases (refs, titles, statuses)."""
    site = played.sites["town"]
    again = plan.plan_cases(site, now=NOW, seed=history.SEED)
    assert again == plan.plan_cases(site, now=NOW, seed=history.SEED)
    assert again != plan.plan_cases(site, now=NOW, seed=history.SEED + 1)
    one = readings.month(
        "X-1", "WasteContainer", site.key, 103.9, start=NOW - timedelta(1), end=NOW
    )
    assert one == readings.month(
        "X-1", "WasteContainer", site.key, 103.9, start=NOW - timedelta(1), end=NOW
    )
    async with session_scope() as session:
        stored = [
            (ref, title, status)
            for ref, title, status in await session.execute(
                select(Case.ref, Case.title, Case.status).order_by(Case.ref)
            )
        ]
    assert len(stored) == sum(c.cases for c in played.counts.values())
    FINGERPRINTS[played.backend] = stored
    first, *others = FINGERPRINTS.values()
    assert all(other == first for other in others)
