"""The care tests' world: the test district, a care manager, two carers of S1-C1, a carer of
another community, a grid worker; Chen Wei's home in block A1 with a motion sensor, a bathroom
motion sensor, a water meter and an emergency button; and helpers to feed readings through the
real ingest pipeline and to run evaluation cycles under the controlled clock."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from factories import Tree, bearer, make_district, make_staff
from linli.care import monitoring
from linli.cases import service as cases_service
from linli.core import clock
from linli.core.clock import ManualClock
from linli.core.database import session_scope
from linli.iot import pipeline
from linli.iot import service as iot_service
from linli.iot.models import Device
from linli.iot.schemas import DeviceCreate, ReadingIn
from linli.registry import service as registry_service
from linli.registry.schemas import BuildingCreate, ResidentCreate

ZONE = ZoneInfo("Asia/Shanghai")
STAFF = {  # username: (role, unit code)
    "admin": ("admin", "T"),
    "manager": ("operator", "S1-C1"),
    "carer1": ("carer", "S1-C1"),
    "carer2": ("carer", "S1-C1"),
    "far_carer": ("carer", "S2-C1"),
    "gw": ("grid_worker", "S1-C1"),
}
DEVICES = {  # code: (type, role)
    "M-1": ("MotionSensor", "motion"),
    "BM-1": ("MotionSensor", "bathroom_motion"),
    "W-1": ("WaterConsumptionObserved", "water_meter"),
    "SOS-1": ("SOSButton", "sos"),
}


@dataclass
class CareWorld:
    tree: Tree
    tokens: dict[str, str] = field(default_factory=dict)
    staff: dict[str, uuid.UUID] = field(default_factory=dict)
    resident_id: uuid.UUID = field(default_factory=lambda: uuid.UUID(int=0))
    devices: dict[str, Device] = field(default_factory=dict)

    def auth(self, username: str) -> dict[str, str]:
        return bearer(self.tokens[username])

    def profile_body(self, **over: Any) -> dict[str, Any]:
        """Return the body recording Chen Wei's consent, with two contacts and every device."""
        return {
            "resident_id": str(self.resident_id),
            "kind": "living_alone",
            "language": "zh_Hans",
            "consent_method": "in_person",
            "health_notes": "Diabetic; insulin in the fridge",
            "access_notes": "Key with neighbour at 05-124",
            "carer_ids": [str(self.staff["carer1"]), str(self.staff["carer2"])],
            "contacts": [
                {"name": "Chen Ming", "phone": "+8613900000001", "language": "en"},
                {"name": "Chen Hua", "phone": "+8613900000002", "language": "zh_Hans"},
            ],
            "devices": [
                {"device_id": str(d.id), "role": DEVICES[code][1]}
                for code, d in self.devices.items()
            ],
            **over,
        }

    async def create_profile(self, client: httpx.AsyncClient, **over: Any) -> dict[str, Any]:
        resp = await client.post(
            "/api/care/profiles", json=self.profile_body(**over), headers=self.auth("manager")
        )
        assert resp.status_code == 201, resp.text
        return dict(resp.json())


async def make_world() -> CareWorld:
    """Create the district, staff, Chen Wei's block and home devices, committed."""
    async with session_scope() as session:
        await cases_service.load_shipped_catalogue(session)
        w = CareWorld(tree=await make_district(session))
        for username, (role, code) in STAFF.items():
            account, w.tokens[username] = await make_staff(
                session, username=username, role=role, unit=w.tree.unit(code)
            )
            w.staff[username] = account.id
        building = await registry_service.create_building(
            session, data=BuildingCreate(code="BLK-A1", name="Block A1", lon=113.82, lat=22.52)
        )
        resident = await registry_service.create_resident(
            session,
            data=ResidentCreate(
                building_id=building.id,
                name="Chen Wei",
                phone="+8613800000000",
                birth_year=1940,
                lives_alone=True,
                unit="05-123",
            ),
        )
        w.resident_id = resident.id
        for code, (kind, _) in DEVICES.items():
            device, _ = await iot_service.register_device(
                session,
                data=DeviceCreate(code=code, type=kind, name=code, building_id=building.id),
            )
            w.devices[code] = device
    return w


def local(day: datetime, hh: int, mm: int = 0) -> datetime:
    """Return `day`'s local time hh:mm in UTC."""
    return day.astimezone(ZONE).replace(hour=hh, minute=mm, second=0, microsecond=0)


async def send(device: Device, metric: str, value: float) -> None:
    """Ingest one reading of `device`, now, through the real pipeline (its own transaction)."""
    async with session_scope() as session:
        fresh = await session.get(Device, device.id)
        assert fresh is not None
        result = await pipeline.ingest(
            session, device=fresh, readings=[ReadingIn(metric=metric, value=value, ts=clock.now())]
        )
        assert result.accepted == 1, result


async def cycle() -> int:
    """Run one evaluation cycle now."""
    async with session_scope() as session:
        return await monitoring.evaluate(session)


async def live_until(
    mc: ManualClock,
    w: CareWorld,
    end: datetime,
    *,
    motion: frozenset[int] = frozenset(range(7, 22)),
    water: frozenset[int] = frozenset({7, 12, 18, 23}),
    step: timedelta = timedelta(hours=1),
) -> None:
    """Live an ordinary routine hour by hour until `end`: movement in the waking hours, water
    at meals and bedtime; an evaluation cycle every step."""
    while mc.now() < end:
        mc.advance(step)
        hour = mc.now().astimezone(ZONE).hour
        if motion and hour in motion:
            await send(w.devices["M-1"], "motion", 3)
        if water and hour in water:
            await send(w.devices["W-1"], "flow_lpm", 6)
        await cycle()
