"""Staff's proposals pages (`/community/proposals`): the queue of unanswered proposals of their
subtree, and a proposal's page where they answer and move its state, hide comments, and track
the result (progress, milestones, linked cases). Plain forms that post and redirect, so they
work without a script; a refusal shows the page again with the reason."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from linli.core.errors import LinliError, ValidationFailed
from linli.core.i18n import N_
from linli.core.pagination import PageQuery
from linli.core.schemas import Key
from linli.org import service as org_service
from linli.participation.proposals import service as proposals
from linli.security.deps import DbSession, require_page
from linli.security.permissions import Principal
from linli.web.frame import page_context, viewer_timezone
from linli.web.paging import PageCursor, pager
from linli.web.templating import page_locale, render

router = APIRouter(include_in_schema=False)

Reader = Annotated[Principal, Depends(require_page("participation:read"))]
Moderator = Annotated[Principal, Depends(require_page("participation:moderate"))]
Answerer = Annotated[Principal, Depends(require_page("participation:answer"))]
Text = Annotated[str, Form(max_length=4000)]


@router.get("/community/proposals")
async def queue_page(
    request: Request,
    session: DbSession,
    principal: Reader,
    status: Annotated[Key, Query()] = "not_answered",
    cursor: PageCursor = None,
) -> Response:
    """List the proposals of my subtree in a state (the unanswered ones first of all)."""
    locale = page_locale(request, principal.locale)
    chosen = status if status in proposals.STATUSES else "not_answered"
    page = await proposals.list_staff(
        session, principal, status=chosen, paging=PageQuery(cursor=cursor)
    )
    return render(
        request,
        "community_proposals.html",
        locale=locale,
        timezone=await viewer_timezone(session, principal),
        proposals=page.items,
        units=await proposals.units_of(session, page.items),
        counts=await proposals.count_by_status(session, principal),
        status=chosen,
        statuses=proposals.STATUSES,
        pages=pager(request, page, locale=locale),
        active="proposals",
        **page_context(principal),
    )


async def _detail(
    request: Request,
    session: Any,
    principal: Principal,
    proposal_id: uuid.UUID,
    *,
    error: str | None = None,
    status_code: int = 200,
    cursor: str | None = None,
) -> Response:
    proposal = await proposals.load_for_staff(session, proposal_id, principal)
    unit = await org_service.get_unit(session, proposal.org_unit_id)
    locale = page_locale(request, principal.locale)
    comments = await proposals.comments(session, proposal, paging=PageQuery(cursor=cursor))
    return render(
        request,
        "community_proposal.html",
        locale=locale,
        status_code=status_code,
        timezone=await org_service.site_timezone(session, unit),
        proposal=proposal,
        unit=unit,
        answers=await proposals.answers(session, proposal),
        result=await proposals.result_view(session, proposal, locale=locale, public=False),
        comments=comments.items,
        pages=pager(request, comments, locale=locale),
        moves=proposals.next_states(proposal),
        can_answer=principal.can("participation:answer", proposal.org_path),
        can_moderate=principal.can("participation:moderate", proposal.org_path),
        error=error,
        active="proposals",
        **page_context(principal),
    )


@router.get("/community/proposals/{proposal_id}")
async def proposal_page(
    request: Request,
    session: DbSession,
    principal: Reader,
    proposal_id: uuid.UUID,
    cursor: PageCursor = None,
) -> Response:
    """Show a proposal of my subtree with the forms I may use on it."""
    return await _detail(request, session, principal, proposal_id, cursor=cursor)


async def _then_back(
    request: Request, session: Any, principal: Principal, proposal_id: uuid.UUID, action: Any
) -> Response:
    """Run a form's action; on success go back to the page, else show it with the reason."""
    try:
        await action
    except LinliError as err:
        if err.status == 404:
            raise
        await session.rollback()
        return await _detail(
            request, session, principal, proposal_id, error=err.detail, status_code=err.status
        )
    return RedirectResponse(f"/community/proposals/{proposal_id}", status_code=303)


@router.post("/community/proposals/{proposal_id}/answer")
async def answer_form(
    request: Request,
    session: DbSession,
    principal: Answerer,
    proposal_id: uuid.UUID,
    status: Annotated[str, Form(max_length=64)],
    text: Text = "",
) -> Response:
    """Post an official answer and move the proposal's state."""
    if not text.strip():
        action: Any = _refuse(N_("Please write the answer people will read."))
    else:
        action = proposals.answer(session, principal, proposal_id, status=status, text=text)
    return await _then_back(request, session, principal, proposal_id, action)


async def _refuse(detail: str) -> None:
    raise ValidationFailed(detail, code="text_required")


@router.post("/community/proposals/{proposal_id}/comments/{comment_id}/hide")
async def hide_form(
    request: Request,
    session: DbSession,
    principal: Moderator,
    proposal_id: uuid.UUID,
    comment_id: uuid.UUID,
    reason: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    """Hide a comment with the reason people read in its place."""
    if not reason.strip():
        action: Any = _refuse(N_("Please give a reason."))
    else:
        action = proposals.hide_comment(session, principal, proposal_id, comment_id, reason=reason)
    return await _then_back(request, session, principal, proposal_id, action)


@router.post("/community/proposals/{proposal_id}/result")
async def progress_form(
    request: Request,
    session: DbSession,
    principal: Answerer,
    proposal_id: uuid.UUID,
    percent: Annotated[int, Form(ge=0, le=100)],
    status_text: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    """Say how far the result has come."""
    action = proposals.set_progress(
        session, principal, proposal_id, percent=percent, status_text=status_text
    )
    return await _then_back(request, session, principal, proposal_id, action)


@router.post("/community/proposals/{proposal_id}/milestones")
async def milestone_form(
    request: Request,
    session: DbSession,
    principal: Answerer,
    proposal_id: uuid.UUID,
    title: Annotated[str, Form(min_length=1, max_length=200)],
    due_on: Annotated[date, Form()],
) -> Response:
    """Add a milestone with its due day."""
    action = proposals.add_milestone(session, principal, proposal_id, title=title, due_on=due_on)
    return await _then_back(request, session, principal, proposal_id, action)


@router.post("/community/proposals/{proposal_id}/milestones/{milestone_id}/done")
async def milestone_done_form(
    request: Request,
    session: DbSession,
    principal: Answerer,
    proposal_id: uuid.UUID,
    milestone_id: uuid.UUID,
    done_on: Annotated[date, Form()],
) -> Response:
    """Record the day a milestone was reached."""
    action = proposals.update_milestone(
        session, principal, proposal_id, milestone_id, {"done_on": done_on}
    )
    return await _then_back(request, session, principal, proposal_id, action)


@router.post("/community/proposals/{proposal_id}/cases")
async def link_case_form(
    request: Request,
    session: DbSession,
    principal: Answerer,
    proposal_id: uuid.UUID,
    ref: Annotated[str, Form(min_length=1, max_length=32)],
) -> Response:
    """Link a case to the result by its reference."""
    action = proposals.link_case(session, principal, proposal_id, case_ref=ref)
    return await _then_back(request, session, principal, proposal_id, action)
