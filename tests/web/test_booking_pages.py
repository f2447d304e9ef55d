"""The staff's booking pages work without a script: facilities listed and added, a day's slots
with the bookings holding them, check-in, fees and cancellation by plain forms and redirects."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import select

from factories import bearer, make_district, make_staff
from linli.core.clock import ManualClock
from linli.core.database import session_scope
from linli.residents.bookings import service
from linli.residents.bookings.models import Booking
from linli.residents.bookings.schemas import FacilityCreate
from linli.residents.types import Level, ResidentActor
from linli.security.models import AuditEntry
from linli.security.permissions import Grant, Principal
from residents.helpers import make_account

TUESDAY_10 = "2026-03-03T02:00:00+00:00"  # 10:00 in Shanghai


@pytest.fixture
async def staffed(db: str, clock: ManualClock) -> dict[str, object]:
    import uuid
    from datetime import datetime

    async with session_scope() as session:
        tree = await make_district(session)
    lim = await make_account(org_unit=tree.communities[0], name="Lim Mei Hua")
    async with session_scope() as session:
        community = tree.communities[0]
        _, worker = await make_staff(
            session, username="wei", role="grid_worker", unit=tree.grids[0]
        )
        _, other = await make_staff(session, username="tan", role="grid_worker", unit=tree.grids[4])
        admin = Principal(
            uuid.uuid4(),
            "root",
            "Root",
            grants=(Grant("admin", tree.district.id, tree.district.path),),
        )
        hall = await service.create_facility(
            session,
            data=FacilityCreate(
                org_unit_id=tree.grids[0].id,
                kind="hall",
                name="Block 5 hall",
                name_zh="五座礼堂",
                fee_per_hour=2000,
            ),
            principal=admin,
        )
        booking = await service.book(
            session,
            ResidentActor(lim.id, Level.PHONE, community.path),
            facility_id=hall.id,
            starts_at=datetime.fromisoformat(TUESDAY_10),
            ends_at=datetime.fromisoformat("2026-03-03T03:00:00+00:00"),
        )
    return {"worker": bearer(worker), "other": bearer(other), "hall": hall, "booking": booking,
            "unit": tree.grids[0]}  # fmt: skip


async def test_the_day_shows_who_holds_each_slot_and_staff_act_by_forms(
    client: httpx.AsyncClient, staffed: dict[str, object]
) -> None:
    worker, hall, booking = staffed["worker"], staffed["hall"], staffed["booking"]
    assert isinstance(booking, Booking) and isinstance(worker, dict)
    listed = await client.get("/community/bookings", headers=worker)
    assert listed.status_code == 200 and "Block 5 hall" in listed.text
    url = f"/community/bookings/facilities/{hall.id}"  # type: ignore[attr-defined]
    day = await client.get(url, headers=worker, params={"day": "2026-03-03"})
    assert day.status_code == 200
    assert booking.ref in day.text and "CN¥20.00" in day.text and "Fee due" in day.text
    assert "Lim Mei Hua" in day.text  # a grid worker reads residents' names, audited
    async with session_scope() as session:
        read = await session.scalar(
            select(AuditEntry).where(AuditEntry.action == "booking.names_read")
        )
    assert read is not None and read.actor == "staff:wei"
    assert day.text.count('data-free="yes"') == 13
    paid = await client.post(
        f"/community/bookings/{booking.id}/fee", data={"fee_status": "paid"}, headers=worker
    )
    assert paid.status_code == 303 and paid.headers["location"].endswith("day=2026-03-03")
    no_reason = await client.post(
        f"/community/bookings/{booking.id}/cancel", data={"reason": " "}, headers=worker
    )
    assert "error=reason_required" in no_reason.headers["location"]
    page = await client.get(no_reason.headers["location"], headers=worker)
    assert "Please give a reason." in page.text
    checked = await client.post(f"/community/bookings/{booking.id}/check-in", headers=worker)
    assert checked.status_code == 303
    after = await client.get(url, headers=worker, params={"day": "2026-03-03"})
    assert "Checked in" in after.text and "Fee paid" in after.text
    other = staffed["other"]
    assert isinstance(other, dict)
    assert (await client.get(url, headers=other)).status_code == 404
    refused = await client.post(f"/community/bookings/{booking.id}/check-in", headers=other)
    assert refused.status_code == 404


async def test_staff_add_a_facility_and_change_its_rules_by_forms(
    client: httpx.AsyncClient, staffed: dict[str, object]
) -> None:
    worker, unit = staffed["worker"], staffed["unit"]
    assert isinstance(worker, dict)
    made = await client.post(
        "/community/bookings/facilities",
        data={"org_unit_id": str(unit.id), "name": "BBQ pit 2", "kind": "bbq_pit",  # type: ignore[attr-defined]
              "opens": "10:00", "closes": "22:00", "slot_minutes": "120", "fee_per_hour": "0"},
        headers=worker,
    )  # fmt: skip
    assert made.status_code == 303, made.text
    page = await client.get(made.headers["location"], headers=worker)
    assert "BBQ pit 2" in page.text and "10:00–22:00" in page.text
    saved = await client.post(
        made.headers["location"],
        data={"name": "BBQ pit 2", "weekly_quota": "4", "no_show_limit": ""},
        headers=worker,
    )
    assert saved.headers["location"].endswith("saved=1")
    bad = await client.post(
        "/community/bookings/facilities",
        data={"org_unit_id": str(unit.id), "name": "Late", "opens": "22:00", "closes": "08:00"},  # type: ignore[attr-defined]
        headers=worker,
    )
    assert bad.headers["location"].endswith("error=invalid_facility")
    shown = await client.get(bad.headers["location"], headers=worker)
    assert "Check the form" in shown.text
