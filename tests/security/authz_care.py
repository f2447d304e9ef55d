"""The authorization matrix's care objects: in each placement, a care profile of the
placement's resident (in "own" cared for by the `carer` role's account, elsewhere by `root`)
and an open alert of it."""

from __future__ import annotations

import uuid
from datetime import datetime

import httpx
from sqlalchemy import select

from linli.care.models import CareAlert
from linli.core.database import session_scope
from linli.security.models import RoleGrant

from .authz_rules import Ctx
from .authz_world import AuthzWorld, Obj, call_ok


async def _root_id(w: AuthzWorld) -> str:
    async with session_scope() as session:
        found = await session.scalar(
            select(RoleGrant.account_id).where(RoleGrant.unit_id == w.units["SG"].id)
        )
    return str(found)


def profile_body(c: Ctx) -> dict[str, object]:
    """The body of a new care profile for the placement's resident (it has one: 409 or 201)."""
    root = c.w.objects["care_profile"][c.placement].extra["carer"]
    return {
        "json": {
            "resident_id": c.w.objects["resident"][c.placement].id,
            "kind": "living_alone",
            "consent_method": "in_person",
            "carer_ids": [root],
        }
    }


async def make_care(
    client: httpx.AsyncClient, w: AuthzWorld, placement: str, now: datetime
) -> None:
    """Create the placement's care profile and an open alert of it."""
    root = await _root_id(w)
    carer = w.accounts["carer"] if placement == "own" else root
    resident = w.objects["resident"][placement]
    body = {
        "resident_id": resident.id,
        "kind": "living_alone",
        "consent_method": "in_person",
        "health_notes": "Internal: heart condition",
        "carer_ids": [carer],
        "contacts": [{"name": "Wei Ming", "phone": "+6591234567", "language": "en"}],
    }
    profile = await call_ok(client, "POST", "/api/care/profiles", w.root, json=body)
    paths = (profile["org_path"],)
    w.put("care_profile", placement,
          Obj(profile["id"], paths, extra={"carer": root, "kind": "no_motion_by"}))  # fmt: skip
    async with session_scope() as session:
        alert = CareAlert(
            id=uuid.uuid4(),
            profile_id=uuid.UUID(profile["id"]),
            org_path=profile["org_path"],
            monitor="no_motion_by",
            status="open",
            step=0,
            raised_at=now,
        )
        session.add(alert)
    w.put("care_alert", placement, Obj(str(alert.id), paths))
