"""Proposals as everyone reads them: the list (by state and area) and a proposal's page with
its supports, the official answers, the result's progress and linked cases, and comments.

Both pages are public and show only what is public: no accounts, no staff names, a resident's
name only as the display name they chose; a linked case by its public status only.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from linli.core import localtime
from linli.core.errors import LinliError, NotFound
from linli.core.pagination import PageQuery
from linli.core.schemas import Key
from linli.org import service as org_service
from linli.participation.proposals import service as proposals
from linli.security.deps import DbSession, public
from linli.web.paging import PageCursor, pager
from linli.web.templating import page_locale, render

router = APIRouter(include_in_schema=False)


def _dates(values: dict[str, datetime], timezones: dict[str, str], locale: str) -> dict[str, str]:
    return {
        key: localtime.format_when(v, timezone=timezones[key], locale=locale, part="date")
        for key, v in values.items()
    }


@router.get("/proposals", dependencies=[Depends(public)])
async def proposals_page(
    request: Request,
    session: DbSession,
    status: Annotated[Key | None, Query()] = None,
    area: Annotated[str | None, Query(max_length=64)] = None,
    cursor: PageCursor = None,
) -> Response:
    """List proposals, newest first, by state and area, a page at a time."""
    locale = page_locale(request)
    area_id = None
    if area:
        try:
            area_id = uuid.UUID(area)
        except ValueError:
            area_id = None
    try:
        page = await proposals.list_public(
            session, status=status or None, area_id=area_id, paging=PageQuery(cursor=cursor)
        )
        error = None
    except LinliError as err:
        page, error = await proposals.list_public(session), err.detail
        status, area_id = None, None
    units = await proposals.units_of(session, page.items)
    zones = {u: await org_service.site_timezone(session, units[u]) for u in units}
    made = _dates(
        {p.ref: p.created_at for p in page.items},
        {p.ref: zones[p.org_unit_id] for p in page.items},
        locale,
    )
    return render(
        request,
        "proposals.html",
        locale=locale,
        status_code=422 if error else 200,
        proposals=page.items,
        units=units,
        made=made,
        areas=await proposals.areas(session),
        status=status,
        area_id=area_id,
        error=error,
        statuses=proposals.STATUSES,
        pages=pager(request, page, locale=locale),
        page_path="/proposals",
    )


@router.get("/proposals/{ref}", dependencies=[Depends(public)])
async def proposal_page(
    request: Request,
    session: DbSession,
    ref: Key,
    cursor: PageCursor = None,
) -> Response:
    """Show a proposal: what it asks, its supports, official answers, result and comments."""
    locale = page_locale(request)
    try:
        proposal = await proposals.get_public(session, ref)
    except NotFound:
        return render(
            request, "proposal_missing.html", locale=locale, status_code=404,
            page_path=f"/proposals/{ref}",
        )  # fmt: skip
    unit = await org_service.get_unit(session, proposal.org_unit_id)
    comments = await proposals.comments(session, proposal, paging=PageQuery(cursor=cursor))
    return render(
        request,
        "proposal.html",
        locale=locale,
        timezone=await org_service.site_timezone(session, unit),
        proposal=proposal,
        unit=unit,
        answers=await proposals.answers(session, proposal),
        result=await proposals.result_view(session, proposal, locale=locale),
        comments=comments.items,
        pages=pager(request, comments, locale=locale),
        page_path=f"/proposals/{ref}",
    )
