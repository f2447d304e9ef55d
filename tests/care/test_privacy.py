"""Care data is readable only by the person's carers and authorised staff, every read audited;
notes and contacts are encrypted at rest; withdrawing consent stops monitoring at once and hides
the history from carers; bad input is a 4xx problem."""

from __future__ import annotations

from datetime import timedelta

import httpx
from sqlalchemy import select, text

from linli.care.models import CareAlert
from linli.core.clock import ManualClock
from linli.core.database import session_scope
from linli.security.models import AuditEntry

from .care_world import CareWorld, cycle, local, send


async def _reads(profile_id: str) -> list[str]:
    async with session_scope() as session:
        rows = await session.scalars(
            select(AuditEntry.actor).where(
                AuditEntry.action == "care_profile.read", AuditEntry.target_id == profile_id
            )
        )
        return list(rows)


async def test_only_carers_and_care_managers_read_and_every_read_is_audited(
    world: CareWorld, client: httpx.AsyncClient
) -> None:
    profile = await world.create_profile(client)
    pid = profile["id"]
    for who in ("carer1", "carer2", "manager", "admin"):
        resp = await client.get(f"/api/care/profiles/{pid}", headers=world.auth(who))
        assert resp.status_code == 200, who
        assert resp.json()["health_notes"] == "Diabetic; insulin in the fridge"
    assert (await client.get(f"/api/care/profiles/{pid}", headers=world.auth("far_carer"))
            ).status_code == 404  # fmt: skip
    assert (await client.get(f"/api/care/profiles/{pid}", headers=world.auth("gw"))
            ).status_code == 403  # fmt: skip
    assert (await client.get(f"/api/care/profiles/{pid}")).status_code == 401
    reads = await _reads(pid)
    # The manager's create answered with the profile: that read is audited too.
    assert sorted(reads) == sorted(
        ["staff:manager", "staff:carer1", "staff:carer2", "staff:manager", "staff:admin"]
    )
    mine = (await client.get("/api/care/profiles", headers=world.auth("far_carer"))).json()
    assert mine["items"] == []
    mine = (await client.get("/api/care/mine", headers=world.auth("carer2"))).json()
    assert [i["profile_id"] for i in mine["items"]] == [pid]


async def test_notes_and_contacts_are_encrypted_at_rest(
    world: CareWorld, client: httpx.AsyncClient
) -> None:
    await world.create_profile(client)
    async with session_scope() as session:
        notes = (await session.execute(text("SELECT health_notes FROM care_profile"))).scalar()
        phones = (await session.execute(text("SELECT phone FROM care_contact"))).scalars().all()
    assert b"insulin" not in bytes(notes)
    assert all(b"+8613900000001" not in bytes(p) for p in phones)


async def test_withdrawing_consent_stops_monitoring_and_hides_history(
    world: CareWorld, client: httpx.AsyncClient, clock: ManualClock
) -> None:
    profile = await world.create_profile(client)
    pid = profile["id"]
    clock.set(local(clock.now(), 10) + timedelta(days=1))
    await cycle()
    alerts = await client.get(f"/api/care/profiles/{pid}/alerts", headers=world.auth("carer1"))
    assert len(alerts.json()["items"]) == 1
    resp = await client.post(f"/api/care/profiles/{pid}/withdraw", headers=world.auth("manager"))
    assert resp.status_code == 200 and resp.json()["active"] is False
    for path in (f"/api/care/profiles/{pid}", f"/api/care/profiles/{pid}/alerts"):
        assert (await client.get(path, headers=world.auth("carer1"))).status_code == 404
    assert (await client.get("/api/care/mine", headers=world.auth("carer1"))).json()["items"] == []
    # Monitoring stopped at once: the button and the next mornings raise nothing.
    await send(world.devices["SOS-1"], "pressed", 1)
    clock.advance(timedelta(days=2))
    await cycle()
    async with session_scope() as session:
        rows = list(await session.scalars(select(CareAlert)))
    assert [(a.monitor, a.status) for a in rows] == [("no_motion_by", "closed")]


async def test_bad_input_is_a_problem_and_nothing_is_stored(
    world: CareWorld, client: httpx.AsyncClient
) -> None:
    manager = world.auth("manager")
    bad = [
        world.profile_body(kind="lonely"),
        world.profile_body(carer_ids=[]),
        world.profile_body(carer_ids=[str(world.staff["far_carer"])]),
        world.profile_body(contacts=[{"name": "X", "phone": "call me", "language": "en"}]),
        world.profile_body(resident_id="00000000-0000-0000-0000-000000000001"),
    ]
    for body in bad:
        resp = await client.post("/api/care/profiles", json=body, headers=manager)
        assert resp.status_code == 422, resp.text
        assert resp.headers["content-type"].startswith("application/problem+json")
    assert (await client.get("/api/care/profiles", headers=manager)).json()["items"] == []
    profile = await world.create_profile(client)
    again = await client.post("/api/care/profiles", json=world.profile_body(), headers=manager)
    assert again.status_code == 409
    away = await client.post(
        f"/api/care/profiles/{profile['id']}/away",
        json={"starts_at": "2026-03-05T00:00:00Z", "ends_at": "2026-03-04T00:00:00Z"},
        headers=world.auth("carer1"),
    )
    assert away.status_code == 422
    monitor = await client.patch(
        f"/api/care/profiles/{profile['id']}/monitors/no_motion_by",
        json={"at": "25:00"},
        headers=world.auth("carer1"),
    )
    assert monitor.status_code == 422
