"""HTTP adapters of resident accounts: sign-in by code, the resident's own account, home,
verification, proxies (`/api/my/...`), and the staff side (`/api/resident-accounts`)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response

from linli.core.deps import Paging
from linli.core.errors import ValidationFailed
from linli.core.i18n import translations
from linli.core.pagination import page_meta
from linli.core.settings import get_settings
from linli.residents import service
from linli.residents.codes import service as codes
from linli.residents.deps import RESIDENT_COOKIE, resident, resolve
from linli.residents.errors import CodeRefused, SignInThrottled
from linli.residents.models import ProxyConsent, ResidentAccount
from linli.residents.proxies import service as proxies
from linli.residents.schemas import (
    AccountRead,
    AccountUpdate,
    ActingFor,
    CodeRequest,
    CodeSent,
    ConsentCreate,
    ConsentRead,
    HomeUpdate,
    MessagePage,
    MessageRead,
    PhoneCodeRequest,
    PhoneConfirm,
    RegistryMatch,
    SignInCreate,
    StaffAccountPage,
    StaffAccountRead,
    StaffConsentCreate,
    VerifyInPerson,
)
from linli.residents.types import LEVEL_LABELS, Level, ResidentActor
from linli.residents.verification import service as verification
from linli.security.deps import DbSession, client_address, public, require
from linli.security.permissions import Principal

router = APIRouter(tags=["residents"])

Own = Annotated[ResidentActor, Depends(resident(own=True))]
Acting = Annotated[ResidentActor, Depends(resident())]
THROTTLED: dict[int | str, dict[str, Any]] = {
    429: {"description": "Too many codes asked or tried (Retry-After)"}
}


def set_resident_cookie(response: Response, cookie: str) -> None:
    """Put the resident's session in the browser (HttpOnly, SameSite=Lax)."""
    response.set_cookie(
        RESIDENT_COOKIE,
        cookie,
        max_age=service.SESSION_DAYS * 86400,
        path="/",
        httponly=True,
        samesite="lax",
        secure=get_settings().cookie_secure,
    )


def clear_resident_cookie(response: Response) -> None:
    """Tell the browser to forget the resident's session."""
    response.delete_cookie(
        RESIDENT_COOKIE,
        path="/",
        httponly=True,
        samesite="lax",
        secure=get_settings().cookie_secure,
    )


def account_view(
    account: ResidentAccount, *, acting_for: uuid.UUID | None = None, csrf: str | None = None
) -> AccountRead:
    """Return the resident's own view of their account."""
    level = Level(account.level)
    return AccountRead(
        id=account.id,
        display_name=account.display_name,
        locale=account.locale,
        large_text=account.large_text,
        high_contrast=account.high_contrast,
        level=int(level),
        level_name=translations(account.locale).gettext(LEVEL_LABELS[level]),
        has_phone=account.phone_hash is not None,
        has_email=account.email_hash is not None,
        building_id=account.building_id,
        unit=account.unit,
        org_path=account.org_path,
        acting_for=acting_for,
        csrf_token=csrf,
    )


@router.post(
    "/api/my/sign-in/code",
    status_code=202,
    dependencies=[Depends(public)],
    responses=THROTTLED,
)
async def ask_code(body: CodeRequest, request: Request, session: DbSession) -> CodeSent:
    """Send a one-time sign-in code to an e-mail address or mobile number."""
    try:
        issued = await codes.request_code(
            session,
            contact=body.contact,
            client=client_address(request),
            locale=body.locale or "en",
        )
    except SignInThrottled:
        await session.commit()  # a refused request spends the address's budget too
        raise
    return CodeSent(minutes=service.CODE_MINUTES, development_code=issued.development_code)


@router.post(
    "/api/my/sign-in",
    dependencies=[Depends(public)],
    responses={401: {"description": "Wrong, expired or used code"}, **THROTTLED},
)
async def sign_in(
    body: SignInCreate, request: Request, session: DbSession, response: Response
) -> AccountRead:
    """Sign in (or sign up) with the code; set the session cookie."""
    try:
        done = await service.sign_in(
            session,
            contact=body.contact,
            code=body.code,
            client=client_address(request),
            display_name=body.display_name,
            locale=body.locale,
        )
    except (CodeRefused, SignInThrottled):
        await session.commit()  # the wrong try counts towards burning the code
        raise
    set_resident_cookie(response, done.cookie)
    return account_view(done.account, csrf=done.session.csrf_token)


@router.post("/api/my/sign-out", status_code=204)
async def sign_out(
    actor: Own, request: Request, session: DbSession, response: Response
) -> Response:
    """End the resident's session and clear its cookie."""
    cookie = request.cookies.get(RESIDENT_COOKIE)
    if cookie:
        await service.end_session(session, cookie)
    response.status_code = 204
    clear_resident_cookie(response)
    return response


@router.get("/api/my/account")
async def my_account(actor: Own, request: Request, session: DbSession) -> AccountRead:
    """Return the resident's own account (with the session's CSRF token)."""
    resolved = await resolve(request, session)
    return account_view(
        resolved.account,
        acting_for=resolved.session.acting_for_id,
        csrf=resolved.session.csrf_token,
    )


@router.patch("/api/my/account")
async def update_account(body: AccountUpdate, actor: Own, session: DbSession) -> AccountRead:
    """Change the resident's name, language, large text or high contrast."""
    account = await service.update_preferences(
        session, actor, **body.model_dump(exclude_unset=True)
    )
    return account_view(account)


@router.put("/api/my/home")
async def set_home(body: HomeUpdate, actor: Own, session: DbSession) -> AccountRead:
    """Say which building and unit the resident lives in."""
    account = await verification.set_home(
        session, actor, building_id=body.building_id, unit=body.unit
    )
    return account_view(account)


@router.post("/api/my/verification/registry", responses=THROTTLED)
async def match_registry(body: RegistryMatch, actor: Own, session: DbSession) -> AccountRead:
    """Verify the account against the household register (name, unit, ID-number suffix)."""
    try:
        account = await verification.match_registry(
            session,
            actor,
            building_id=body.building_id,
            unit=body.unit,
            name=body.name,
            id_suffix=body.id_suffix,
        )
    except ValidationFailed as err:
        if err.code == "no_match":
            await session.commit()  # the try counts, and is on the record
        raise
    return account_view(account)


@router.post("/api/my/phone/code", status_code=202, responses=THROTTLED)
async def ask_phone_code(
    body: PhoneCodeRequest, actor: Own, request: Request, session: DbSession
) -> CodeSent:
    """Send a code to a mobile number to add it to the account."""
    await codes.request_code(
        session,
        contact=body.phone,
        client=client_address(request),
        locale=actor.locale,
        purpose="add_phone",
        account_id=actor.account_id,
    )
    return CodeSent(minutes=service.CODE_MINUTES)


@router.post("/api/my/phone", responses={401: {"description": "Wrong or expired code"}})
async def confirm_phone(
    body: PhoneConfirm, actor: Own, request: Request, session: DbSession
) -> AccountRead:
    """Add the phone with the code sent to it: the account's phone is confirmed."""
    try:
        account = await service.confirm_phone(
            session, actor, phone=body.phone, code=body.code, client=client_address(request)
        )
    except CodeRefused:
        await session.commit()
        raise
    return account_view(account)


async def consent_views(session: DbSession, consents: list[ProxyConsent]) -> list[ConsentRead]:
    """Return consents with the display names of both people."""
    names = await service.names_of(
        session, {c.senior_id for c in consents} | {c.proxy_id for c in consents}
    )
    return [
        ConsentRead.model_validate(c).model_copy(
            update={"senior_name": names.get(c.senior_id), "proxy_name": names.get(c.proxy_id)}
        )
        for c in consents
    ]


@router.get("/api/my/consents")
async def my_consents(actor: Own, session: DbSession) -> list[ConsentRead]:
    """List the consents in force the resident gave (who acts for them) and received."""
    return await consent_views(session, await proxies.consents_of(session, actor.account_id))


@router.post("/api/my/consents", status_code=201, responses=THROTTLED)
async def give_consent(body: ConsentCreate, actor: Own, session: DbSession) -> ConsentRead:
    """Let another resident (named by their e-mail or phone) act for this resident."""
    consent = await proxies.give_consent(session, actor, proxy_contact=body.proxy_contact)
    return (await consent_views(session, [consent]))[0]


@router.delete("/api/my/consents/{consent_id}", status_code=204)
async def revoke_consent(consent_id: uuid.UUID, actor: Own, session: DbSession) -> Response:
    """Revoke a consent the resident gave or received; it stops at once."""
    await proxies.revoke_consent(session, consent_id, actor=actor)
    return Response(status_code=204)


@router.put("/api/my/acting-for")
async def act_for(body: ActingFor, actor: Own, request: Request, session: DbSession) -> AccountRead:
    """Act for a senior who consented (or, with no senior, for oneself again)."""
    resolved = await resolve(request, session)
    web = await proxies.act_for(session, resolved, senior_id=body.senior_id)
    return account_view(resolved.account, acting_for=web.acting_for_id)


@router.get("/api/my/messages")
async def my_messages(actor: Acting, session: DbSession, paging: Paging) -> MessagePage:
    """List the messages the portal holds for the resident, newest first."""
    page = await service.inbox(session, actor, paging=paging)
    return MessagePage(items=[MessageRead.model_validate(m) for m in page.items], **page_meta(page))


# --- staff ------------------------------------------------------------------------------------


def staff_view(account: ResidentAccount, *, reveal: bool) -> StaffAccountRead:
    """Return an account as staff see it; the name only when revealed."""
    level = Level(account.level)
    return StaffAccountRead(
        id=account.id,
        display_name=account.display_name if reveal else None,
        level=int(level),
        level_name=LEVEL_LABELS[level],
        building_id=account.building_id,
        unit=account.unit,
        org_path=account.org_path,
        verified_at=account.verified_at,
        verified_by=account.verified_by,
        created_at=account.created_at,
        revealed=reveal,
    )


@router.get("/api/resident-accounts")
async def staff_accounts(
    session: DbSession,
    paging: Paging,
    principal: Principal = Depends(require("residents:read")),
) -> StaffAccountPage:
    """List the resident accounts whose home is in the caller's subtree, newest first."""
    page = await verification.staff_accounts_page(session, principal=principal, paging=paging)
    return StaffAccountPage(
        items=[staff_view(a, reveal=False) for a in page.items], **page_meta(page)
    )


@router.get("/api/resident-accounts/{resident_account_id}")
async def staff_account(
    resident_account_id: uuid.UUID,
    session: DbSession,
    reveal: Annotated[
        bool, Query(description="show the name (needs residents:pii; audited)")
    ] = False,
    principal: Principal = Depends(require("residents:read")),
) -> StaffAccountRead:
    """Return one resident account; `reveal=true` shows the name, an audited read."""
    account = await verification.staff_get_account(
        session, resident_account_id, principal=principal, reveal=reveal
    )
    return staff_view(account, reveal=reveal)


@router.post("/api/resident-accounts/{resident_account_id}/verify")
async def verify_in_person(
    resident_account_id: uuid.UUID,
    body: VerifyInPerson,
    session: DbSession,
    principal: Principal = Depends(require("residents:verify")),
) -> StaffAccountRead:
    """Record that the resident was confirmed in person (level: verified in person)."""
    account = await verification.verify_in_person(
        session, resident_account_id, principal=principal, note=body.note
    )
    return staff_view(account, reveal=False)


@router.post("/api/resident-accounts/{resident_account_id}/consents", status_code=201)
async def record_consent(
    resident_account_id: uuid.UUID,
    body: StaffConsentCreate,
    session: DbSession,
    principal: Principal = Depends(require("residents:verify")),
) -> ConsentRead:
    """Record a senior's consent given in person to staff, for another resident to act for them."""
    consent = await proxies.record_consent_in_person(
        session, principal=principal, senior_id=resident_account_id, proxy_id=body.proxy_id
    )
    return (await consent_views(session, [consent]))[0]


@router.delete(
    "/api/resident-accounts/{resident_account_id}/consents/{consent_id}", status_code=204
)
async def staff_revoke_consent(
    resident_account_id: uuid.UUID,
    consent_id: uuid.UUID,
    session: DbSession,
    principal: Principal = Depends(require("residents:verify")),
) -> Response:
    """Revoke a senior's consent, as staff (e.g. asked to in person)."""
    await proxies.revoke_consent(
        session, consent_id, principal=principal, senior_id=resident_account_id
    )
    return Response(status_code=204)
