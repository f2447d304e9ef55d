"""A resident who gave their contacts to several parts of Linli: the registry, a report (closed
and rated), an incident notice, their emergency reach; and a staff member with notification
settings and a message sent to them."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from cases.conftest import Staff, World, build_world
from linli.cases.incidents.models import Incident, IncidentNotice
from linli.cases.models import Case
from linli.core import clock as clock_mod
from linli.core.database import session_scope
from linli.registry import service as registry
from linli.registry.schemas import BuildingCreate, ResidentCreate
from linli.rules.notifications import case_notices
from linli.rules.notifications.models import (
    Delivery,
    NoticeMessage,
    Notification,
    NotificationPreference,
    ResidentReach,
)

NAME = "Siti binti Ahmad"
PHONE = "+65 9123 4567"
EMAIL = "Siti.Ahmad@example.com"
STAFF_PHONE = "+65 8000 0001"
STAFF_EMAIL = "ops.lee@example.org"
REPORT = (
    "Loud music after midnight at block 5 every night\n"
    f"Please call me on 9123-4567 or write to siti.ahmad@example.com ({NAME})"
)
# Every spelling of the person's contacts that must be gone after erasure.
PLAINTEXTS = (NAME, "91234567", "9123 4567", "9123-4567", "+6591234567", "siti.ahmad@example")


@dataclass
class Person:
    world: World
    admin: Staff
    ops: Staff
    resident_id: uuid.UUID
    case_id: str
    token: str


async def _act(client: httpx.AsyncClient, who: Staff, cid: str, action: str, body: Any) -> None:
    resp = await client.post(f"/api/cases/{cid}/{action}", json=body, headers=who.headers)
    assert resp.status_code == 200, resp.text


async def seed_person(client: httpx.AsyncClient, clock: clock_mod.ManualClock) -> Person:
    """Create the resident's and the staff member's data everywhere it can be."""
    world = await build_world()
    admin = await world.staff("dpo", "admin", "D")
    ops = await world.staff("ops", "operator", "D")
    await world.staff("gw", "grid_worker", "C11-G1")  # the case goes to their grid
    lon, lat = world.at("C11-G1")
    async with session_scope() as session:
        building = await registry.create_building(
            session, data=BuildingCreate(code="B5", name="Block 5", lon=lon, lat=lat)
        )
        resident = await registry.create_resident(
            session, data=ResidentCreate(building_id=building.id, name=NAME, phone=PHONE)
        )
        session.add(ResidentReach(resident_id=resident.id, org_path=resident.org_path,
                                  language="ms", method="phone"))  # fmt: skip
        incident = Incident(
            kind="flood", severity="major", title="Flash flood", status="active",
            unit_id=world["D"].id, org_path=world["D"].path, commander_id=admin.id,
            declared_by="staff:dpo", declared_at=clock.now(),
        )  # fmt: skip
        session.add(incident)
        await session.flush()
        notice = IncidentNotice(
            incident_id=incident.id, stage=1, audience="residents", text_en="Stay indoors",
            recipients=1, sent_at=clock.now(), sent_by="staff:dpo",
        )  # fmt: skip
        session.add(notice)
        await session.flush()
        session.add(
            NoticeMessage(
                notice_id=notice.id, resident_id=resident.id, org_path=resident.org_path,
                channel="sms", gateway="log", locale="ms", address="+6591234567",
                subject="Flood", body="Stay indoors", next_attempt_at=clock.now(),
            )
        )  # fmt: skip
        session.add(NotificationPreference(account_id=ops.id, email=STAFF_EMAIL, phone=STAFF_PHONE))
        message = Notification(
            account_id=ops.id, dedupe_key="x", kind="alarm.raised", org_path=world["D"].path,
            severity="major", locale="en", title="Alarm", body="Alarm",
        )  # fmt: skip
        session.add(message)
        await session.flush()
        session.add(
            Delivery(
                notification_id=message.id, account_id=ops.id, org_path=world["D"].path,
                channel="sms", gateway="log", address=STAFF_PHONE, next_attempt_at=clock.now(),
            )
        )  # fmt: skip
        resident_id = resident.id
    resp = await client.post(
        "/api/public/reports",
        data={
            "text": REPORT, "category_code": "public.order.noise", "lon": str(lon),
            "lat": str(lat), "reporter_name": NAME, "reporter_phone": PHONE,
            "reporter_email": EMAIL,
        },
    )  # fmt: skip
    assert resp.status_code == 201, resp.text
    receipt = resp.json()
    token = receipt["token"]
    async with session_scope() as session:
        cid = str(await session.scalar(select(Case.id).where(Case.ref == receipt["ref"])))
    start = clock.now()
    for minutes, action, body in (
        (10, "register", None),
        (20, "dispatch", {"note": "The reporter asks to be called on 9123 4567"}),
        (30, "accept", None),
        (40, "start", None),
        (90, "handle", {"note": "Spoke to the neighbour", "public": True}),
        (120, "verify", {"passed": True}),
        (130, "close", None),
    ):
        clock.set(start + timedelta(minutes=minutes))
        await _act(client, admin, cid, action, body)
    await case_notices.run_once()  # the staff's cards quote the dispatcher's note
    rating = await client.post(
        f"/api/public/reports/{token}/rating",
        json={"score": 4, "comment": "Thanks! Reach me on 9123 4567 if it happens again"},
    )
    assert rating.status_code == 201, rating.text
    return Person(world, admin, ops, resident_id, cid, token)


@pytest.fixture
async def person(db: str, clock: clock_mod.ManualClock, client: httpx.AsyncClient) -> Person:
    return await seed_person(client, clock)
