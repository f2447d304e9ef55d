"""Auth API: sign-in, API tokens, staff and their grants, the audit log, the OpenAPI document."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse
from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from linli.core.deps import Paging
from linli.core.errors import Forbidden, NotFound, Unauthenticated, ValidationFailed
from linli.core.pagination import keyset_page, newest_first, oldest_first, page_meta
from linli.core.schemas import Key
from linli.core.settings import get_settings
from linli.org import service as org_service
from linli.org.models import OrgUnit
from linli.security import service
from linli.security.deps import SESSION_COOKIE, DbSession, client_address, public, require
from linli.security.models import ApiToken, AuditEntry, RoleGrant, StaffAccount
from linli.security.people import people, role_label
from linli.security.permissions import ROLES, Principal
from linli.security.schemas import (
    AuditPage,
    AuditRead,
    GrantRead,
    LoginCreate,
    LoginRead,
    MeRead,
    RoleGrantCreate,
    RoleGrantRead,
    StaffCreate,
    StaffPage,
    StaffRead,
    TokenCreate,
    TokenIssued,
    TokenPage,
    TokenRead,
)

router = APIRouter(tags=["security"])
OPENAPI_URL = "/api/openapi.json"
# The orders of the lists (a unique key last, for keyset pages).
TOKEN_ORDER = newest_first(ApiToken.created_at, ApiToken.id)
STAFF_ORDER = oldest_first(StaffAccount.username)
AUDIT_ORDER = newest_first(AuditEntry.seq)


def set_session_cookie(response: Response, secret: str) -> None:
    """Put the session secret in the browser's cookie jar (HttpOnly, SameSite=Lax)."""
    settings = get_settings()
    response.set_cookie(
        SESSION_COOKIE,
        secret,
        max_age=settings.session_hours * 3600,
        path="/",
        httponly=True,
        samesite="lax",
        secure=settings.cookie_secure,
    )


def clear_session_cookie(response: Response) -> None:
    """Tell the browser to forget the session cookie."""
    settings = get_settings()
    response.delete_cookie(
        SESSION_COOKIE, path="/", httponly=True, samesite="lax", secure=settings.cookie_secure
    )


@router.get("/healthz", dependencies=[Depends(public)], tags=["health"])
async def healthz() -> dict[str, str]:
    """Say the process is up."""
    return {"status": "ok"}


@router.get(OPENAPI_URL, dependencies=[Depends(public)], include_in_schema=False)
async def openapi_document(request: Request) -> JSONResponse:
    """Return the OpenAPI 3.1 description of the whole API."""
    return JSONResponse(request.app.openapi())


@router.post(
    "/api/auth/login",
    dependencies=[Depends(public)],
    responses={
        401: {"description": "Wrong username or password"},
        429: {"description": "Too many failed sign-ins from this address (Retry-After)"},
    },
)
async def login(
    body: LoginCreate, request: Request, session: DbSession, response: Response
) -> LoginRead:
    """Check the credentials, open a web session and set its cookie."""
    try:
        account = await service.check_password(
            session,
            username=body.username,
            password=body.password,
            client=client_address(request),
        )
    except Unauthenticated:
        await session.commit()  # keep the audited failure: the brute-force guard counts it
        raise
    secret, web = await service.start_session(session, account, hours=get_settings().session_hours)
    set_session_cookie(response, secret)
    return LoginRead(
        username=account.username, display_name=account.display_name, csrf_token=web.csrf_token
    )


@router.post("/api/auth/logout", status_code=204)
async def logout(
    request: Request,
    response: Response,
    session: DbSession,
    principal: Annotated[Principal, Depends(require("org:read"))],
) -> None:
    """Revoke the caller's web session and clear its cookie."""
    cookie = request.cookies.get(SESSION_COOKIE)
    if principal.via == "session" and cookie:
        await service.end_session(session, cookie)
    clear_session_cookie(response)


@router.get("/api/me")
async def me(principal: Annotated[Principal, Depends(require("org:read"))]) -> MeRead:
    """Return who the caller is and what they hold."""
    return MeRead(
        username=principal.username,
        display_name=principal.display_name,
        grants=[
            GrantRead(
                role=g.role, role_label=role_label(g.role, principal.locale), unit_id=g.unit_id
            )
            for g in principal.grants
        ],
    )


@router.get("/api/tokens")
async def list_tokens(
    session: DbSession,
    principal: Annotated[Principal, Depends(require("org:read"))],
    paging: Paging,
) -> TokenPage:
    """List the caller's own API tokens, newest first (never their secrets)."""
    stmt = select(ApiToken).where(ApiToken.account_id == principal.account_id)
    page = await keyset_page(session, stmt, TOKEN_ORDER, paging)
    return TokenPage(items=[TokenRead.model_validate(t) for t in page.items], **page_meta(page))


@router.post("/api/tokens", status_code=201)
async def create_token(
    body: TokenCreate,
    session: DbSession,
    principal: Annotated[Principal, Depends(require("org:read"))],
) -> TokenIssued:
    """Issue an API token for the caller; the secret is shown only in this response."""
    secret, token = await service.issue_token(
        session,
        account_id=principal.account_id,
        name=body.name,
        days=body.days,
        actor=principal.actor,
    )
    return TokenIssued(**TokenRead.model_validate(token).model_dump(), secret=secret)


@router.delete("/api/tokens/{token_id}", status_code=204)
async def revoke_token(
    token_id: uuid.UUID,
    session: DbSession,
    principal: Annotated[Principal, Depends(require("org:read"))],
) -> None:
    """Revoke one of the caller's API tokens."""
    token = await session.get(ApiToken, token_id)
    if token is None or token.account_id != principal.account_id:
        raise NotFound("token not found", code="token_not_found")
    await service.revoke_token(session, token_id=token_id, actor=principal.actor)


async def _visible_unit(session: AsyncSession, principal: Principal, unit_id: uuid.UUID) -> OrgUnit:
    unit = await session.get(OrgUnit, unit_id)
    if unit is None or not principal.can("staff:read", unit.path):
        raise NotFound("org unit not found", code="unit_not_found")
    return unit


def _authorize_grant(principal: Principal, role: str, unit: OrgUnit) -> None:
    """Allow granting or revoking `role` at `unit` only without escalation."""
    if role not in ROLES:
        raise ValidationFailed(f"unknown role '{role}'", code="unknown_role")
    principal.require("staff:write", unit.path)
    missing = sorted(p for p in ROLES[role] if not principal.can(p, unit.path))
    if missing:
        raise Forbidden(
            f"you cannot grant '{role}' here: you lack {', '.join(missing)}",
            code="role_escalation",
        )


async def _staff_read(
    session: AsyncSession, principal: Principal, accounts: list[StaffAccount]
) -> list[StaffRead]:
    rows = await session.execute(
        select(RoleGrant, OrgUnit.code)
        .join(OrgUnit, OrgUnit.id == RoleGrant.unit_id)
        .where(
            RoleGrant.account_id.in_([a.id for a in accounts]),
            principal.scope("staff:read", OrgUnit.path),
        )
        .order_by(RoleGrant.created_at, RoleGrant.id)
    )
    grants: dict[uuid.UUID, list[RoleGrantRead]] = {a.id: [] for a in accounts}
    for grant, code in rows:
        grants[grant.account_id].append(
            RoleGrantRead(
                id=grant.id,
                role=grant.role,
                role_label=role_label(grant.role, principal.locale),
                unit_id=grant.unit_id,
                unit_code=code,
                created_at=grant.created_at,
            )
        )
    return [
        StaffRead(
            id=a.id,
            username=a.username,
            display_name=a.display_name,
            locale=a.locale,
            active=a.active,
            created_at=a.created_at,
            grants=grants[a.id],
        )
        for a in accounts
    ]


@router.get("/api/staff")
async def list_staff(
    session: DbSession,
    principal: Annotated[Principal, Depends(require("staff:read"))],
    paging: Paging,
) -> StaffPage:
    """List staff holding a role somewhere inside the caller's scope, by username."""
    in_scope = (
        select(RoleGrant.account_id)
        .join(OrgUnit, OrgUnit.id == RoleGrant.unit_id)
        .where(principal.scope("staff:read", OrgUnit.path))
    )
    stmt = select(StaffAccount).where(StaffAccount.id.in_(in_scope))
    page = await keyset_page(session, stmt, STAFF_ORDER, paging)
    return StaffPage(items=await _staff_read(session, principal, page.items), **page_meta(page))


@router.post("/api/staff", status_code=201)
async def create_staff(
    body: StaffCreate,
    session: DbSession,
    principal: Annotated[Principal, Depends(require("staff:write"))],
) -> StaffRead:
    """Create a staff account with its first roles, each within the caller's own reach."""
    units = []
    for grant in body.grants:
        unit = await _visible_unit(session, principal, grant.unit_id)
        _authorize_grant(principal, grant.role, unit)
        units.append(unit)
    account = await service.create_account(
        session,
        username=body.username,
        display_name=body.display_name,
        password=body.password,
        locale=body.locale,
        actor=principal.actor,
    )
    for grant, unit in zip(body.grants, units, strict=True):
        await service.grant_role(
            session, account_id=account.id, role=grant.role, unit_id=unit.id, actor=principal.actor
        )
    return (await _staff_read(session, principal, [account]))[0]


@router.post("/api/staff/{account_id}/grants", status_code=201)
async def add_grant(
    account_id: uuid.UUID,
    body: RoleGrantCreate,
    session: DbSession,
    principal: Annotated[Principal, Depends(require("staff:write"))],
) -> RoleGrantRead:
    """Grant a role over a unit's subtree, if the caller could hold that role there."""
    account = await session.get(StaffAccount, account_id)
    if account is None:
        raise NotFound("staff account not found", code="account_not_found")
    unit = await _visible_unit(session, principal, body.unit_id)
    _authorize_grant(principal, body.role, unit)
    grant = await service.grant_role(
        session, account_id=account.id, role=body.role, unit_id=unit.id, actor=principal.actor
    )
    return RoleGrantRead(
        id=grant.id,
        role=grant.role,
        role_label=role_label(grant.role, principal.locale),
        unit_id=unit.id,
        unit_code=unit.code,
        created_at=grant.created_at,
    )


@router.delete("/api/staff/{account_id}/grants/{grant_id}", status_code=204)
async def remove_grant(
    account_id: uuid.UUID,
    grant_id: uuid.UUID,
    session: DbSession,
    principal: Annotated[Principal, Depends(require("staff:write"))],
) -> None:
    """Revoke a role grant inside the caller's reach."""
    grant = await session.get(RoleGrant, grant_id)
    if grant is None or grant.account_id != account_id:
        raise NotFound("grant not found", code="grant_not_found")
    unit = await org_service.get_unit(session, grant.unit_id)
    if not principal.can("staff:read", unit.path):
        raise NotFound("grant not found", code="grant_not_found")
    _authorize_grant(principal, grant.role, unit)
    await service.revoke_role(session, grant_id=grant.id, actor=principal.actor)


@router.get("/api/audit")
async def list_audit(
    session: DbSession,
    principal: Annotated[Principal, Depends(require("audit:read"))],
    paging: Paging,
    action: Key | None = None,
    actor: Key | None = None,
    target_id: Key | None = None,
) -> AuditPage:
    """List audit entries in the caller's scope, newest first.

    Entries tied to no place (sign-ins, accounts, tokens) are shown to auditors of a root unit.
    """
    visible = principal.scope("audit:read", AuditEntry.org_path)
    if any(path.count("/") == 2 for path in principal.paths_for("audit:read")):
        visible = or_(visible, AuditEntry.org_path.is_(None))
    stmt = select(AuditEntry).where(visible)
    if action:
        stmt = stmt.where(AuditEntry.action == action)
    if actor:
        stmt = stmt.where(AuditEntry.actor == actor)
    if target_id:
        stmt = stmt.where(AuditEntry.target_id == target_id)
    page = await keyset_page(session, stmt, AUDIT_ORDER, paging)
    staff = await people(session, actors=[e.actor for e in page.items])
    items = [
        AuditRead.model_validate(e).model_copy(
            update={"actor_name": p.display_name if (p := staff.get(e.actor)) else None}
        )
        for e in page.items
    ]
    return AuditPage(items=items, **page_meta(page))
