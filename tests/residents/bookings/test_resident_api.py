"""The resident's API and pages: a signed-in resident finds a facility, sees the day's slots
and the fee, books, is refused with a reason in their language, cancels, joins a waiting list
and checks in — through `/api/my/bookings` and through the plain forms of `/my/bookings`."""

from __future__ import annotations

import re

import httpx

from linli.core.clock import ManualClock
from linli.residents.types import Level

from ..helpers import sign_in_resident
from .conftest import TUESDAY, Site, local


async def test_a_resident_books_through_the_api_and_is_refused_with_reasons(
    site: Site, client: httpx.AsyncClient
) -> None:
    actor = await sign_in_resident(client, level=Level.PHONE, org_unit=site.units["S1-C1"])
    found = await client.get("/api/my/bookings/facilities")
    assert [f["name"] for f in found.json()["items"]] == ["Community hall"]
    assert "checkin_code" not in found.json()["items"][0]
    hall = f"/api/my/bookings/facilities/{site.facility.id}"
    day = await client.get(f"{hall}/slots", params={"day": "2026-03-03"})
    assert day.json()["timezone"] == "Asia/Shanghai" and len(day.json()["slots"]) == 14
    body = {
        "facility_id": str(site.facility.id),
        "starts_at": local(TUESDAY, 10).isoformat(),
        "ends_at": local(TUESDAY, 12).isoformat(),
    }
    made = await client.post("/api/my/bookings", json=body)
    assert made.status_code == 201, made.text
    booking = made.json()
    assert booking["account_id"] == str(actor.account_id) and booking["fee"] == 2500
    taken = await client.get(f"{hall}/slots", params={"day": "2026-03-03"})
    assert [s["free"] for s in taken.json()["slots"]][2:4] == [False, False]
    late = await client.post(
        "/api/my/bookings", json=body | {"starts_at": local(TUESDAY, 21).isoformat(),
                                         "ends_at": local(TUESDAY, 23).isoformat()},
    )  # fmt: skip
    assert late.status_code == 422
    problem = late.json()
    assert late.headers["content-type"] == "application/problem+json"
    assert problem["code"] == "outside_opening_hours" and "08:00–22:00" in problem["reason"]
    cancelled = await client.post(f"/api/my/bookings/{booking['id']}/cancel")
    assert cancelled.json()["status"] == "cancelled"
    mine = await client.get("/api/my/bookings")
    assert [b["status"] for b in mine.json()["items"]] == ["cancelled"]


async def test_staff_credentials_open_no_resident_booking(
    site: Site, client: httpx.AsyncClient
) -> None:
    staff = {"Authorization": f"Bearer {site.tokens['worker']}"}
    assert (await client.get("/api/my/bookings", headers=staff)).status_code == 403
    assert (await client.get("/api/my/bookings")).status_code == 401


async def test_a_resident_books_and_cancels_with_plain_forms(
    site: Site, client: httpx.AsyncClient, clock: ManualClock
) -> None:
    await sign_in_resident(client, level=Level.PHONE, org_unit=site.units["S1-C1"], locale="ta")
    csrf = client.headers.pop("X-CSRF-Token")  # a browser without scripts sends a form field
    page = await client.get(f"/my/bookings/facilities/{site.facility.id}?day=2026-03-03")
    assert page.status_code == 200 and 'lang="ta"' in page.text
    assert "CN¥12.50" in page.text or "¥12.50" in page.text  # the fee, shown before booking
    assert page.text.count('data-free="yes"') == 14
    form = {"csrf_token": csrf, "facility_id": str(site.facility.id),
            "starts_at": local(TUESDAY, 10).isoformat(), "minutes": "60"}  # fmt: skip
    booked = await client.post("/my/bookings", data=form)
    assert (booked.status_code, booked.headers["location"]) == (303, "/my/bookings?done=booked")
    mine = await client.get(booked.headers["location"])
    assert "முன்பதிவு ஆனது" in mine.text  # "Booked. See you there!" in Tamil
    again = await client.post("/my/bookings", data=form | {"minutes": "180"})
    assert again.status_code == 422 and "120" in again.text
    assert "நிமிடங்கள்" in again.text  # the reason, in Tamil
    no_csrf = await client.post("/my/bookings", data=form | {"csrf_token": "wrong"})
    assert no_csrf.status_code == 403
    found = re.search(r"/my/bookings/([0-9a-f-]{36})/cancel", mine.text)
    assert found is not None
    booking_id = found.group(1)
    cancel = await client.post(f"/my/bookings/{booking_id}/cancel", data={"csrf_token": csrf})
    assert cancel.headers["location"] == "/my/bookings?done=cancelled"


async def test_signed_out_residents_are_sent_to_sign_in(client: httpx.AsyncClient, db: str) -> None:
    page = await client.get("/my/bookings")
    assert page.status_code == 303 and page.headers["location"].startswith("/my/sign-in")
