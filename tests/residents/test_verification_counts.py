"""The count of accounts awaiting an in-person check (the community hub's tile): the caller's
subtree only, and an account seen in person no longer counts."""

from __future__ import annotations

import uuid

from linli.core.database import session_scope
from linli.org.models import OrgUnit
from linli.residents.types import Level
from linli.residents.verification import service as verification
from linli.security.permissions import Grant, Principal

from .helpers import make_account
from .world import ResidentWorld


async def test_awaiting_in_person_counts_the_subtree_until_seen(world: ResidentWorld) -> None:
    a, b = world.buildings["A"], world.buildings["B"]
    first = await make_account(level=Level.PHONE, building=a)
    await make_account(level=Level.REGISTRY, building=a)
    await make_account(level=Level.REGISTRY, building=b)
    async with session_scope() as session:
        unit = await session.get(OrgUnit, a.org_unit_id)
        assert unit is not None
        staff = Principal(
            uuid.uuid4(), "gw", "Gw", grants=(Grant("grid_worker", unit.id, unit.path),)
        )
        before = await verification.count_awaiting_in_person(session, principal=staff)
        await verification.verify_in_person(session, first.id, principal=staff, note="saw NRIC")
    async with session_scope() as session:
        after = await verification.count_awaiting_in_person(session, principal=staff)
    assert before == (2, False)
    assert after == (1, False)
