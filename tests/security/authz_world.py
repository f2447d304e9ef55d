"""The authorization matrix's world: two trees, every kind of object in three placements, and one
staff account per role.

    D (grid district)                              SG (town)
    ├── D-DEPT (department)  ← department_staff    ├── SG-TC (town council)
    ├── D-S1  ← operator, inspector                ├── SG-Z1   placement "other"
    │   └── D-S1-C1 ─ D-S1-C1-G1  ← grid_worker    └── SG-Z2
    │                 placement "own"
    └── D-S2 ─ D-S2-C1 ─ D-S2-C1-G1   placement "sibling"
    admin sits at D.

Each placement holds a building, a place, a resident (with a phone), a device with a reading
over its rule's limit (so an alarm), a device command, a notification route, an incident with a
task, a resource and a linked case, a bystander staff account with its grant and token, and
cases: the staff case the transition routes act on (in "own" a waste case sent to D-DEPT, so the
department's staff have one), internal-channel cases (alarm, patrol, hotline) with an internal
note and a staff photo, a resident's public report with an internal note and an internal staff
photo, and a resident's report in a non-public category (care). Everything is made through the
HTTP API by a `root` account holding admin over both trees, except inbox notifications (written
as the dispatcher would) so that every role has one of its own.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx

from factories import bearer, make_district, make_staff, square
from linli.core.database import session_scope
from linli.org import service as org_service
from linli.org.models import OrgUnit
from linli.rules.notifications.models import Notification
from linli.security import service as security_service

PLACEMENTS = {"own": "D-S1-C1-G1", "sibling": "D-S2-C1-G1", "other": "SG-Z1"}
ROLE_UNITS = {  # where each role normally sits
    "admin": "D",
    "operator": "D-S1",
    "inspector": "D-S1",
    "grid_worker": "D-S1-C1-G1",
    "department_staff": "D-DEPT",
}
INTERNAL_NOTE = "Internal: caller Wei Ming at flat 12-345, phone 9123 4567"
REPORTER = {"reporter_name": "Alice Tan", "reporter_phone": "+65 9123 4567"}
REPORTER_WORDS = "Alice Tan on +65 9123 4567"  # said in a comment a moderator hid
PRIVATE_WORDS = ("Alice Tan", "9123 4567", "Wei Ming", "12-345", "Internal:")
INTERNAL_CHANNELS = ("patrol", "hotline")  # alarm and camera cases come from their sources


@dataclass
class Obj:
    """One object of the world: its id, the org paths it lives under, and related ids."""

    id: str
    paths: tuple[str, ...]
    owner: str | None = None  # account id, for things only their owner may touch
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class AuthzWorld:
    units: dict[str, OrgUnit]
    root: dict[str, str]  # headers of the account holding admin over both trees
    tokens: dict[str, str] = field(default_factory=dict)  # role → bearer secret
    accounts: dict[str, str] = field(default_factory=dict)  # role → account id
    objects: dict[str, dict[str, Obj]] = field(default_factory=dict)  # kind → placement → obj
    hidden_refs: dict[str, str] = field(default_factory=dict)  # why → ref (anonymous checks)
    public: dict[str, str] = field(default_factory=dict)  # token/ref of the published report
    staff_photos: set[str] = field(default_factory=set)
    follow: dict[str, str] = field(default_factory=dict)  # follow-up token → its case's ref

    def path(self, code: str) -> str:
        return self.units[code].path

    def put(self, kind: str, placement: str, obj: Obj) -> Obj:
        self.objects.setdefault(kind, {})[placement] = obj
        return obj

    def auth(self, role: str) -> dict[str, str]:
        return bearer(self.tokens[role])

    def at(self, placement: str) -> tuple[float, float]:
        """Return (lon, lat) well inside the placement's unit."""
        u = self.units[PLACEMENTS[placement]]
        assert u.min_lon is not None and u.max_lon is not None
        assert u.min_lat is not None and u.max_lat is not None
        return (u.min_lon + u.max_lon) / 2, (u.min_lat + u.max_lat) / 2

    def by_id(self) -> dict[str, tuple[str, str, Obj]]:
        """Return kind, placement and object by object id."""
        return {o.id: (k, p, o) for k, ps in self.objects.items() for p, o in ps.items()}


async def call_ok(
    client: httpx.AsyncClient, method: str, url: str, headers: dict[str, str], **kw: Any
) -> Any:
    resp = await client.request(method, url, headers=headers, **kw)
    assert resp.status_code < 300, f"world setup: {method} {url} → {resp.status_code} {resp.text}"
    return resp.json() if resp.content else None


async def make_units() -> tuple[dict[str, OrgUnit], str]:
    async with session_scope() as session:
        tree = await make_district(session, prefix="D")
        units = {u.code: u for u in [tree.district, tree.department, *tree.streets]}
        units |= {u.code: u for u in [*tree.communities, *tree.grids]}
        town = await org_service.create_unit(
            session,
            kind="town",
            code="SG",
            name="Town",
            boundary=square(103.88, 1.38, 103.92, 1.40),
            profile="town",
        )
        units["SG"] = town
        for code, lon0 in (("SG-Z1", 103.88), ("SG-Z2", 103.90)):
            units[code] = await org_service.create_unit(
                session,
                kind="zone",
                code=code,
                name=f"Zone {code}",
                parent=town,
                boundary=square(lon0, 1.38, lon0 + 0.02, 1.40),
            )
        units["SG-TC"] = await org_service.create_unit(
            session, kind="department", code="SG-TC", name="Town council", parent=town
        )
        await org_service.set_calendar(session, unit=town, timezone="Asia/Singapore")
        for category, scope, target in (
            ("env.waste", "D", "D-DEPT"),
            ("public.order", "D-S1-C1", "D-S1-C1-G1"),
            ("public.order", "D-S2-C1", "D-S2-C1-G1"),
            ("sanitation", "D", "D-DEPT"),
            ("sanitation", "SG", "SG-TC"),
            ("env.waste", "SG", "SG-TC"),
            ("public.order", "SG", "SG-TC"),
        ):
            await org_service.set_route(
                session, category_code=category, scope=units[scope], target=units[target]
            )
        root, secret = await make_staff(session, username="root", role="admin", unit=units["D"])
        await security_service.grant_role(
            session, account_id=root.id, role="admin", unit_id=units["SG"].id
        )
    return units, secret


async def notify_everyone(w: AuthzWorld) -> None:
    """Give every role and every bystander one inbox notification, as the dispatcher would."""
    owners = {role: w.accounts[role] for role in ROLE_UNITS}
    owners |= {p: o.id for p, o in w.objects["staff"].items()}
    async with session_scope() as session:
        for name, account in owners.items():
            placement = name if name in PLACEMENTS else "own"
            note = Notification(
                account_id=uuid.UUID(account),
                dedupe_key=f"test:{name}",
                kind="alarm.raised",
                alarm_id=uuid.UUID(w.objects["alarm"][placement].id),
                org_path=w.objects["alarm"][placement].paths[0],
                severity="major",
                locale="en",
                title="PM2.5 high",
                body="PM2.5 high",
                suppressed=[],
            )
            session.add(note)
            await session.flush()
            if name in PLACEMENTS:
                w.put("notification", name, Obj(str(note.id), (), owner=account))
            else:
                w.put("notification", f"mine:{name}", Obj(str(note.id), (), owner=account))
