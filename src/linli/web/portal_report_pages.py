"""The resident portal's reports: report a problem (through the public report flow, with its
triage and "me too" joining), list one's reports in plain words, follow one, confirm or refuse
the fix and rate it. Plain forms and redirect-after-post; no JavaScript needed."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response

from linli.cases import service as cases_service
from linli.cases.evaluation import service as evaluation_service
from linli.cases.intake import service as intake_service
from linli.core.deps import Paging
from linli.core.errors import LinliError
from linli.residents.deps import resident
from linli.residents.reports import service as reports
from linli.residents.types import ResidentActor
from linli.security.deps import DbSession
from linli.web.portal_frame import portal_context, portal_render
from linli.web.resident_pages import category_groups, journey

router = APIRouter(include_in_schema=False)

ActingPage = Annotated[ResidentActor, Depends(resident(page=True))]
MAX_PHOTO = 8 * 1024 * 1024


@router.get("/my/reports")
async def my_reports(
    actor: ActingPage, request: Request, session: DbSession, paging: Paging
) -> Response:
    """List the resident's reports, newest first, with where each has got to."""
    context = await portal_context(request, session)
    page = await reports.my_reports(session, actor, paging=paging)
    return portal_render(
        request,
        "portal_reports.html",
        context,
        reports=[(r, journey(r.case.status)) for r in page.items],
        next_cursor=page.next,
    )


async def _new_form(
    request: Request,
    session: DbSession,
    *,
    error: str | None = None,
    status_code: int = 200,
    text: str = "",
    category_code: str = "",
) -> Response:
    context = await portal_context(request, session)
    locale = context["account"].locale
    loose, groups = category_groups(await cases_service.list_categories(session), locale)
    return portal_render(
        request,
        "portal_report_new.html",
        context,
        status_code=status_code,
        loose_categories=loose,
        category_groups=groups,
        category_required=await intake_service.current_triage_model(session) is None,
        error=error,
        text=text,
        category_code=category_code,
    )


@router.get("/my/reports/new")
async def new_report(actor: ActingPage, request: Request, session: DbSession) -> Response:
    """Show the form to report a problem."""
    return await _new_form(request, session)


@router.post("/my/reports/new")
async def new_report_post(
    actor: ActingPage,
    request: Request,
    session: DbSession,
    text: Annotated[str, Form(max_length=4000)] = "",
    category_code: Annotated[str, Form(max_length=64)] = "",
    share_contact: Annotated[str, Form(max_length=8)] = "",
    decided: Annotated[str, Form(max_length=8)] = "",
    join_ref: Annotated[str, Form(max_length=64)] = "",
    key: Annotated[str, Form(max_length=64)] = "",
    photo: Annotated[UploadFile | None, File()] = None,
) -> Response:
    """Send the report: first offer the open reports it may repeat, then join one or send it
    as new."""
    data = await photo.read(MAX_PHOTO + 1) if photo is not None and photo.filename else None
    try:
        if data is not None and len(data) > MAX_PHOTO:
            raise LinliError("the photo is too large", code="photo_too_large")
        if join_ref:
            link = await reports.join(session, actor, ref=join_ref, text=text)
        else:
            if not decided:
                found = await reports.similar(
                    session, actor, text=text, lon=None, lat=None, category_code=category_code
                )
                if found:
                    context = await portal_context(request, session)
                    return portal_render(
                        request,
                        "portal_report_similar.html",
                        context,
                        similar=found,
                        text=text,
                        category_code=category_code,
                        share_contact=share_contact,
                    )
            link = await reports.report(
                session,
                actor,
                text=text,
                category_code=category_code or None,
                photo=data,
                share_contact=bool(share_contact),
                idempotency_key=key or None,
            )
    except LinliError as err:
        await session.rollback()
        return await _new_form(
            request,
            session,
            error=err.code,
            status_code=err.status if err.status < 500 else 422,
            text=text,
            category_code=category_code,
        )
    return RedirectResponse(f"/my/reports/{link.id}", status_code=303)


@router.get("/my/reports/{report_id}")
async def my_report(
    report_id: uuid.UUID, actor: ActingPage, request: Request, session: DbSession
) -> Response:
    """Follow one of the resident's reports: its steps, the team's messages, and the fix."""
    context = await portal_context(request, session)
    mine = await reports.my_report(session, actor, report_id)
    status = await intake_service.follow_public_report(session, mine.link.token)
    feedback = await evaluation_service.feedback(session, mine.link.token)
    category = next(
        (c for c in await cases_service.list_categories(session) if c.code == status.category_code),
        None,
    )
    return portal_render(
        request,
        "portal_report.html",
        context,
        mine=mine,
        report=status,
        category=category,
        steps=journey(status.status),
        notes=list(reversed([(n.at, n.status, n.note) for n in status.notes])),
        feedback=feedback,
        timezone=status.timezone,
        done=request.query_params.get("done"),
        error=request.query_params.get("error"),
    )


async def _fix_action(
    session: DbSession, report_id: uuid.UUID, action: object, done: str
) -> Response:
    try:
        await action()  # type: ignore[operator]
    except LinliError as err:
        await session.rollback()
        return RedirectResponse(f"/my/reports/{report_id}?error={err.code}", status_code=303)
    return RedirectResponse(f"/my/reports/{report_id}?done={done}", status_code=303)


@router.post("/my/reports/{report_id}/information")
async def add_information(
    report_id: uuid.UUID,
    actor: ActingPage,
    session: DbSession,
    text: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Add information to the report for the team handling it."""

    async def act() -> None:
        await reports.add_information(session, actor, report_id, text=text)

    return await _fix_action(session, report_id, act, "added")


@router.post("/my/reports/{report_id}/confirm")
async def confirm(report_id: uuid.UUID, actor: ActingPage, session: DbSession) -> Response:
    """Confirm that the problem is fixed."""

    async def act() -> None:
        await reports.confirm_fix(session, actor, report_id)

    return await _fix_action(session, report_id, act, "confirmed")


@router.post("/my/reports/{report_id}/refuse")
async def refuse(
    report_id: uuid.UUID,
    actor: ActingPage,
    session: DbSession,
    reason: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    """Say that the problem is not fixed, and what is still wrong."""

    async def act() -> None:
        await reports.refuse_fix(session, actor, report_id, reason=reason)

    return await _fix_action(session, report_id, act, "refused")


@router.post("/my/reports/{report_id}/rating")
async def rate(
    report_id: uuid.UUID,
    actor: ActingPage,
    session: DbSession,
    score: Annotated[int, Form(ge=1, le=5)] = 5,
    comment: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    """Rate how the report was handled."""

    async def act() -> None:
        await reports.rate(session, actor, report_id, score=score, comment=comment or None)

    return await _fix_action(session, report_id, act, "rated")
