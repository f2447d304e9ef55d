"""Staff pages of notices to residents (`/community/notices`): the list, writing one (with its
audience counted before it goes out), its page with figures, publishing, scheduling and
withdrawing, the phone list where callers record each call, and the printable lists.

Every form is a plain form posting back here (redirect after post), so all of it works with
scripts off; the pages call the notices service, the same one the JSON API calls.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import FormData

from linli.core import i18n, localtime
from linli.core.errors import LinliError, ValidationFailed
from linli.core.pagination import PageQuery
from linli.org import service as org_service
from linli.org.models import OrgUnit
from linli.registry import service as registry_service
from linli.residents.notices import service
from linli.residents.notices.models import Notice
from linli.residents.notices.schemas import CallCreate, NoticeCreate, PublishRequest
from linli.security.deps import DbSession, require_page
from linli.security.permissions import Principal
from linli.web.frame import page_context, viewer_timezone
from linli.web.paging import PageCursor, pager
from linli.web.templating import page_locale, render

router = APIRouter(include_in_schema=False)

Reader = Annotated[Principal, Depends(require_page("notices:read"))]
Writer = Annotated[Principal, Depends(require_page("notices:write"))]
AREA_KINDS = ("district", "street", "community", "grid", "town", "zone")
LANGUAGES = ("en", "zh_Hans", "ms", "ta")
PRINT_LIMIT = 200  # a day's round of calls and visits


async def _frame(request: Request, session: AsyncSession, principal: Principal) -> dict[str, Any]:
    return {
        "locale": page_locale(request, principal.locale),
        "timezone": await viewer_timezone(session, principal),
        "active": "notices",
        "language_names": i18n.NATIVE_NAMES,
        **page_context(principal),
    }


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def _when(raw: str, timezone: str) -> datetime | None:
    """Read a `datetime-local` field written on the site's clock."""
    if not raw:
        return None
    try:
        naive = datetime.fromisoformat(raw)
    except ValueError as err:
        raise ValueError("a date and time") from err
    return naive.replace(tzinfo=localtime.zone(timezone))


@router.get("/community/notices")
async def notices_page(
    request: Request, principal: Reader, session: DbSession, cursor: PageCursor = None
) -> Response:
    """List the notices of my area, newest first."""
    frame = await _frame(request, session, principal)
    page = await service.notices_page(
        session, principal=principal, paging=PageQuery(cursor=cursor, limit=50, count=True)
    )
    units = {n.unit_id: await org_service.get_unit(session, n.unit_id) for n in page.items}
    return render(
        request,
        "community_notices.html",
        notices=page.items,
        units=units,
        pages=pager(request, page, locale=frame["locale"]),
        can_write=principal.has("notices:write"),
        **frame,
    )


async def _areas(session: AsyncSession, principal: Principal) -> list[OrgUnit]:
    found: list[OrgUnit] = []
    for grant in principal.grants:
        if grant.unit_path in principal.paths_for("notices:write"):
            unit = await org_service.get_unit(session, grant.unit_id)
            found += await org_service.subtree(session, unit, kinds=AREA_KINDS)
    return list({u.id: u for u in found}.values())


async def _form(
    request: Request,
    session: AsyncSession,
    principal: Principal,
    *,
    values: dict[str, Any],
    errors: list[str] | None = None,
    audience: Any = None,
    status_code: int = 200,
) -> Response:
    buildings, _ = await registry_service.list_buildings(session, principal=principal, limit=200)
    return render(
        request,
        "community_notice_form.html",
        status_code=status_code,
        values=values,
        errors=errors or [],
        audience=audience,
        areas=await _areas(session, principal),
        buildings=buildings,
        **await _frame(request, session, principal),
    )


@router.get("/community/notices/new")
async def new_notice_page(request: Request, principal: Writer, session: DbSession) -> Response:
    """Show the form to write a notice."""
    values = {"fallback_locale": "en", "group": "everyone", "building_ids": []}
    return await _form(request, session, principal, values=values)


def _values(form: FormData) -> dict[str, Any]:
    values: dict[str, Any] = {
        k: _text(form, k)
        for k in ("unit_id", "group", "fallback_locale", "publish_at", "expire_at", "action")
    }
    values["building_ids"] = [b for b in form.getlist("building_ids") if isinstance(b, str)]
    for lang in LANGUAGES:
        values[f"title_{lang}"] = _text(form, f"title_{lang}")
        values[f"body_{lang}"] = _text(form, f"body_{lang}")
    return values


def _create(values: dict[str, Any]) -> NoticeCreate:
    texts = {
        lang: {"title": values[f"title_{lang}"], "body": values[f"body_{lang}"]}
        for lang in LANGUAGES
        if values[f"title_{lang}"] or values[f"body_{lang}"]
    }
    return NoticeCreate.model_validate(
        {
            "unit_id": values["unit_id"] or None,
            "building_ids": values["building_ids"],
            "group": values["group"] or "everyone",
            "texts": texts,
            "fallback_locale": values["fallback_locale"] or "en",
        }
    )


def _problems(err: ValidationError) -> list[str]:
    return [f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in err.errors()]


@router.post("/community/notices/new")
async def create_notice(request: Request, principal: Writer, session: DbSession) -> Response:
    """Count the audience (`action=preview`), save a draft, or save and publish or schedule."""
    values = _values(await request.form())
    timezone = await viewer_timezone(session, principal)
    try:
        data = _create(values)
        schedule = PublishRequest(
            publish_at=_when(values["publish_at"], timezone),
            expire_at=_when(values["expire_at"], timezone),
        )
        if values["action"] == "preview":
            audience = await service.preview_audience(session, target=data, principal=principal)
            return await _form(request, session, principal, values=values, audience=audience)
        # All or nothing: a notice whose publication is refused is not kept as a draft.
        async with session.begin_nested():
            notice = await service.create_notice(session, data=data, principal=principal)
            if values["action"] == "publish":
                await service.publish_notice(session, notice.id, data=schedule, principal=principal)
    except ValidationError as err:
        return await _form(
            request, session, principal, values=values, errors=_problems(err), status_code=422
        )
    except (LinliError, ValueError) as err:
        reason = err.detail if isinstance(err, LinliError) else str(err)
        return await _form(
            request, session, principal, values=values, errors=[reason], status_code=422
        )
    return RedirectResponse(f"/community/notices/{notice.id}", status_code=303)


@router.get("/community/notices/{notice_id}")
async def notice_page(
    notice_id: uuid.UUID, request: Request, principal: Reader, session: DbSession
) -> Response:
    """Show a notice in every language it was written in, whom it is for and who has it."""
    notice = await service.get_notice(session, notice_id, principal=principal)
    building_ids = (await service.buildings_of(session, [notice]))[notice.id]
    buildings = [await registry_service.get_building(session, b) for b in building_ids]
    return render(
        request,
        "community_notice.html",
        n=notice,
        unit=await org_service.get_unit(session, notice.unit_id),
        buildings=buildings,
        audience=await service.audience_of(session, notice.id, principal=principal),
        figures=await service.figures(session, notice.id, principal=principal),
        can_write=principal.can("notices:write", notice.org_path),
        **await _frame(request, session, principal),
    )


@router.post("/community/notices/{notice_id}/publish")
async def publish_notice(
    notice_id: uuid.UUID, request: Request, principal: Writer, session: DbSession
) -> Response:
    """Publish now, or schedule for the time given (on the site's clock)."""
    form = await request.form()
    timezone = await viewer_timezone(session, principal)
    try:
        data = PublishRequest(
            publish_at=_when(_text(form, "publish_at"), timezone),
            expire_at=_when(_text(form, "expire_at"), timezone),
        )
    except ValueError as err:
        raise _bad_time() from err
    await service.publish_notice(session, notice_id, data=data, principal=principal)
    return RedirectResponse(f"/community/notices/{notice_id}", status_code=303)


def _bad_time() -> LinliError:
    return ValidationFailed("write a date and a time", code="bad_time")


@router.post("/community/notices/{notice_id}/withdraw")
async def withdraw_notice(notice_id: uuid.UUID, principal: Writer, session: DbSession) -> Response:
    """Take the notice back from residents."""
    await service.withdraw_notice(session, notice_id, principal=principal)
    return RedirectResponse(f"/community/notices/{notice_id}", status_code=303)


async def _offline(
    session: AsyncSession, notice: Notice, principal: Principal, *, reveal: bool, cursor: str | None
) -> Any:
    return await service.phone_list(
        session,
        notice.id,
        principal=principal,
        reveal=reveal,
        paging=PageQuery(cursor=cursor, limit=PRINT_LIMIT),
    )


@router.get("/community/notices/{notice_id}/calls")
async def calls_page(
    notice_id: uuid.UUID,
    request: Request,
    principal: Reader,
    session: DbSession,
    reveal: bool = False,
    cursor: PageCursor = None,
) -> Response:
    """The phone list: whom to call or visit, with a form to record each call's outcome."""
    notice = await service.get_notice(session, notice_id, principal=principal)
    frame = await _frame(request, session, principal)
    page = await _offline(session, notice, principal, reveal=reveal, cursor=cursor)
    return render(
        request,
        "community_notice_calls.html",
        n=notice,
        text=service.text_for(notice, frame["locale"]),
        rows=page.items,
        pages=pager(request, page, locale=frame["locale"]),
        reveal=reveal,
        can_reveal=principal.has("residents:pii"),
        can_write=principal.can("notices:write", notice.org_path),
        print_page=False,
        **frame,
    )


@router.post("/community/notices/{notice_id}/calls")
async def record_call(
    notice_id: uuid.UUID, request: Request, principal: Writer, session: DbSession
) -> Response:
    """Record a call's outcome and go back to the phone list."""
    form = await request.form()
    try:
        data = CallCreate.model_validate(
            {
                "resident_id": _text(form, "resident_id"),
                "outcome": _text(form, "outcome"),
                "note": _text(form, "note"),
            }
        )
    except ValidationError as err:
        raise ValidationFailed("choose what came of the call", code="bad_call") from err
    await service.record_call(session, notice_id, data=data, principal=principal)
    back = "?reveal=1" if _text(form, "reveal") == "1" else ""
    return RedirectResponse(f"/community/notices/{notice_id}/calls{back}", status_code=303)


@router.get("/community/notices/{notice_id}/print")
async def print_page(
    notice_id: uuid.UUID,
    request: Request,
    principal: Reader,
    session: DbSession,
    reveal: bool = False,
) -> Response:
    """Print the households to visit and the people to phone, with the notice's words in each
    one's language (phone-sized on screen, A4 on paper)."""
    notice = await service.get_notice(session, notice_id, principal=principal)
    frame = await _frame(request, session, principal)
    page = await _offline(session, notice, principal, reveal=reveal, cursor=None)
    buildings = {
        b: await registry_service.get_building(session, b)
        for b in {r.building_id for r in page.items}
    }
    return render(
        request,
        "community_notice_print.html",
        n=notice,
        to_visit=[r for r in page.items if r.method == "visit"],
        to_phone=[r for r in page.items if r.method != "visit"],
        words={r.language: service.text_for(notice, r.language) for r in page.items},
        buildings=buildings,
        more=page.next is not None,
        reveal=reveal,
        can_reveal=principal.has("residents:pii"),
        **frame,
    )
