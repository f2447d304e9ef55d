"""Staff accounts, role grants, login sessions and API tokens."""

from __future__ import annotations

import hashlib
import math
import secrets
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerifyMismatchError
from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from linli.core import clock
from linli.core.errors import (
    Conflict,
    NotFound,
    TooManyRequests,
    Unauthenticated,
    ValidationFailed,
)
from linli.org.models import OrgUnit
from linli.security import audit
from linli.security.models import ApiToken, AuditEntry, RoleGrant, StaffAccount, WebSession
from linli.security.permissions import ROLES, Grant, Principal

_hasher = PasswordHasher()
# Verified against when the username is unknown, so both paths cost the same.
_DUMMY_HASH = _hasher.hash("linli-no-such-user")
MAX_FAILED_LOGINS = 5
FAILED_LOGIN_WINDOW = timedelta(hours=24)
# A token's last use is kept to this resolution, so its row is written once per interval and
# not by every request it authenticates.
TOKEN_USE_RESOLUTION = timedelta(minutes=5)
LOGIN_BACKOFF = timedelta(seconds=30)
MAX_LOGIN_BACKOFF = timedelta(hours=1)


def hash_secret(value: str) -> str:
    """Return the SHA-256 hex digest under which a random token is stored."""
    return hashlib.sha256(value.encode()).hexdigest()


async def create_account(
    session: AsyncSession,
    *,
    username: str,
    display_name: str,
    password: str,
    locale: str = "en",
    actor: str = "system",
) -> StaffAccount:
    """Create a staff account with an argon2 password hash."""
    if len(password) < 8:
        raise ValidationFailed("password must have at least 8 characters", code="weak_password")
    if await session.scalar(select(StaffAccount.id).where(StaffAccount.username == username)):
        raise Conflict(f"username '{username}' is taken", code="username_taken")
    account = StaffAccount(
        username=username,
        display_name=display_name,
        password_hash=_hasher.hash(password),
        locale=locale,
    )
    session.add(account)
    await session.flush()
    await audit.record(
        session,
        actor=actor,
        action="account.create",
        target_type="staff_account",
        target_id=str(account.id),
        detail={"username": username},
    )
    return account


async def grant_role(
    session: AsyncSession,
    *,
    account_id: uuid.UUID,
    role: str,
    unit_id: uuid.UUID,
    actor: str = "system",
) -> RoleGrant:
    """Grant `role` over the subtree of `unit_id`, and audit it."""
    if role not in ROLES:
        raise ValidationFailed(f"unknown role '{role}'", code="unknown_role")
    unit = await session.get(OrgUnit, unit_id)
    if unit is None:
        raise NotFound("org unit not found", code="unit_not_found")
    existing = await session.scalar(
        select(RoleGrant.id).where(
            RoleGrant.account_id == account_id, RoleGrant.role == role, RoleGrant.unit_id == unit_id
        )
    )
    if existing is not None:
        raise Conflict(f"the account already holds '{role}' there", code="grant_exists")
    grant = RoleGrant(account_id=account_id, role=role, unit_id=unit_id)
    session.add(grant)
    await session.flush()
    await audit.record(
        session,
        actor=actor,
        action="role.grant",
        target_type="staff_account",
        target_id=str(account_id),
        org_path=unit.path,
        detail={"role": role, "unit": unit.code},
    )
    return grant


async def revoke_role(session: AsyncSession, *, grant_id: uuid.UUID, actor: str) -> None:
    """Remove a role grant, and audit it."""
    grant = await session.get(RoleGrant, grant_id)
    if grant is None:
        raise NotFound("grant not found", code="grant_not_found")
    unit = await session.get(OrgUnit, grant.unit_id)
    await session.delete(grant)
    await audit.record(
        session,
        actor=actor,
        action="role.revoke",
        target_type="staff_account",
        target_id=str(grant.account_id),
        org_path=unit.path if unit else None,
        detail={"role": grant.role},
    )


async def load_principal(
    session: AsyncSession, account: StaffAccount, *, via: str, csrf_token: str | None = None
) -> Principal:
    """Return the principal of an account with all its grants resolved to org paths."""
    rows = await session.execute(
        select(RoleGrant.role, RoleGrant.unit_id, OrgUnit.path)
        .join(OrgUnit, OrgUnit.id == RoleGrant.unit_id)
        .where(RoleGrant.account_id == account.id)
    )
    grants = tuple(Grant(role, unit_id, path) for role, unit_id, path in rows)
    return Principal(
        account.id, account.username, account.display_name, account.locale, grants, via, csrf_token
    )


async def login_delay(session: AsyncSession, *, username: str, client: str) -> int:
    """Return the seconds `client` must wait before trying `username` again (0: go ahead).

    Failures are counted per (username, client address), so an attacker elsewhere never locks
    the real user out. The first MAX_FAILED_LOGINS failures are free; each one after doubles
    the wait from LOGIN_BACKOFF, up to MAX_LOGIN_BACKOFF, counted from the latest failure.
    """
    rows = (
        await session.scalars(
            select(AuditEntry.at)
            .where(
                AuditEntry.action == "login.failed",
                AuditEntry.target_id == username[:64],
                AuditEntry.detail["client"].as_string() == client,
                AuditEntry.at > clock.now() - FAILED_LOGIN_WINDOW,
            )
            .order_by(AuditEntry.at.desc())
        )
    ).all()
    if len(rows) < MAX_FAILED_LOGINS:
        return 0
    extra = min(len(rows) - MAX_FAILED_LOGINS, 20)
    wait = min(LOGIN_BACKOFF * 2**extra, MAX_LOGIN_BACKOFF)
    remaining: float = (rows[0] + wait - clock.now()).total_seconds()
    return max(0, math.ceil(remaining))


async def check_password(
    session: AsyncSession, *, username: str, password: str, client: str = "unknown"
) -> StaffAccount:
    """Return the active account with these credentials, or raise Unauthenticated (audited).

    While `login_delay` says wait, every attempt from `client` is refused with TooManyRequests
    (its `retry_after` in seconds). The caller must commit the session before re-raising
    Unauthenticated, or the failure is not counted.
    """
    wait = await login_delay(session, username=username, client=client)
    if wait:
        raise TooManyRequests(
            "too many failed sign-ins from this address; try again later",
            code="too_many_attempts",
            retry_after=wait,
        )
    account = await session.scalar(select(StaffAccount).where(StaffAccount.username == username))
    try:
        _hasher.verify(account.password_hash if account else _DUMMY_HASH, password)
        ok = account is not None and account.active
    except (VerifyMismatchError, InvalidHashError):
        ok = False
    if not ok or account is None:
        await audit.record(
            session,
            actor=f"anonymous:{username[:64]}",
            action="login.failed",
            target_type="staff_account",
            target_id=username[:64],
            detail={"client": client},
        )
        raise Unauthenticated("wrong username or password", code="bad_credentials")
    if _hasher.check_needs_rehash(account.password_hash):
        account.password_hash = _hasher.hash(password)
    return account


async def start_session(
    session: AsyncSession, account: StaffAccount, *, hours: int
) -> tuple[str, WebSession]:
    """Open a web session and return its cookie secret (shown once) and record."""
    secret = secrets.token_urlsafe(32)
    web = WebSession(
        account_id=account.id,
        token_hash=hash_secret(secret),
        csrf_token=secrets.token_urlsafe(32),
        expires_at=clock.now() + timedelta(hours=hours),
    )
    session.add(web)
    await session.flush()
    await audit.record(
        session,
        actor=f"staff:{account.username}",
        action="login",
        target_type="staff_account",
        target_id=str(account.id),
    )
    return secret, web


async def end_session(session: AsyncSession, secret: str) -> None:
    """Revoke the web session behind a cookie secret."""
    web = await session.scalar(
        select(WebSession).where(WebSession.token_hash == hash_secret(secret))
    )
    if web is not None and web.revoked_at is None:
        web.revoked_at = clock.now()


async def _credential_rows(
    session: AsyncSession, credential: type[ApiToken] | type[WebSession], secret: str
) -> Sequence[Any]:
    """Return the credential of `secret` with its account, one row per grant (a row with no
    grant for an account without one; none for an unknown secret): every request reads this,
    in one round trip to the database."""
    extra = credential.last_used_at if credential is ApiToken else WebSession.csrf_token
    return (
        await session.execute(
            select(
                credential.id,
                credential.revoked_at,
                credential.expires_at,
                extra.label("extra"),
                StaffAccount.id.label("account_id"),
                StaffAccount.username,
                StaffAccount.display_name,
                StaffAccount.locale,
                StaffAccount.active,
                RoleGrant.role,
                RoleGrant.unit_id,
                OrgUnit.path,
            )
            .join(StaffAccount, StaffAccount.id == credential.account_id)
            .outerjoin(RoleGrant, RoleGrant.account_id == StaffAccount.id)
            .outerjoin(OrgUnit, OrgUnit.id == RoleGrant.unit_id)
            .where(credential.token_hash == hash_secret(secret))
        )
    ).all()


def _principal(rows: Sequence[Any], *, via: str, csrf_token: str | None = None) -> Principal:
    first = rows[0]
    if not first.active:
        raise Unauthenticated("account disabled", code="account_disabled")
    grants = tuple(Grant(r.role, r.unit_id, r.path) for r in rows if r.path is not None)
    return Principal(
        first.account_id, first.username, first.display_name, first.locale, grants, via, csrf_token
    )


async def principal_for_session(session: AsyncSession, secret: str) -> Principal:
    """Return the principal of a live web session, or raise Unauthenticated."""
    rows = await _credential_rows(session, WebSession, secret)
    if not rows or rows[0].revoked_at is not None or rows[0].expires_at <= clock.now():
        raise Unauthenticated("session expired or signed out", code="session_expired")
    return _principal(rows, via="session", csrf_token=rows[0].extra)


async def issue_token(
    session: AsyncSession, *, account_id: uuid.UUID, name: str, days: int | None = None, actor: str
) -> tuple[str, ApiToken]:
    """Create an API bearer token and return its secret (shown once) and record."""
    secret = "lt_" + secrets.token_urlsafe(32)
    token = ApiToken(
        account_id=account_id,
        name=name,
        token_hash=hash_secret(secret),
        expires_at=clock.now() + timedelta(days=days) if days else None,
    )
    session.add(token)
    await session.flush()
    await audit.record(
        session,
        actor=actor,
        action="token.issue",
        target_type="api_token",
        target_id=str(token.id),
        detail={"account": str(account_id), "name": name},
    )
    return secret, token


async def revoke_token(session: AsyncSession, *, token_id: uuid.UUID, actor: str) -> None:
    """Revoke an API token so it no longer authenticates."""
    token = await session.get(ApiToken, token_id)
    if token is None:
        raise NotFound("token not found", code="token_not_found")
    token.revoked_at = clock.now()
    await audit.record(
        session,
        actor=actor,
        action="token.revoke",
        target_type="api_token",
        target_id=str(token_id),
    )


async def principal_for_token(session: AsyncSession, secret: str) -> Principal:
    """Return the principal of a live bearer token, or raise Unauthenticated."""
    rows = await _credential_rows(session, ApiToken, secret)
    now = clock.now()
    token = rows[0] if rows else None
    if (
        token is None
        or token.revoked_at is not None
        or (token.expires_at is not None and token.expires_at <= now)
    ):
        raise Unauthenticated("invalid, expired or revoked token", code="bad_token")
    principal = _principal(rows, via="token")
    if token.extra is None or now - token.extra >= TOKEN_USE_RESOLUTION:  # last used
        await _note_token_use(session, token.id, now)
    return principal


async def _note_token_use(session: AsyncSession, token_id: uuid.UUID, now: datetime) -> None:
    # Skip a row another request is noting already: concurrent requests of one token never
    # queue on its row lock.
    stale = (
        select(ApiToken.id)
        .where(
            ApiToken.id == token_id,
            or_(
                ApiToken.last_used_at.is_(None),
                ApiToken.last_used_at <= now - TOKEN_USE_RESOLUTION,
            ),
        )
        .with_for_update(skip_locked=True)
    )
    await session.execute(
        update(ApiToken)
        .where(ApiToken.id.in_(stale.scalar_subquery()))
        .values(last_used_at=now)
        .execution_options(synchronize_session=False)
    )
