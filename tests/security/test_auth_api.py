from __future__ import annotations

from datetime import timedelta

import httpx
from sqlalchemy import func, select, text

from factories import PASSWORD, bearer, make_district, make_staff
from linli.core import clock as clock_mod
from linli.core.database import get_engine, session_scope
from linli.org import service as org_service
from linli.security import service as security_service
from linli.security.deps import CSRF_HEADER, SESSION_COOKIE
from linli.security.models import ApiToken, AuditEntry
from list_pages import assert_bad_paging_refused, walk


async def _operator(username: str = "olivia") -> str:
    async with session_scope() as session:
        tree = await make_district(session)
        _, token = await make_staff(session, username=username, role="operator", unit=tree.district)
    return token


async def _login(client: httpx.AsyncClient, username: str, password: str) -> httpx.Response:
    return await client.post("/api/auth/login", json={"username": username, "password": password})


async def test_login_sets_a_safe_session_cookie_and_returns_the_csrf_token(
    db: str, clock: clock_mod.ManualClock, client: httpx.AsyncClient
) -> None:
    await _operator()
    response = await _login(client, "olivia", PASSWORD)
    assert response.status_code == 200
    body = response.json()
    assert body["username"] == "olivia" and body["display_name"] == "Olivia"
    assert len(body["csrf_token"]) > 20
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{SESSION_COOKIE}=")
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Max-Age=43200" in cookie
    assert "Secure" not in cookie  # development settings; production requires it

    me = await client.get("/api/me")
    assert me.status_code == 200, me.text
    assert me.json()["username"] == "olivia"
    assert [g["role_label"] for g in me.json()["grants"]] == ["Command-centre operator"]


async def test_wrong_password_and_unknown_user_answer_the_same_401(
    db: str, clock: clock_mod.ManualClock, client: httpx.AsyncClient
) -> None:
    await _operator()
    for username, password in [("olivia", "not-the-password"), ("nobody", PASSWORD)]:
        response = await _login(client, username, password)
        assert response.status_code == 401
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["code"] == "bad_credentials"
        assert SESSION_COOKIE not in response.cookies


async def test_failures_hold_this_address_back_with_a_growing_retry_after(
    db: str, clock: clock_mod.ManualClock, client: httpx.AsyncClient
) -> None:
    await _operator()
    for _ in range(5):
        assert (await _login(client, "olivia", "guess-guess")).status_code == 401
    async with session_scope() as session:
        failures = await session.scalar(
            select(func.count()).where(AuditEntry.action == "login.failed")
        )
    assert failures == 5  # recorded although each request failed

    refused = await _login(client, "olivia", PASSWORD)
    assert refused.status_code == 429
    assert refused.json()["code"] == "too_many_attempts"
    first_wait = int(refused.headers["retry-after"])
    assert first_wait == refused.json()["retry_after"] > 0
    other_user = await _login(client, "someone-else", "whatever-it-is")
    assert other_user.status_code == 401

    clock.advance(timedelta(seconds=first_wait))
    assert (await _login(client, "olivia", "guess-again")).status_code == 401
    refused = await _login(client, "olivia", PASSWORD)
    assert int(refused.headers["retry-after"]) == 2 * first_wait  # each failure doubles it
    clock.advance(timedelta(seconds=2 * first_wait))
    assert (await _login(client, "olivia", PASSWORD)).status_code == 200


async def test_logout_revokes_the_session(
    db: str, clock: clock_mod.ManualClock, client: httpx.AsyncClient
) -> None:
    await _operator()
    csrf = (await _login(client, "olivia", PASSWORD)).json()["csrf_token"]
    cookie = client.cookies[SESSION_COOKIE]

    response = await client.post("/api/auth/logout", headers={CSRF_HEADER: csrf})
    assert response.status_code == 204
    assert SESSION_COOKIE not in client.cookies

    client.cookies.set(SESSION_COOKIE, cookie)  # a copy of the old cookie no longer works
    again = await client.get("/api/me")
    assert again.status_code == 401 and again.json()["code"] == "session_expired"


async def test_cookie_requests_that_change_state_need_the_csrf_token(
    db: str, clock: clock_mod.ManualClock, client: httpx.AsyncClient
) -> None:
    await _operator()
    csrf = (await _login(client, "olivia", PASSWORD)).json()["csrf_token"]

    forged = await client.post("/api/tokens", json={"name": "forged"})
    assert forged.status_code == 403 and forged.json()["code"] == "csrf_failed"
    wrong = await client.post("/api/tokens", json={"name": "x"}, headers={CSRF_HEADER: "nope"})
    assert wrong.status_code == 403
    ok = await client.post("/api/tokens", json={"name": "laptop"}, headers={CSRF_HEADER: csrf})
    assert ok.status_code == 201


async def test_session_expires_after_the_configured_hours(
    db: str, clock: clock_mod.ManualClock, client: httpx.AsyncClient
) -> None:
    await _operator()
    await _login(client, "olivia", PASSWORD)
    clock.advance(timedelta(hours=12))
    assert (await client.get("/api/me")).status_code == 401


async def test_token_secret_is_shown_once_and_a_revoked_token_stops_working(
    db: str, clock: clock_mod.ManualClock, client: httpx.AsyncClient
) -> None:
    token = await _operator()
    created = await client.post(
        "/api/tokens", json={"name": "sensor bridge", "days": 30}, headers=bearer(token)
    )
    assert created.status_code == 201
    issued = created.json()
    assert issued["secret"].startswith("lt_")
    assert issued["expires_at"].startswith("2026-04-01T01:00:00")

    listed = await walk(client, "/api/tokens", bearer(issued["secret"]), limit=1)
    assert [t["name"] for t in listed] == ["sensor bridge", "test"], "newest first"
    assert all("secret" not in t for t in listed)
    await assert_bad_paging_refused(client, "/api/tokens", bearer(token))

    revoked = await client.delete(f"/api/tokens/{issued['id']}", headers=bearer(token))
    assert revoked.status_code == 204
    after = await client.get("/api/me", headers=bearer(issued["secret"]))
    assert after.status_code == 401 and after.json()["code"] == "bad_token"
    assert (await client.get("/api/me", headers=bearer(token))).status_code == 200


async def test_nobody_can_see_or_revoke_someone_elses_token(
    db: str, clock: clock_mod.ManualClock, client: httpx.AsyncClient
) -> None:
    token = await _operator()
    async with session_scope() as session:
        district = await org_service.get_unit_by_code(session, "T")
        _, other = await make_staff(session, username="mallory", role="admin", unit=district)
    mine = (await client.get("/api/tokens", headers=bearer(token))).json()["items"]
    response = await client.delete(f"/api/tokens/{mine[0]['id']}", headers=bearer(other))
    assert response.status_code == 404
    theirs = (await client.get("/api/tokens", headers=bearer(other))).json()["items"]
    assert [t["name"] for t in theirs] == ["test"]
    assert (await client.get("/api/me", headers=bearer(token))).status_code == 200


async def test_expired_token_is_refused(
    db: str, clock: clock_mod.ManualClock, client: httpx.AsyncClient
) -> None:
    token = await _operator()
    secret = (
        await client.post("/api/tokens", json={"name": "short", "days": 1}, headers=bearer(token))
    ).json()["secret"]
    assert (await client.get("/api/me", headers=bearer(secret))).status_code == 200
    clock.advance(timedelta(days=1))
    assert (await client.get("/api/me", headers=bearer(secret))).status_code == 401


async def test_malformed_authorization_header_is_refused(
    db: str, client: httpx.AsyncClient
) -> None:
    response = await client.get("/api/me", headers={"Authorization": "Basic b2xpdmlhOng="})
    assert response.status_code == 401
    assert response.json()["code"] == "bad_auth_header"


async def test_a_tokens_last_use_is_noted_once_per_five_minutes_and_never_queues(
    db: str, clock: clock_mod.ManualClock, client: httpx.AsyncClient
) -> None:
    token = await _operator()

    async def last_used() -> object:
        async with session_scope() as session:
            return await session.scalar(select(func.max(ApiToken.last_used_at)))

    assert (await client.get("/api/me", headers=bearer(token))).status_code == 200
    first = await last_used()
    assert first == clock.now()
    clock.advance(timedelta(minutes=4))
    assert (await client.get("/api/me", headers=bearer(token))).status_code == 200
    assert await last_used() == first
    clock.advance(timedelta(minutes=1))
    if get_engine().dialect.name == "postgresql":
        # Another request is noting the token's use: this one goes on without waiting for it.
        async with get_engine().begin() as other:
            await other.execute(text("SELECT 1 FROM api_token FOR UPDATE"))
            async with session_scope() as session:
                await session.execute(text("SET LOCAL lock_timeout = '1s'"))
                await security_service.principal_for_token(session, token)
    assert (await client.get("/api/me", headers=bearer(token))).status_code == 200
    assert await last_used() == clock.now()
