"""Survey pages for staff: the surveys of their area, and one survey's results.

Pages call `linli.participation.surveys.service`, the same one the JSON API (`/api/surveys`)
calls: staff build a survey in a plain form (every text a field per language; "add another
question" posts back and shows one more block), change a draft, publish and close it; the
results page links the CSV export. Every form works with scripts off (redirect after post).
"""

from __future__ import annotations

import uuid
from typing import Annotated

from babel.numbers import format_decimal, format_percent
from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession

from linli.core import clock
from linli.core.errors import Conflict, ValidationFailed
from linli.core.i18n import N_
from linli.core.pagination import PageQuery
from linli.org import service as org_service
from linli.participation.surveys import service as surveys_service
from linli.participation.surveys.models import text_in
from linli.security.deps import DbSession, require_page
from linli.security.permissions import Principal
from linli.web.frame import page_context, viewer_timezone
from linli.web.paging import PageCursor, pager
from linli.web.survey_form_pages import FORM_ERRORS
from linli.web.templating import page_locale, render

router = APIRouter(include_in_schema=False)

Reader = Annotated[Principal, Depends(require_page("surveys:read"))]
LIST_LIMIT = 50


@router.get("/community/surveys")
async def surveys_page(
    request: Request, principal: Reader, session: DbSession, cursor: PageCursor = None
) -> Response:
    """List the surveys of the viewer's area, newest first."""
    locale = page_locale(request, principal.locale)
    page = await surveys_service.surveys_page(
        session, principal=principal, paging=PageQuery(cursor=cursor, limit=LIST_LIMIT, count=True)
    )
    units = {u: await org_service.get_unit(session, u) for u in {s.org_unit_id for s in page.items}}
    now = clock.now()
    return render(
        request,
        "surveys.html",
        locale=locale,
        timezone=await viewer_timezone(session, principal),
        surveys=[
            (s, text_in(s.title, locale), surveys_service.state_of(s, now)) for s in page.items
        ],
        units=units,
        total=page.total or 0,
        pages=pager(request, page, locale=locale),
        can_write=principal.has("surveys:write"),
        active="surveys",
        **page_context(principal),
    )


async def _results(
    request: Request,
    principal: Principal,
    session: AsyncSession,
    survey_id: uuid.UUID,
    *,
    error: str | None = None,
) -> Response:
    locale = page_locale(request, principal.locale)
    results = await surveys_service.survey_results(session, survey_id, principal=principal)
    survey = results.survey
    unit = await org_service.get_unit(session, survey.org_unit_id)

    def share(count: int, of: int) -> str:
        return format_percent(count / of, "#,##0%", locale=locale) if of else "—"

    return render(
        request,
        "survey_results.html",
        locale=locale,
        timezone=await viewer_timezone(session, principal),
        survey=survey,
        title=text_in(survey.title, locale),
        state=surveys_service.state_of(survey, clock.now()),
        unit=unit,
        results=results,
        text_in=text_in,
        share=share,
        mean=lambda v: "—" if v is None else format_decimal(v, "0.0#", locale=locale),
        rate="—" if results.response_rate is None else share(results.responses, results.audience),
        can_write=principal.can("surveys:write", survey.org_path),
        error=error,
        status_code=422 if error else 200,
        active="surveys",
        **page_context(principal),
    )


Writer = Annotated[Principal, Depends(require_page("surveys:write"))]


@router.post("/community/surveys/{survey_id}/publish")
async def publish_survey(
    survey_id: uuid.UUID, request: Request, principal: Writer, session: DbSession
) -> Response:
    """Publish a draft; a refusal shows the results page again with the reason."""
    try:
        async with session.begin_nested():
            await surveys_service.publish_survey(session, survey_id, principal=principal)
    except (ValidationFailed, Conflict) as err:
        reason = FORM_ERRORS.get(err.code, N_("This survey cannot be published now."))
        return await _results(request, principal, session, survey_id, error=reason)
    return RedirectResponse(f"/community/surveys/{survey_id}", status_code=303)


@router.post("/community/surveys/{survey_id}/close")
async def close_survey(
    survey_id: uuid.UUID, request: Request, principal: Writer, session: DbSession
) -> Response:
    """Close a published survey now."""
    try:
        async with session.begin_nested():
            await surveys_service.close_survey(session, survey_id, principal=principal)
    except Conflict:
        reason = N_("Only a published survey can be closed.")
        return await _results(request, principal, session, survey_id, error=reason)
    return RedirectResponse(f"/community/surveys/{survey_id}", status_code=303)


@router.get("/community/surveys/{survey_id}")
async def survey_page(
    survey_id: uuid.UUID, request: Request, principal: Reader, session: DbSession
) -> Response:
    """Show one survey's results: per question the answers counted, the mean, the texts."""
    return await _results(request, principal, session, survey_id)
