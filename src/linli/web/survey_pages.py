"""Survey pages for staff: the surveys of their area, and one survey's results.

Pages read through `linli.participation.surveys.service`; surveys are built, published and
closed through the JSON API (`/api/surveys`), and the results page links the CSV export.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from babel.numbers import format_decimal, format_percent
from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from linli.core import clock
from linli.core.pagination import PageQuery
from linli.org import service as org_service
from linli.participation.surveys import service as surveys_service
from linli.participation.surveys.models import text_in
from linli.security.deps import DbSession, require_page
from linli.security.permissions import Principal
from linli.web.frame import page_context, viewer_timezone
from linli.web.paging import PageCursor, pager
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
        active="surveys",
        **page_context(principal),
    )


@router.get("/community/surveys/{survey_id}")
async def survey_page(
    survey_id: uuid.UUID, request: Request, principal: Reader, session: DbSession
) -> Response:
    """Show one survey's results: per question the answers counted, the mean, the texts."""
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
        active="surveys",
        **page_context(principal),
    )
