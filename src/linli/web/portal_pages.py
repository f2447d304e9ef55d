"""The resident portal's own pages: sign-in by code (sign-up is the same flow), home, household
(home, registry match, proxies and consents, acting for a senior), preferences and sign-out.

Plain forms posting and redirect-after-post, so everything works with JavaScript off; the
resident's language, large text and high contrast apply on every portal page.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from linli.core import i18n
from linli.core.errors import LinliError, NotFound
from linli.core.pagination import PageQuery
from linli.registry import service as registry_service
from linli.residents import service as residents_service
from linli.residents.api import clear_resident_cookie, set_resident_cookie
from linli.residents.codes import service as codes
from linli.residents.deps import RESIDENT_COOKIE, resident, resolve
from linli.residents.errors import CodeRefused, SignInThrottled
from linli.residents.proxies import service as proxies
from linli.residents.types import ResidentActor
from linli.residents.verification import service as verification
from linli.security.deps import DbSession, client_address, public
from linli.web.portal_frame import portal_context, portal_render
from linli.web.templating import page_locale, render

router = APIRouter(include_in_schema=False)

OwnPage = Annotated[ResidentActor, Depends(resident(page=True, own=True))]
ActingPage = Annotated[ResidentActor, Depends(resident(page=True))]


def safe_next(target: str | None) -> str:
    """Return where to go after signing in: a portal path only, never another site."""
    if target and target.startswith("/my") and not target.startswith("//"):
        return target
    return "/my"


def _see_other(path: str, note: str | None = None) -> RedirectResponse:
    return RedirectResponse(f"{path}?done={note}" if note else path, status_code=303)


# --- sign-in ----------------------------------------------------------------------------------


def _sign_in_page(
    request: Request,
    values: dict[str, Any],
    *,
    step: str,
    status_code: int = 200,
    error: str | None = None,
    retry_after: object = None,
    development_code: str | None = None,
) -> Response:
    values = dict(values)
    locale = page_locale(request, values.get("language") or None)
    return render(
        request,
        "portal_sign_in.html",
        locale=locale,
        status_code=status_code,
        step=step,
        error=error,
        next=safe_next(values.pop("next", None) or request.query_params.get("next")),
        page_path="/my/sign-in",
        minutes=codes.CODE_MINUTES,
        retry_after=retry_after,
        development_code=development_code,
        headers={"Cache-Control": "no-store"},
        contact=values.get("contact", ""),
        new_name=values.get("name", ""),
        language=values.get("language", ""),
    )


@router.get("/my/sign-in", dependencies=[Depends(public)])
async def sign_in_form(request: Request) -> Response:
    """Show the sign-in (and sign-up) form: an e-mail address or a mobile number."""
    return _sign_in_page(request, {}, step="contact")


@router.post("/my/sign-in", dependencies=[Depends(public)])
async def sign_in_post(
    request: Request,
    session: DbSession,
    contact: Annotated[str, Form(max_length=254)] = "",
    code: Annotated[str, Form(max_length=12)] = "",
    name: Annotated[str, Form(max_length=100)] = "",
    language: Annotated[str, Form(max_length=16)] = "",
    next: Annotated[str, Form(max_length=500)] = "/my",
) -> Response:
    """Send a code to the contact, or check the code and sign in (creating the account)."""
    values = {"contact": contact, "name": name, "language": language, "next": next}
    if not code:
        try:
            issued = await codes.request_code(
                session,
                contact=contact,
                client=client_address(request),
                locale=i18n.normalise(language) or page_locale(request),
            )
        except SignInThrottled as err:
            await session.commit()
            return _sign_in_page(
                request,
                values,
                step="contact",
                status_code=429,
                error="throttled",
                retry_after=err.extra.get("retry_after"),
            )
        except LinliError:
            return _sign_in_page(
                request, values, step="contact", status_code=422, error="bad_contact"
            )
        return _sign_in_page(request, values, step="code", development_code=issued.development_code)
    try:
        done = await residents_service.sign_in(
            session,
            contact=contact,
            code=code,
            client=client_address(request),
            display_name=name or None,
            locale=i18n.normalise(language) or page_locale(request),
        )
    except (CodeRefused, SignInThrottled) as err:
        await session.commit()  # the wrong try counts
        status = 429 if isinstance(err, SignInThrottled) else 401
        return _sign_in_page(request, values, step="code", status_code=status, error=err.code)
    except LinliError:
        return _sign_in_page(request, values, step="contact", status_code=422, error="bad_contact")
    response = RedirectResponse(safe_next(next), status_code=303)
    set_resident_cookie(response, done.cookie)
    return response


@router.post("/my/sign-out")
async def sign_out_post(actor: OwnPage, request: Request, session: DbSession) -> Response:
    """End the resident's session and go back to the sign-in page."""
    cookie = request.cookies.get(RESIDENT_COOKIE)
    if cookie:
        await residents_service.end_session(session, cookie)
    response = RedirectResponse("/my/sign-in", status_code=303)
    clear_resident_cookie(response)
    return response


# --- home and preferences ---------------------------------------------------------------------


@router.get("/my")
async def home(actor: ActingPage, request: Request, session: DbSession) -> Response:
    """Show the resident's home: what is new, and every section of the portal."""
    context = await portal_context(request, session)
    news = await residents_service.inbox(session, actor, paging=PageQuery(limit=5))
    return portal_render(request, "portal_home.html", context, news=news.items)


@router.get("/my/preferences")
async def preferences(actor: OwnPage, request: Request, session: DbSession) -> Response:
    """Show the resident's name, language, large text and high contrast settings."""
    context = await portal_context(request, session)
    return portal_render(
        request, "portal_preferences.html", context, done=request.query_params.get("done")
    )


@router.post("/my/preferences")
async def preferences_post(
    actor: OwnPage,
    session: DbSession,
    name: Annotated[str, Form(max_length=100)] = "",
    language: Annotated[str, Form(max_length=16)] = "en",
    large_text: Annotated[str, Form(max_length=8)] = "",
    high_contrast: Annotated[str, Form(max_length=8)] = "",
) -> Response:
    """Save the preferences and show them again."""
    await residents_service.update_preferences(
        session,
        actor,
        display_name=name,
        locale=language,
        large_text=bool(large_text),
        high_contrast=bool(high_contrast),
    )
    return _see_other("/my/preferences", "saved")


# --- household --------------------------------------------------------------------------------


async def _household_page(
    request: Request,
    session: DbSession,
    actor: ResidentActor,
    *,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    context = await portal_context(request, session)
    account = context["account"]
    building = None
    if account.building_id is not None:
        try:
            building = await registry_service.get_building(session, account.building_id)
        except NotFound:
            building = None
    consents = await proxies.consents_of(session, actor.account_id)
    names = await residents_service.names_of(
        session, {c.senior_id for c in consents} | {c.proxy_id for c in consents}
    )
    return portal_render(
        request,
        "portal_household.html",
        context,
        status_code=status_code,
        building=building,
        given=[c for c in consents if c.senior_id == actor.account_id],
        received=[c for c in consents if c.proxy_id == actor.account_id],
        names=names,
        error=error,
        done=request.query_params.get("done"),
    )


@router.get("/my/household")
async def household(actor: OwnPage, request: Request, session: DbSession) -> Response:
    """Show the resident's home, how to get verified, and their proxies and consents."""
    return await _household_page(request, session, actor)


async def _building_by_code(session: DbSession, code: str) -> uuid.UUID:
    found, _ = await registry_service.list_buildings(session, principal=None, q=code.strip())
    exact = [b for b in found if b.code.casefold() == code.strip().casefold()]
    if len(exact) != 1:
        raise NotFound("no block with this code", code="unknown_building")
    return exact[0].id


async def _form_action(
    request: Request, session: DbSession, actor: ResidentActor, action: Any, done: str
) -> Response:
    """Run a household form's action: back to the page with a note, or the page with the
    reason it failed (nothing stored)."""
    try:
        await action()
    except LinliError as err:
        if err.code in ("no_match", "sign_in_throttled"):
            await session.commit()  # the try counts
        else:
            await session.rollback()
        return await _household_page(
            request, session, actor, error=err.code, status_code=err.status
        )
    return _see_other("/my/household", done)


@router.post("/my/household/home")
async def household_home(
    actor: OwnPage,
    request: Request,
    session: DbSession,
    block: Annotated[str, Form(max_length=64)] = "",
    unit: Annotated[str, Form(max_length=32)] = "",
) -> Response:
    """Save where the resident lives."""

    async def act() -> None:
        building_id = await _building_by_code(session, block)
        await verification.set_home(session, actor, building_id=building_id, unit=unit)

    return await _form_action(request, session, actor, act, "home")


@router.post("/my/household/verify")
async def household_verify(
    actor: OwnPage,
    request: Request,
    session: DbSession,
    name: Annotated[str, Form(max_length=200)] = "",
    block: Annotated[str, Form(max_length=64)] = "",
    unit: Annotated[str, Form(max_length=32)] = "",
    id_suffix: Annotated[str, Form(max_length=8)] = "",
) -> Response:
    """Verify the account against the household register."""

    async def act() -> None:
        building_id = await _building_by_code(session, block)
        await verification.match_registry(
            session, actor, building_id=building_id, unit=unit, name=name, id_suffix=id_suffix
        )

    return await _form_action(request, session, actor, act, "verified")


@router.post("/my/household/consents")
async def household_consent(
    actor: OwnPage,
    request: Request,
    session: DbSession,
    contact: Annotated[str, Form(max_length=254)] = "",
) -> Response:
    """Let another resident act for this resident."""

    async def act() -> None:
        await proxies.give_consent(session, actor, proxy_contact=contact)

    return await _form_action(request, session, actor, act, "consent")


@router.post("/my/household/consents/{consent_id}/revoke")
async def household_revoke(
    consent_id: uuid.UUID, actor: OwnPage, request: Request, session: DbSession
) -> Response:
    """Revoke a consent given or received."""

    async def act() -> None:
        await proxies.revoke_consent(session, consent_id, actor=actor)

    return await _form_action(request, session, actor, act, "revoked")


@router.post("/my/acting-for")
async def acting_for(
    actor: OwnPage,
    request: Request,
    session: DbSession,
    senior_id: Annotated[str, Form(max_length=36)] = "",
) -> Response:
    """Act for a senior who consented, or for oneself again (empty)."""

    async def act() -> None:
        resolved = await resolve(request, session)
        senior = uuid.UUID(senior_id) if senior_id else None
        await proxies.act_for(session, resolved, senior_id=senior)

    try:
        uuid.UUID(senior_id) if senior_id else None
    except ValueError:
        return await _household_page(request, session, actor, error="no_consent", status_code=422)
    result = await _form_action(request, session, actor, act, "acting")
    if result.status_code == 303:
        return RedirectResponse("/my", status_code=303)
    return result
