"""A resident's proposals pages (`/my/proposals`): their own proposals and the form for a new
one, and a proposal with the forms to support it (or take the support back), comment, and
withdraw it when it is theirs. Plain forms that post and redirect, so they work without a
script; what each action needs (a home in the proposal's area) is checked by the service, and
a refusal shows the page again with the reason."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession

from linli.core.errors import LinliError, NotFound
from linli.core.i18n import N_
from linli.core.pagination import PageQuery
from linli.core.schemas import Key
from linli.org import service as org_service
from linli.participation.proposals import service as proposals
from linli.residents.deps import resident
from linli.residents.types import ResidentActor
from linli.security.deps import DbSession
from linli.web.paging import PageCursor, pager
from linli.web.portal_frame import portal_locale, portal_page

router = APIRouter(include_in_schema=False)

# What a resident reads when an action is refused, by the error's code (else its detail).
REFUSALS = {
    "outside_area": N_("This is only for residents of its area."),
    "verification_needed": N_("Your account needs a higher verification level for this."),
    "proposal_closed": N_("This proposal is decided: it takes no more supports or comments."),
    "illegal_transition": N_("This proposal can no longer be withdrawn."),
    "not_the_author": N_("Only the proposal's author may withdraw it."),
}
CHOOSE_AREA = N_("Please choose an area.")
WRITE_PROPOSAL = N_("Please write a title and what you propose.")
WRITE_COMMENT = N_("Please write a comment.")

Resident = Annotated[ResidentActor, Depends(resident(page=True))]
Short = Annotated[str, Form(max_length=200)]


def _csrf(request: Request) -> str:
    """Return the resident session's CSRF token for the forms (read once: a refused action
    rolls the transaction back, which expires the session row)."""
    kept = getattr(request.state, "resident_csrf", None)
    if isinstance(kept, str):
        return kept
    resolved = getattr(request.state, "resident", None)
    token = str(resolved.session.csrf_token) if resolved is not None else ""
    request.state.resident_csrf = token
    return token


async def _mine(
    request: Request,
    session: AsyncSession,
    actor: ResidentActor,
    *,
    error: str | None = None,
    status_code: int = 200,
    form: dict[str, str] | None = None,
    cursor: str | None = None,
) -> Response:
    locale = portal_locale(request, actor.locale)
    page = await proposals.list_mine(session, actor, paging=PageQuery(cursor=cursor))
    return await portal_page(
        request,
        session,
        "my_proposals.html",
        locale=locale,
        status_code=status_code,
        proposals=page.items,
        units=await proposals.units_of(session, page.items),
        areas=await proposals.home_areas(session, actor),
        pages=pager(request, page, locale=locale),
        error=error,
        form=form or {},
        csrf_token=_csrf(request),
        page_path="/my/proposals",
    )


@router.get("/my/proposals")
async def my_proposals_page(
    request: Request, session: DbSession, actor: Resident, cursor: PageCursor = None
) -> Response:
    """List my proposals and offer the form for a new one."""
    return await _mine(request, session, actor, cursor=cursor)


@router.post("/my/proposals")
async def propose_form(
    request: Request,
    session: DbSession,
    actor: Resident,
    area_id: Annotated[str, Form(max_length=64)] = "",
    title: Short = "",
    body: Annotated[str, Form(max_length=4000)] = "",
    place: Short = "",
    display_name: Annotated[str, Form(max_length=60)] = "",
) -> Response:
    """Make a proposal from the form, then show it."""
    _csrf(request)
    form = {"area_id": area_id, "title": title, "body": body, "place": place,
            "display_name": display_name}  # fmt: skip
    try:
        area = uuid.UUID(area_id)
    except ValueError:
        return await _mine(request, session, actor, error=CHOOSE_AREA,
                           status_code=422, form=form)  # fmt: skip
    if not title.strip() or not body.strip():
        return await _mine(request, session, actor, error=WRITE_PROPOSAL,
                           status_code=422, form=form)  # fmt: skip
    try:
        made = await proposals.propose(
            session, actor, area_id=area, title=title, body=body, place=place,
            display_name=display_name,
        )  # fmt: skip
    except LinliError as err:
        await session.rollback()
        reason = REFUSALS.get(err.code, err.detail)
        return await _mine(request, session, actor, error=reason, status_code=err.status,
                           form=form)  # fmt: skip
    return RedirectResponse(f"/my/proposals/{made.ref}", status_code=303)


async def _one(
    request: Request,
    session: AsyncSession,
    actor: ResidentActor,
    ref: str,
    *,
    error: str | None = None,
    status_code: int = 200,
    cursor: str | None = None,
) -> Response:
    locale = portal_locale(request, actor.locale)
    proposal = await proposals.get_public(session, ref)
    unit = await org_service.get_unit(session, proposal.org_unit_id)
    comments = await proposals.comments(session, proposal, paging=PageQuery(cursor=cursor))
    return await portal_page(
        request,
        session,
        "my_proposal.html",
        locale=locale,
        status_code=status_code,
        timezone=await org_service.site_timezone(session, unit),
        proposal=proposal,
        unit=unit,
        supported=proposal.id in await proposals.supported(session, actor, [proposal]),
        mine=proposal.author_id == actor.account_id,
        may_take_part=actor.meets(proposals.take_part_need(proposal)),
        answers=await proposals.answers(session, proposal),
        result=await proposals.result_view(session, proposal, locale=locale),
        comments=comments.items,
        pages=pager(request, comments, locale=locale),
        error=error,
        csrf_token=_csrf(request),
        page_path=f"/my/proposals/{ref}",
    )


@router.get("/my/proposals/{ref}")
async def my_proposal_page(
    request: Request, session: DbSession, actor: Resident, ref: Key, cursor: PageCursor = None
) -> Response:
    """Show a proposal with what I may do on it."""
    return await _one(request, session, actor, ref, cursor=cursor)


async def _then_back(
    request: Request, session: AsyncSession, actor: ResidentActor, ref: str,
    action: Awaitable[Any],
) -> Response:  # fmt: skip
    _csrf(request)
    try:
        await action
    except NotFound:
        raise
    except LinliError as err:
        await session.rollback()
        reason = REFUSALS.get(err.code, err.detail)
        return await _one(request, session, actor, ref, error=reason, status_code=err.status)
    return RedirectResponse(f"/my/proposals/{ref}", status_code=303)


@router.post("/my/proposals/{ref}/support")
async def support_form(request: Request, session: DbSession, actor: Resident, ref: Key) -> Response:
    """Support the proposal."""
    return await _then_back(request, session, actor, ref, proposals.support(session, actor, ref))


@router.post("/my/proposals/{ref}/unsupport")
async def unsupport_form(
    request: Request, session: DbSession, actor: Resident, ref: Key
) -> Response:
    """Take my support back."""
    action = proposals.unsupport(session, actor, ref)
    return await _then_back(request, session, actor, ref, action)


@router.post("/my/proposals/{ref}/comments")
async def comment_form(
    request: Request,
    session: DbSession,
    actor: Resident,
    ref: Key,
    body: Annotated[str, Form(max_length=2000)] = "",
    display_name: Annotated[str, Form(max_length=60)] = "",
) -> Response:
    """Comment on the proposal."""
    if not body.strip():
        return await _one(request, session, actor, ref, error=WRITE_COMMENT,
                          status_code=422)  # fmt: skip
    action = proposals.comment(session, actor, ref, body=body, display_name=display_name)
    return await _then_back(request, session, actor, ref, action)


@router.post("/my/proposals/{ref}/withdraw")
async def withdraw_form(
    request: Request, session: DbSession, actor: Resident, ref: Key
) -> Response:
    """Withdraw my own proposal."""
    action = proposals.withdraw(session, actor, ref)
    return await _then_back(request, session, actor, ref, action)
