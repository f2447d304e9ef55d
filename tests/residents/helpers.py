"""Residents in tests: sign an httpx client in as a resident, and seed one-time codes.

    from residents.helpers import sign_in_resident
    actor = await sign_in_resident(client, level=Level.REGISTRY, building=building)

The client then carries the resident's cookie and CSRF header, as a browser would.
"""

from __future__ import annotations

import itertools
import uuid
from datetime import timedelta

import httpx

from linli.core import clock
from linli.core.database import session_scope
from linli.org.models import OrgUnit
from linli.registry.models import Building
from linli.residents import service
from linli.residents.codes import service as codes
from linli.residents.deps import RESIDENT_COOKIE
from linli.residents.models import ResidentAccount, SignInCode
from linli.residents.types import Level, ResidentActor
from linli.security.deps import CSRF_HEADER

_numbers = itertools.count(1)


async def make_account(
    *,
    level: Level = Level.REGISTRY,
    building: Building | None = None,
    org_unit: OrgUnit | None = None,
    locale: str = "en",
    name: str | None = None,
    email: str | None = None,
    phone: str | None = None,
    unit: str | None = None,
) -> ResidentAccount:
    """Create (committed) a resident account verified to `level`, at home in `building` (and
    `unit`) or, without one, in `org_unit`."""
    n = next(_numbers)
    async with session_scope() as session:
        account = ResidentAccount(
            display_name=name or f"Resident {n}",
            email=email or f"resident{n}-{uuid.uuid4().hex[:6]}@example.org",
            phone=phone if phone else (f"+659{n:07d}" if level >= Level.PHONE else None),
            locale=locale,
            level=int(level),
        )
        if building is not None:
            account.building_id, account.unit = building.id, unit or f"{n:02d}-101"
            account.org_unit_id, account.org_path = building.org_unit_id, building.org_path
        elif org_unit is not None:
            account.org_unit_id, account.org_path = org_unit.id, org_unit.path
        if level >= Level.REGISTRY:
            account.verified_at, account.verified_by = clock.now(), "test"
        session.add(account)
    return account


async def act_as(client: httpx.AsyncClient, account: ResidentAccount) -> ResidentActor:
    """Open a session for `account` and make `client` send its cookie and CSRF header."""
    async with session_scope() as session:
        fresh = await session.get(ResidentAccount, account.id)
        assert fresh is not None
        cookie, web = await service.start_session(session, fresh)
        csrf = web.csrf_token
    client.cookies.set(RESIDENT_COOKIE, cookie)
    client.headers[CSRF_HEADER] = csrf
    return service.actor_of(account)


async def sign_in_resident(
    client: httpx.AsyncClient,
    *,
    level: Level = Level.REGISTRY,
    building: Building | None = None,
    org_unit: OrgUnit | None = None,
    locale: str = "en",
) -> ResidentActor:
    """Create a verified account and make the httpx `client` act as that resident (cookie +
    CSRF header); return its actor."""
    account = await make_account(level=level, building=building, org_unit=org_unit, locale=locale)
    return await act_as(client, account)


def sign_out_resident(client: httpx.AsyncClient) -> None:
    """Make `client` forget the resident's session."""
    client.cookies.delete(RESIDENT_COOKIE)
    client.headers.pop(CSRF_HEADER, None)


async def seed_code(contact: str, code: str = "123456", *, minutes: int = 10) -> None:
    """Store a live sign-in code `code` for `contact`, as if it had been sent (browser tests
    and demos that cannot read a gateway)."""
    parsed = codes.parse_contact(contact)
    async with session_scope() as session:
        row = SignInCode(
            id=uuid.uuid4(),
            contact_hash=parsed.hash,
            channel=parsed.channel,
            purpose="sign_in",
            expires_at=clock.now() + timedelta(minutes=minutes),
        )
        row.code_hash = codes.code_hash(row.id, code)
        session.add(row)
