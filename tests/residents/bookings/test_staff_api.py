"""The staff API: facilities set up in one's subtree, the day and week calendar, check-in, fees,
cancellation with a reason, no-shows listed; staff of another subtree see none of it."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest

from factories import bearer
from linli.core.clock import ManualClock
from linli.core.database import session_scope
from linli.core.errors import LinliError
from linli.residents.bookings import service
from linli.residents.bookings.models import Booking
from linli.residents.bookings.tasks import sweep_bookings

from .conftest import TUESDAY, Site, local


async def _booked(site: Site) -> Booking:
    async with session_scope() as session:
        return await service.book(
            session,
            await site.resident(),
            facility_id=site.facility.id,
            starts_at=local(TUESDAY, 10),
            ends_at=local(TUESDAY, 12),
        )


async def test_staff_set_up_a_facility_in_their_subtree_only(
    site: Site, client: httpx.AsyncClient
) -> None:
    body = {
        "org_unit_id": str(site.units["S1-C1-G1"].id),
        "kind": "court",
        "name": "Badminton court",
        "opens": "07:00:00",
        "closes": "21:00:00",
        "slot_minutes": 30,
        "min_minutes": 30,
        "max_minutes": 60,
        "fee_per_hour": 800,
    }
    worker = bearer(site.tokens["worker"])
    made = await client.post("/api/facilities", json=body, headers=worker)
    assert made.status_code == 201, made.text
    court = made.json()
    assert (court["currency"], court["fee_per_hour"], court["slot_minutes"]) == ("CNY", 800, 30)
    assert len(court["checkin_code"]) == 6
    other = bearer(site.tokens["other"])
    refused = await client.post("/api/facilities", json=body, headers=other)
    assert refused.status_code in (403, 422)
    assert (await client.get(f"/api/facilities/{court['id']}", headers=other)).status_code == 404
    listed = await client.get("/api/facilities", headers=other)
    assert listed.json()["items"] == []
    mine = await client.get("/api/facilities", headers=worker)
    assert [f["name"] for f in mine.json()["items"]] == ["Badminton court", "Community hall"]
    bad = await client.post("/api/facilities", json=body | {"opens": "22:00:00"}, headers=worker)
    assert bad.status_code == 422
    # Opening hours are on the site's clock: a time with an offset is refused, not a 500.
    offset = await client.post("/api/facilities", json=body | {"closes": "23:00Z"}, headers=worker)
    assert (offset.status_code, offset.json()["code"]) == (422, "validation_failed")
    odd = await client.post("/api/facilities", json=body | {"min_minutes": 45}, headers=worker)
    assert (odd.status_code, odd.json()["code"]) == (422, "bad_duration")
    patched = await client.patch(
        f"/api/facilities/{court['id']}", json={"weekly_quota": 5}, headers=worker
    )
    assert patched.json()["weekly_quota"] == 5
    inspector = bearer(site.tokens["inspector"])
    assert (await client.get("/api/facilities", headers=inspector)).status_code == 403


async def test_the_calendar_shows_each_slot_and_who_holds_it(
    site: Site, client: httpx.AsyncClient
) -> None:
    booking = await _booked(site)
    worker = bearer(site.tokens["worker"])
    day = await client.get(
        f"/api/facilities/{site.facility.id}/calendar",
        params={"day": "2026-03-03"},
        headers=worker,
    )
    assert day.status_code == 200, day.text
    (only,) = day.json()["days"]
    assert len(only["slots"]) == 14  # 08:00 to 22:00 in hours
    held = [s for s in only["slots"] if not s["free"]]
    assert [s["booking"]["ref"] for s in held] == [booking.ref, booking.ref]
    assert day.json()["timezone"] == "Asia/Shanghai"
    week = await client.get(
        f"/api/facilities/{site.facility.id}/calendar",
        params={"day": "2026-03-02", "view": "week"},
        headers=worker,
    )
    assert [d["day"] for d in week.json()["days"]][::6] == ["2026-03-02", "2026-03-08"]


async def test_staff_check_in_record_fees_and_cancel_with_a_reason(
    site: Site, client: httpx.AsyncClient
) -> None:
    booking = await _booked(site)
    worker = bearer(site.tokens["worker"])
    url = f"/api/bookings/{booking.id}"
    paid = await client.put(f"{url}/fee", json={"fee_status": "paid"}, headers=worker)
    assert paid.json()["fee_status"] == "paid"
    bad = await client.put(f"{url}/fee", json={"fee_status": "refunded"}, headers=worker)
    assert bad.status_code == 422
    checked = await client.post(f"{url}/check-in", headers=worker)
    assert checked.json()["status"] == "checked_in"
    again = await client.post(f"{url}/cancel", json={"reason": "flooded"}, headers=worker)
    assert (again.status_code, again.json()["code"]) == (409, "not_cancellable")
    other = bearer(site.tokens["other"])
    assert (await client.post(f"{url}/check-in", headers=other)).status_code == 404
    second = await client.post(f"{url}/cancel", json={"reason": ""}, headers=worker)
    assert second.status_code == 422


async def test_no_shows_are_listed_for_staff(
    site: Site, client: httpx.AsyncClient, clock: ManualClock
) -> None:
    booking = await _booked(site)
    clock.set(local(TUESDAY, 11))
    await sweep_bookings()
    worker = bearer(site.tokens["worker"])
    listed = await client.get("/api/bookings", params={"status": "no_show"}, headers=worker)
    assert [b["ref"] for b in listed.json()["items"]] == [booking.ref]
    other = bearer(site.tokens["other"])
    assert (await client.get("/api/bookings", headers=other)).json()["items"] == []


async def test_days_off_the_calendar_are_refused_not_crashed_on(
    site: Site, client: httpx.AsyncClient
) -> None:
    worker = bearer(site.tokens["worker"])
    far = await client.get(
        f"/api/facilities/{site.facility.id}/calendar",
        params={"day": "9999-12-31", "view": "week"},
        headers=worker,
    )
    assert (far.status_code, far.json()["code"]) == (422, "day_out_of_range")
    async with session_scope() as session:
        with pytest.raises(LinliError) as caught:
            await service.book(
                session,
                await site.resident(),
                facility_id=site.facility.id,
                starts_at=datetime(9999, 12, 31, 23, tzinfo=UTC),
                ends_at=datetime(9999, 12, 31, 23, 59, tzinfo=UTC),
            )
    assert caught.value.code == "day_out_of_range"
