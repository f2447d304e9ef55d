"""Proposal-test factories: the test district, staff of each kind, residents as actors."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import pytest

from factories import Tree, bearer, center, make_district, make_staff
from linli.cases import service as cases_service
from linli.cases.models import Case
from linli.core import clock as clock_mod
from linli.core.database import session_scope
from linli.participation.proposals import service
from linli.participation.proposals.models import Proposal
from linli.residents import service as residents_service
from linli.residents.types import Level, ResidentActor
from linli.security import service as security_service
from linli.security.permissions import Principal
from residents.helpers import make_account


@dataclass
class Staff:
    principal: Principal
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return bearer(self.token)


@dataclass
class Scene:
    tree: Tree
    operator: Staff  # operator of street S1: answers and moderates there
    inspector: Staff  # reads S1, may not answer
    other_operator: Staff  # operator of street S2

    def resident(
        self, where: str = "S1-C1-G1", *, locale: str = "en", level: Level = Level.SIGNED_IN
    ) -> ResidentActor:
        """Return a new resident living in the unit `where`."""
        return ResidentActor(uuid.uuid4(), level, self.tree.unit(where).path, locale=locale)

    async def account(self, where: str = "S1-C1-G1", *, locale: str = "en") -> ResidentActor:
        """Return a resident with a real account (one they can be told things through)."""
        made = await make_account(
            level=Level.SIGNED_IN, org_unit=self.tree.unit(where), locale=locale
        )
        return residents_service.actor_of(made)

    async def propose(
        self, author: ResidentActor, *, area: str = "S1-C1", title: str = "A bench by the pond"
    ) -> Proposal:
        async with session_scope() as session:
            return await service.propose(
                session, author, area_id=self.tree.unit(area).id, title=title,
                body="Older neighbours need somewhere to rest on the way to the market.",
            )  # fmt: skip

    async def case(self, where: str = "S1-C1-G1", *, source: str = "resident") -> Case:
        lon, lat = center(self.tree.unit(where))
        async with session_scope() as session:
            return await cases_service.report_case(
                session, actor="system", category_code="public.order.noise",
                title="Broken bench slats, Ms Lee of flat 3-12 says", lon=lon, lat=lat,
                source=source,
            )  # fmt: skip


async def _staff(username: str, role: str, unit: object) -> Staff:
    async with session_scope() as session:
        account, token = await make_staff(session, username=username, role=role, unit=unit)  # type: ignore[arg-type]
        principal = await security_service.load_principal(session, account, via="token")
    return Staff(principal, token)


@pytest.fixture
async def scene(db: str, clock: clock_mod.ManualClock) -> Scene:
    async with session_scope() as session:
        tree = await make_district(session)
        category = await cases_service.upsert_category(
            session, code="public.order.noise", name="Noise"
        )
        category.public = True
    return Scene(
        tree,
        await _staff("op1", "operator", tree.unit("S1")),
        await _staff("insp1", "inspector", tree.unit("S1")),
        await _staff("op2", "operator", tree.unit("S2")),
    )
