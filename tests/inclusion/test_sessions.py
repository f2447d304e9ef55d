"""Courses and sessions: a full session puts the next resident on the waitlist, a cancelled
place goes to the longest waiting (who is told), walk-ins by name and phone are stored
encrypted and their reads audited, attendance completes a course."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, text

from linli.core import clock as clock_mod
from linli.core.database import session_scope
from linli.residents.models import ResidentMessage
from linli.residents.types import Level
from linli.security.models import AuditEntry
from residents.helpers import act_as, make_account

from .conftest import Hub


async def test_over_capacity_waitlists_and_a_cancellation_promotes(
    hub: Hub, clock: clock_mod.ManualClock
) -> None:
    course = await hub.course()
    sid = (await hub.session(course["id"], capacity=1))["id"]
    client = hub.client
    first = await make_account(level=Level.PHONE, org_unit=hub.tree.unit("S1-C1-G1"))
    second = await make_account(
        level=Level.PHONE, org_unit=hub.tree.unit("S1-C1-G2"), locale="zh_Hans"
    )

    await act_as(client, first)
    coming = (await client.get("/api/my/courses/sessions")).json()
    assert [s["id"] for s in coming["items"]] == [sid]
    took = await client.post(f"/api/my/courses/sessions/{sid}/registration")
    assert took.status_code == 201 and took.json()["status"] == "registered"
    clock.advance(timedelta(seconds=1))

    await act_as(client, second)
    waits = await client.post(f"/api/my/courses/sessions/{sid}/registration")
    assert waits.json()["status"] == "waitlisted"
    again = await client.post(f"/api/my/courses/sessions/{sid}/registration")
    assert again.json()["id"] == waits.json()["id"]  # twice changes nothing

    await act_as(client, first)
    gone = await client.delete(f"/api/my/courses/sessions/{sid}/registration")
    assert gone.json()["status"] == "cancelled"

    await act_as(client, second)
    mine = (await client.get("/api/my/courses")).json()
    assert [r["status"] for r in mine["registrations"]["items"]] == ["registered"]
    assert mine["completed"] == []
    session_read = await hub.call("GET", f"/api/inclusion/sessions/{sid}")
    assert session_read["registered_count"] == 1
    async with session_scope() as session:
        told = (
            await session.scalars(
                select(ResidentMessage).where(
                    ResidentMessage.account_id == second.id, ResidentMessage.channel == "inapp"
                )
            )
        ).all()
    assert any(m.link == "/my/courses" and m.locale == "zh_Hans" for m in told)


async def test_walk_ins_are_encrypted_and_their_reads_audited(hub: Hub) -> None:
    course = await hub.course()
    sid = (await hub.session(course["id"], capacity=1))["id"]
    url = f"/api/inclusion/sessions/{sid}/registrations"
    made = await hub.call(
        "POST", url, {"name": "Tan Ah Kow", "phone": "+65 8123 4567"}, by="amb", expect=201
    )
    assert made["status"] == "registered" and made["name"] == "Tan Ah Kow"
    second = await hub.call("POST", url, {"name": "Lim Bee Hoon"}, by="amb", expect=201)
    assert second["status"] == "waitlisted"
    listed = await hub.call("GET", url, by="amb")
    assert [r["name"] for r in listed["items"]] == ["Tan Ah Kow", "Lim Bee Hoon"]
    async with session_scope() as session:
        raw = (await session.execute(text("SELECT name FROM inclusion_registration"))).scalars()
        assert all(b"Tan Ah Kow" not in bytes(v) for v in raw)
        reads = (
            await session.scalars(
                select(AuditEntry).where(AuditEntry.action == "inclusion.registration_read")
            )
        ).all()
    assert {r.target_id for r in reads} >= {made["id"], second["id"]}
    # Cancelling the walk-in lets the waitlisted one in.
    await hub.call("DELETE", f"{url}/{made['id']}", by="amb")
    listed = await hub.call("GET", url, by="amb")
    assert [r["status"] for r in listed["items"]] == ["cancelled", "registered"]


async def test_attendance_completes_a_course(hub: Hub, clock: clock_mod.ManualClock) -> None:
    course = await hub.course(sessions_to_complete=2)
    one = (await hub.session(course["id"], hours=1))["id"]
    two = (await hub.session(course["id"], hours=30))["id"]
    account = await make_account(level=Level.PHONE, org_unit=hub.tree.unit("S1-C1-G1"))
    await act_as(hub.client, account)
    regs = {}
    for sid in (one, two):
        resp = await hub.client.post(f"/api/my/courses/sessions/{sid}/registration")
        regs[sid] = resp.json()["id"]
    attend = f"/api/inclusion/sessions/{one}/registrations/{regs[one]}/attendance"
    early = await hub.client.post(attend, json={"attended": True}, headers=hub.h("amb"))
    assert early.status_code == 409 and early.json()["code"] == "not_started"
    clock.advance(timedelta(hours=1, minutes=10))
    await hub.call("POST", attend, {"attended": True}, by="amb")
    assert (await hub.client.get("/api/my/courses")).json()["completed"] == []
    clock.advance(timedelta(hours=29))
    attend2 = f"/api/inclusion/sessions/{two}/registrations/{regs[two]}/attendance"
    await hub.call("POST", attend2, {"attended": True}, by="amb")
    hub.client.headers["Accept-Language"] = "zh"
    mine = (await hub.client.get("/api/my/courses")).json()
    (done,) = mine["completed"]
    assert done["course_id"] == course["id"] and done["sessions_attended"] == 2
    assert done["title"] in ("Scam safety", "防范诈骗")
