"""Factories for the web tests: a small org tree, staff who sign in, a real server in-process."""

from __future__ import annotations

import asyncio
import re
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import uvicorn

from linli.core.database import session_scope
from linli.org import service as org_service
from linli.org.models import OrgUnit
from linli.security import service as security_service
from linli.security.models import StaffAccount
from login_form import post_login

PASSWORD = "correct horse battery"


def square(lon: float, lat: float, size: float) -> dict[str, Any]:
    """Return a GeoJSON square with its south-west corner at (lon, lat)."""
    ring = [
        [lon, lat],
        [lon + size, lat],
        [lon + size, lat + size],
        [lon, lat + size],
        [lon, lat],
    ]
    return {"type": "Polygon", "coordinates": [ring]}


@dataclass
class Site:
    district: OrgUnit
    street: OrgUnit
    community_a: OrgUnit
    community_b: OrgUnit
    grid_a: OrgUnit
    department: OrgUnit


async def make_site() -> Site:
    """Build district → street → communities A and B (A with a grid) and a department."""
    async with session_scope() as session:
        district = await org_service.create_unit(
            session,
            kind="district",
            code="baoan",
            name="Bao'an",
            name_zh="宝安区",
            boundary=square(113.80, 22.50, 0.2),
        )
        street = await org_service.create_unit(
            session,
            kind="street",
            code="xixiang",
            name="Xixiang",
            parent=district,
            boundary=square(113.80, 22.50, 0.1),
        )
        community_a = await org_service.create_unit(
            session,
            kind="community",
            code="comm-a",
            name="Community A",
            parent=street,
            boundary=square(113.80, 22.50, 0.05),
        )
        community_b = await org_service.create_unit(
            session,
            kind="community",
            code="comm-b",
            name="Community B",
            parent=street,
            boundary=square(113.85, 22.50, 0.05),
        )
        grid_a = await org_service.create_unit(
            session,
            kind="grid",
            code="grid-a1",
            name="Grid A1",
            parent=community_a,
            boundary=square(113.80, 22.50, 0.025),
        )
        department = await org_service.create_unit(
            session, kind="department", code="sanitation", name="Sanitation", parent=district
        )
        await org_service.set_calendar(session, unit=district, timezone="Asia/Shanghai")
    return Site(district, street, community_a, community_b, grid_a, department)


async def make_staff(
    username: str,
    *,
    role: str | None,
    unit: OrgUnit | None,
    locale: str = "en",
    display_name: str | None = None,
) -> StaffAccount:
    """Create a staff account with PASSWORD and (optionally) one role over `unit`."""
    async with session_scope() as session:
        account = await security_service.create_account(
            session,
            username=username,
            display_name=display_name or username.title(),
            password=PASSWORD,
            locale=locale,
        )
        if role is not None and unit is not None:
            await security_service.grant_role(
                session, account_id=account.id, role=role, unit_id=unit.id
            )
    return account


async def make_token(account: StaffAccount) -> str:
    """Issue an API bearer token for `account` and return its secret."""
    async with session_scope() as session:
        secret, _ = await security_service.issue_token(
            session, account_id=account.id, name="test", actor="system"
        )
    return secret


CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


async def sign_in(client: httpx.AsyncClient, username: str, *, next_page: str = "/") -> str:
    """Sign in through the login form and return the page's CSRF token."""
    res = await post_login(client, {"username": username, "password": PASSWORD, "next": next_page})
    assert res.status_code == 303, res.text
    page = await client.get(next_page)
    found = CSRF_META.search(page.text)
    assert found, page.text[:500]
    return found.group(1)


MakeStaff = Callable[..., Awaitable[StaffAccount]]
SignIn = Callable[..., Awaitable[str]]


@pytest.fixture
async def site(db: str) -> Site:
    """A small org tree: district → street → communities A (with a grid) and B; a department."""
    return await make_site()


@pytest.fixture
def password() -> str:
    """The password of every account the factories make."""
    return PASSWORD


@pytest.fixture
def staff(db: str) -> MakeStaff:
    """Return the staff factory: `await staff("name", role="operator", unit=site.street)`."""
    return make_staff


@pytest.fixture
def token_for(db: str) -> Callable[[StaffAccount], Awaitable[str]]:
    """Return a function issuing an API bearer token for an account."""
    return make_token


@pytest.fixture
def signed_in(client: httpx.AsyncClient) -> SignIn:
    """Return `await signed_in("name", next_page="/")`: sign the client in, get the CSRF token."""

    async def run(username: str, *, next_page: str = "/") -> str:
        return await sign_in(client, username, next_page=next_page)

    return run


@pytest.fixture
async def live_server(db: str) -> AsyncIterator[str]:
    """Serve the app over real HTTP on a free loopback port (for streaming responses)."""
    from linli.web.app import create_app

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        create_app(), log_config=None, lifespan="off", timeout_graceful_shutdown=1
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    # Wait for readiness (uvicorn has no started event); the loop runs the server meanwhile.
    while not server.started:  # noqa: ASYNC110
        await asyncio.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task
        sock.close()
