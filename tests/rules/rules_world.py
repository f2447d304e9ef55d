"""The rules tests' world: the test district, staff with tokens, one air-quality station per
community A (S1-C1) and B (S2-C1), and helpers to add rules and send readings."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from httpx import AsyncClient
from sqlalchemy import select

from factories import DeviceWorld, make_device_world
from linli.core.database import session_scope
from linli.iot.models import Device
from linli.rules import service
from linli.rules.models import Alarm, Rule
from linli.rules.schemas import RuleCreate

STAFF = {  # username: (role, unit code)
    "admin": ("admin", "T"),
    "op": ("operator", "T"),
    "op_b": ("operator", "S2-C1"),
    "gw_a": ("grid_worker", "S1-C1"),
}


class World(DeviceWorld):
    """The device world with helpers to add rules and send readings."""

    async def add_rule(self, **fields: Any) -> Rule:
        """Save a rule (default: pm25 > 75 on air stations of the whole district, major).

        Keywords that are not fields of `RuleCreate` (op, threshold, for_seconds...) go to `params`.
        """
        params: dict[str, Any] = {"op": ">", "threshold": 75.0} if "kind" not in fields else {}
        values: dict[str, Any] = {
            "name": "PM2.5 high",
            "device_type": "AirQualityObserved",
            "metric": "pm25",
            "scope_unit_id": self.tree.district.id,
            "severity": "major",
        }
        for key, value in fields.items():
            if key == "params":
                params = dict(value)
            elif key in RuleCreate.model_fields:
                values[key] = value
            else:
                params[key] = value
        values["params"] = params
        async with session_scope() as session:
            return await service.create_rule(session, data=RuleCreate(**values))

    async def send(
        self, client: AsyncClient, code: str, *readings: tuple[str, float, datetime]
    ) -> dict[str, Any]:
        """Send (metric, value, ts) readings as device `code`; return the answer's body."""
        response = await client.post(
            "/api/ingest",
            json={
                "readings": [
                    {"metric": m, "value": v, "ts": ts.isoformat()} for m, v, ts in readings
                ]
            },
            headers=self.device_auth(code),
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body


async def make_world() -> World:
    """Create the district, the staff of `STAFF` and devices AQ-A and AQ-B, committed."""
    return await make_device_world(World, STAFF)


async def alarms_of(code: str = "AQ-A") -> list[Alarm]:
    """Return a device's alarms, oldest first."""
    async with session_scope() as session:
        rows = await session.scalars(
            select(Alarm)
            .join(Device, Device.id == Alarm.device_id)
            .where(Device.code == code)
            .order_by(Alarm.raised_at)
        )
        return list(rows)
