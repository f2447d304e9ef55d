"""The resident's vote pages: the votes open over their home at `/my/budgets`, and a ballot form
whose running total works without a script (the "Add up my choices" button asks the server) and
which, once cast, shows the receipt without the choice.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import FormData

from linli.core.errors import LinliError
from linli.core.pagination import PageQuery
from linli.org import service as org_service
from linli.participation.ballots import service
from linli.participation.ballots.models import Vote
from linli.residents.deps import resident, resolve
from linli.residents.types import ResidentActor
from linli.security.deps import DbSession
from linli.web.portal_frame import portal_locale, portal_page

router = APIRouter(include_in_schema=False)

LIST_LIMIT = 50
NO_STORE = {"Cache-Control": "no-store"}

Voter = Annotated[ResidentActor, Depends(resident(page=True))]


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def _chosen(form: FormData, options: list[Any]) -> list[uuid.UUID]:
    """Return the options ticked on a ballot form, in ballot order."""
    ticked = set(form.getlist("option"))
    return [o.id for o in options if str(o.id) in ticked]


async def _ballot_page(
    request: Request,
    session: AsyncSession,
    actor: ResidentActor,
    vote: Vote,
    *,
    csrf: str,
    chosen: list[uuid.UUID] | None = None,
    error: str | None = None,
    status_code: int = 200,
    counted: bool = False,
) -> Response:
    view = await service.view_vote(session, vote)
    picked = set(chosen or [])
    total = sum(o.cost or 0 for o in view.options if o.id in picked)
    receipt = await service.receipt(session, actor, vote.id)
    return await portal_page(
        request,
        session,
        "my_ballot.html",
        locale=portal_locale(request, actor.locale),
        status_code=status_code,
        timezone=await org_service.site_timezone(session, vote.unit_id),
        v=vote,
        view=view,
        picked=picked,
        total=total,
        receipt=receipt,
        counted=counted,
        error=error,
        may_vote=actor.meets(service.need_of(vote)),
        level=service.level_name(vote),
        resident_csrf=csrf,
        page_path=f"/my/budgets/{vote.id}",
        headers=NO_STORE,
    )


async def _resident_csrf(request: Request, session: AsyncSession) -> str:
    """Return the resident session's CSRF token, for the page's forms."""
    resolved = await resolve(request, session)
    return resolved.session.csrf_token


@router.get("/my/budgets")
async def my_budgets(request: Request, actor: Voter, session: DbSession) -> Response:
    """List the votes and participatory budgets open over the resident's home."""
    page = await service.open_votes(session, actor, paging=PageQuery(limit=LIST_LIMIT))
    return await portal_page(
        request,
        session,
        "my_budgets.html",
        locale=portal_locale(request, actor.locale),
        votes=page.items,
        page_path="/my/budgets",
        headers=NO_STORE,
    )


@router.get("/my/budgets/{vote_id}")
async def my_ballot(
    vote_id: uuid.UUID, request: Request, actor: Voter, session: DbSession, counted: bool = False
) -> Response:
    """Show the ballot form (with the running total of a budget), or the resident's receipt."""
    vote = await service.vote_for(session, actor, vote_id)
    csrf = await _resident_csrf(request, session)
    return await _ballot_page(request, session, actor, vote, csrf=csrf, counted=counted)


@router.post("/my/budgets/{vote_id}")
async def cast_from_form(
    vote_id: uuid.UUID, request: Request, actor: Voter, session: DbSession
) -> Response:
    """Add up the ticked projects ("total"), or cast the ballot and show the receipt."""
    vote = await service.vote_for(session, actor, vote_id)
    csrf = await _resident_csrf(request, session)  # read before a refusal's rollback
    form = await request.form()
    options = (await service.view_vote(session, vote)).options
    chosen = _chosen(form, options)
    if _text(form, "action") == "total":
        return await _ballot_page(request, session, actor, vote, csrf=csrf, chosen=chosen)
    try:
        await service.cast_ballot(session, actor, vote.id, chosen)
    except LinliError as err:
        if err.status not in (403, 409, 422):
            raise
        await session.rollback()  # nothing of a refused ballot stays
        vote = await service.vote_for(session, actor, vote_id)
        return await _ballot_page(
            request, session, actor, vote, csrf=csrf, chosen=chosen, error=err.code,
            status_code=err.status,
        )  # fmt: skip
    return RedirectResponse(f"/my/budgets/{vote_id}?counted=1", status_code=303)
