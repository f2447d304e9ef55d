"""The rules tests' world: the test district, staff with tokens, one air-quality station per
community A (S1-C1) and B (S2-C1), and helpers to add rules and send readings."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from httpx import AsyncClient

from factories import Tree, bearer, make_air_stations, make_district, make_staff
from linli.core.database import session_scope
from linli.iot.models import Device
from linli.rules import service
from linli.rules.models import Rule
from linli.rules.schemas import RuleCreate

IN_A = (113.82, 22.52)  # grid S1-C1-G1
IN_B = (113.92, 22.52)  # grid S2-C1-G1

STAFF = {  # username: (role, unit code)
    "admin": ("admin", "T"),
    "op": ("operator", "T"),
    "op_b": ("operator", "S2-C1"),
    "gw_a": ("grid_worker", "S1-C1"),
}


@dataclass
class World:
    tree: Tree
    tokens: dict[str, str] = field(default_factory=dict)
    devices: dict[str, Device] = field(default_factory=dict)  # by code: "AQ-A", "AQ-B"
    device_tokens: dict[str, str] = field(default_factory=dict)

    def auth(self, username: str) -> dict[str, str]:
        return bearer(self.tokens[username])

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
            headers={
                "X-Device-Id": code,
                "Authorization": f"Device {self.device_tokens[code]}",
            },
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body


async def make_world() -> World:
    """Create the district, the staff of `STAFF` and devices AQ-A and AQ-B, committed."""
    async with session_scope() as session:
        w = World(tree=await make_district(session))
        for username, (role, code) in STAFF.items():
            _, w.tokens[username] = await make_staff(
                session, username=username, role=role, unit=w.tree.unit(code)
            )
        for code, (device, token) in (await make_air_stations(session)).items():
            w.devices[code], w.device_tokens[code] = device, token
    return w
