"""Bookings fixtures: the test district with one hall under Street 1, and its staff."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

import pytest

from factories import make_district, make_staff
from linli.core.clock import ManualClock
from linli.core.database import session_scope
from linli.org.models import OrgUnit
from linli.residents.bookings import service
from linli.residents.bookings.models import Facility
from linli.residents.bookings.schemas import FacilityCreate
from linli.residents.types import Level, ResidentActor
from linli.security.permissions import Grant, Principal

from ..conftest import Outbox
from ..helpers import make_account

# The clock starts on Monday 2026-03-02 at 09:00 in Shanghai (01:00 UTC): Tuesday is tomorrow.
TUESDAY = (2026, 3, 3)


def local(day: tuple[int, int, int], hour: int, minute: int = 0) -> datetime:
    """Return the UTC instant of a Shanghai wall-clock time (UTC+8, no summer time)."""
    return datetime(*day, tzinfo=UTC) + timedelta(hours=hour - 8, minutes=minute)


@dataclass
class Site:
    units: dict[str, OrgUnit]
    admin: Principal
    facility: Facility
    tokens: dict[str, str]

    async def resident(
        self,
        *,
        level: Level = Level.PHONE,
        home: str = "S1-C1",
        locale: str = "en",
        proxy: uuid.UUID | None = None,
    ) -> ResidentActor:
        """Return a new resident's account living in `home` (a unit code without the
        district's); with `proxy`, as that account acts for them."""
        account = await make_account(level=level, org_unit=self.units[home], locale=locale)
        return ResidentActor(
            account_id=account.id,
            level=level,
            org_path=self.units[home].path,
            locale=locale,
            proxy_account_id=proxy,
            consent_id=uuid.uuid4() if proxy else None,
        )


HALL = {
    "kind": "hall",
    "name": "Community hall",
    "name_zh": "社区礼堂",
    "days": "0123456",
    "opens": time(8, 0),
    "closes": time(22, 0),
    "slot_minutes": 60,
    "need_level": int(Level.PHONE),
    "min_minutes": 60,
    "max_minutes": 120,
    "min_ahead_minutes": 60,
    "max_ahead_days": 14,
    "weekly_quota": 2,
    "cancel_cutoff_minutes": 120,
    "checkin_before_minutes": 15,
    "grace_minutes": 15,
    "no_show_limit": 2,
    "suspension_weeks": 2,
    "fee_per_hour": 1250,
}


@pytest.fixture(autouse=True)
def _outbox(outbox: Outbox) -> Outbox:
    """Messages to residents land in files, read like a phone's."""
    return outbox


@pytest.fixture
async def site(db: str, clock: ManualClock) -> Site:
    async with session_scope() as session:
        tree = await make_district(session)
        units = {u.code.partition("-")[2] or u.code: u for u in [tree.district, *tree.streets]}
        units |= {u.code.partition("-")[2]: u for u in [*tree.communities, *tree.grids]}
        tokens = {}
        for name, role, code in (
            ("admin", "admin", "T"),
            ("worker", "grid_worker", "S1-C1-G1"),
            ("other", "grid_worker", "S2-C1-G1"),
            ("inspector", "inspector", "T"),
        ):
            _, tokens[name] = await make_staff(session, username=name, role=role, unit=units[code])
        district = units["T"]
        admin = Principal(
            account_id=uuid.uuid4(),
            username="admin",
            display_name="Admin",
            grants=(Grant("admin", district.id, district.path),),
        )
        data = FacilityCreate(org_unit_id=units["S1-C1-G1"].id, area_unit_id=units["S1"].id, **HALL)
        facility = await service.create_facility(session, data=data, principal=admin)
    return Site(units, admin, facility, tokens)
