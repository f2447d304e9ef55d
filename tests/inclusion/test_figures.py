"""The seniors-helped figure on a known set, computed by hand:

Community S1-C1 has five seniors with a known birth year (60 or more in 2027, the year the
figure is read, 400 days after the clock starts): R1 (1950), R2 (1960), R3 (1966), R6 (1940),
R7 (1945). R4 (1968) is not yet 60 and R5's birth year is unknown.
In the last 12 months R1 attended a session (through their resident account, matched to the
registry) and R2's help request was closed as helped; R3 attended only 400 days ago and R7 could
not be reached, R6 was never seen. R8, a senior of street 2, was helped there.

So: seniors 5, helped 2, share 2/5 = 0.4; one session held in the window (the earlier one ended
400 days ago) with 3 attendances (R1, R4, R5); one help request marked helped."""

from __future__ import annotations

import uuid
from datetime import timedelta

from linli.core import clock as clock_mod
from linli.core.database import session_scope
from linli.registry.models import Building, Resident
from linli.residents.models import ResidentAccount
from linli.residents.types import Level
from residents.helpers import make_account

from .conftest import Hub

BIRTH_YEARS = {
    "R1": 1950, "R2": 1960, "R3": 1966, "R4": 1968, "R5": None, "R6": 1940, "R7": 1945,
}  # fmt: skip


async def _residents(hub: Hub) -> dict[str, uuid.UUID]:
    ids: dict[str, uuid.UUID] = {}
    async with session_scope() as session:
        for code, at in (("B1", "S1-C1-G1"), ("B2", "S2-C1-G1")):
            unit = hub.tree.unit(at)
            building = Building(
                code=code, name=code, lon=0.0, lat=0.0, org_unit_id=unit.id, org_path=unit.path
            )
            session.add(building)
            await session.flush()
            people = BIRTH_YEARS.items() if code == "B1" else [("R8", 1950)]
            for name, year in people:
                r = Resident(
                    building_id=building.id, org_unit_id=unit.id, org_path=unit.path,
                    name=f"Resident {name}", birth_year=year,
                )  # fmt: skip
                session.add(r)
                await session.flush()
                ids[name] = r.id
    return ids


async def _walk_in(hub: Hub, sid: str, body: dict[str, str], by: str = "amb") -> str:
    url = f"/api/inclusion/sessions/{sid}/registrations"
    return str((await hub.call("POST", url, body, by=by, expect=201))["id"])


async def _attend(hub: Hub, sid: str, rid: str, by: str = "amb") -> None:
    url = f"/api/inclusion/sessions/{sid}/registrations/{rid}/attendance"
    await hub.call("POST", url, {"attended": True}, by=by)


async def _help(hub: Hub, unit: str, resident: uuid.UUID, outcome: str, by: str) -> None:
    body = {"unit_id": str(hub.unit(unit)), "topic": "e_payments", "name": "Senior",
            "registry_resident_id": str(resident)}  # fmt: skip
    rid = (await hub.call("POST", "/api/inclusion/help-requests", body, by=by, expect=201))["id"]
    await hub.call("POST", f"/api/inclusion/help-requests/{rid}/take", by=by)
    await hub.call(
        "POST", f"/api/inclusion/help-requests/{rid}/outcome", {"outcome": outcome}, by=by
    )


async def test_the_share_of_seniors_helped_on_a_known_set(
    hub: Hub, clock: clock_mod.ManualClock
) -> None:
    ids = await _residents(hub)
    course = await hub.course()
    early = (await hub.session(course["id"], hours=1, capacity=10))["id"]
    r3 = await _walk_in(hub, early, {"name": "R3", "registry_resident_id": str(ids["R3"])})
    clock.advance(timedelta(hours=1, minutes=10))
    await _attend(hub, early, r3)
    clock.advance(timedelta(days=400))

    account = await make_account(level=Level.PHONE, org_unit=hub.tree.unit("S1-C1-G1"))
    async with session_scope() as session:
        row = await session.get(ResidentAccount, account.id)
        assert row is not None
        row.registry_resident_id = ids["R1"]
    later = (await hub.session(course["id"], hours=1, capacity=10))["id"]
    regs = [
        await _walk_in(hub, later, {"account_id": str(account.id)}),
        await _walk_in(hub, later, {"name": "R4", "registry_resident_id": str(ids["R4"])}),
        await _walk_in(hub, later, {"name": "R5", "registry_resident_id": str(ids["R5"])}),
    ]
    clock.advance(timedelta(hours=1, minutes=10))
    for rid in regs:
        await _attend(hub, later, rid)
    await _help(hub, "S1-C1", ids["R2"], "helped", "amb")
    await _help(hub, "S1-C1", ids["R7"], "unreachable", "amb")
    await _help(hub, "S2-C1", ids["R8"], "helped", "amb2")
    clock.advance(timedelta(minutes=90))  # the later session is over: held

    resp = await hub.client.get(
        "/api/inclusion/figures", params={"unit_id": str(hub.unit("S1-C1"))}, headers=hub.h("op")
    )
    got = resp.json()
    assert got["seniors"] == 5
    assert got["seniors_helped"] == 2
    assert got["seniors_helped_share"] == 0.4
    assert got["sessions_held"] == 1
    assert got["attendances"] == 3
    assert got["help_requests_helped"] == 1

    # Street 2's ambassador sees their street's figure, and not community S1-C1's.
    theirs = await hub.client.get(
        "/api/inclusion/figures", params={"unit_id": str(hub.unit("S2"))}, headers=hub.h("amb2")
    )
    assert theirs.json()["seniors"] == 1 and theirs.json()["seniors_helped_share"] == 1.0
    hidden = await hub.client.get(
        "/api/inclusion/figures", params={"unit_id": str(hub.unit("S1-C1"))},
        headers=hub.h("amb2"),
    )  # fmt: skip
    assert hidden.status_code == 422 and hidden.json()["code"] == "unknown_unit"
