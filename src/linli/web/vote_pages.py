"""Vote pages: staff run votes at `/community/votes` (create, phases, paper ballots), and anybody
reads a vote's published results at `/votes/{id}/results` (residents vote in `my_vote_pages`).

Every form is a plain form posting to the page, which calls `linli.participation.ballots.service`
and redirects back (redirect-after-post); a refusal shows the page again with the reason.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import FormData

from linli.core.errors import LinliError
from linli.core.pagination import PageQuery
from linli.org import service as org_service
from linli.org.models import OrgUnit
from linli.participation.ballots import service
from linli.participation.ballots.models import PHASES, Vote
from linli.participation.ballots.schemas import OptionCount, OptionCreate, VoteCreate
from linli.security import people as people_service
from linli.security.deps import DbSession, public, require_page
from linli.security.permissions import Principal
from linli.web.frame import page_context, viewer_timezone
from linli.web.paging import PageCursor, pager
from linli.web.templating import page_locale, render

router = APIRouter(include_in_schema=False)

Officer = Annotated[Principal, Depends(require_page(service.PERMISSION))]
LIST_LIMIT = 50
NO_STORE = {"Cache-Control": "no-store"}


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def _number(form: FormData, name: str) -> int | None:
    raw = _text(form, name)
    return int(raw) if raw.lstrip("-").isdigit() else None


async def _units(session: AsyncSession, principal: Principal) -> list[OrgUnit]:
    """Return the units a vote may be held over: the officer's subtrees, departments aside."""
    found: list[OrgUnit] = []
    for grant in principal.grants:
        if not principal.can(service.PERMISSION, grant.unit_path):
            continue
        unit = await org_service.get_unit(session, grant.unit_id)
        found += [u for u in await org_service.subtree(session, unit) if u.kind != "department"]
    return list({u.id: u for u in found}.values())


def _options_from(text: str) -> list[dict[str, Any]]:
    """Read the options box: one option a line, a cost after a semicolon for budget votes."""
    options = []
    for line in text.splitlines():
        title, _, cost = line.partition(";")
        if not title.strip():
            continue
        option: dict[str, Any] = {"title": title.strip()}
        if cost.strip():
            option["cost"] = cost.strip()
        options.append(option)
    return options


async def _list(
    request: Request,
    principal: Principal,
    session: AsyncSession,
    *,
    cursor: str | None = None,
    values: dict[str, Any] | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    locale = page_locale(request, principal.locale)
    page = await service.list_votes(
        session, principal=principal, paging=PageQuery(cursor=cursor, limit=LIST_LIMIT, count=True)
    )
    units = await _units(session, principal)
    return render(
        request,
        "votes.html",
        locale=locale,
        status_code=status_code,
        timezone=await viewer_timezone(session, principal),
        votes=page.items,
        pages=pager(request, page, locale=locale),
        units=units,
        unit_of={u.id: u for u in units},
        values=values or {"kind": "budget", "need_level": "registry"},
        error=error,
        active="votes",
        **page_context(principal),
    )


@router.get("/community/votes")
async def votes_page(
    request: Request, principal: Officer, session: DbSession, cursor: PageCursor = None
) -> Response:
    """List the votes of the officer's area, newest first, with the form for a new one."""
    return await _list(request, principal, session, cursor=cursor)


@router.post("/community/votes")
async def create_vote(request: Request, principal: Officer, session: DbSession) -> Response:
    """Create a vote from the form; a refusal shows the form again with the reason."""
    form = await request.form()
    values = {k: _text(form, k) for k in form if k != "csrf_token"}
    body: dict[str, Any] = {
        k: v
        for k, v in values.items()
        if v and k in ("title", "description", "kind", "unit_id", "currency", "need_level")
    }
    for name in ("budget", "max_choices"):
        if values.get(name):
            body[name] = values[name]
    for name in ("ideas_on", "review_on", "voting_on", "results_on"):
        if values.get(name):
            body[name] = values[name]
    body["options"] = _options_from(values.get("options", ""))
    try:
        vote = await service.create_vote(
            session, principal=principal, data=VoteCreate.model_validate(body)
        )
    except ValidationError:
        return await _list(
            request, principal, session, values=values, error="bad_form", status_code=422
        )
    except LinliError as err:
        if err.status not in (404, 409, 422):
            raise
        return await _list(
            request, principal, session, values=values, error=err.code, status_code=err.status
        )
    return RedirectResponse(f"/community/votes/{vote.id}?done=created", status_code=303)


async def _vote_page(
    request: Request,
    principal: Principal,
    session: AsyncSession,
    vote: Vote,
    *,
    done: str | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    locale = page_locale(request, principal.locale)
    view = await service.view_vote(session, vote)
    batches = await service.list_batches(session, vote.id, principal=principal)
    figures = {b.id: await service.batch_figures(session, b) for b in batches}
    people = await people_service.people(
        session,
        actors=[p.actor for p in view.phases],
        account_ids=[a for b in batches for a in (b.entered_by, b.confirmed_by)],
    )
    results = await service.results(session, vote) if vote.phase == "results" else None
    unit = await org_service.get_unit(session, vote.unit_id)
    return render(
        request,
        "vote.html",
        locale=locale,
        status_code=status_code,
        timezone=await viewer_timezone(session, principal),
        v=vote,
        unit=unit,
        view=view,
        level=service.level_name(vote),
        next_phases=PHASES[PHASES.index(vote.phase) + 1 :],
        batches=batches,
        figures=figures,
        people=people,
        turnout=await service.turnout(session, vote),
        results=results,
        done=done,
        error=error,
        active="votes",
        **page_context(principal),
    )


@router.get("/community/votes/{vote_id}")
async def vote_page(
    vote_id: uuid.UUID,
    request: Request,
    principal: Officer,
    session: DbSession,
    done: str | None = None,
) -> Response:
    """Show a vote to its officers: phases, options, turnout, paper batches, results."""
    vote = await service.get_vote(session, vote_id, principal=principal)
    return await _vote_page(request, principal, session, vote, done=(done or "")[:32] or None)


async def _act(
    request: Request,
    principal: Principal,
    session: AsyncSession,
    vote_id: uuid.UUID,
    done: str,
    action: Any,
) -> Response:
    """Run a form's action; on success go back to the vote page, else show it with the reason."""
    await service.get_vote(session, vote_id, principal=principal)
    try:
        await action()
    except ValidationError:
        error = "bad_form"
        status = 422
    except LinliError as err:
        if err.status == 404 and err.code == "vote_not_found":
            raise
        error, status = err.code, err.status
    else:
        return RedirectResponse(f"/community/votes/{vote_id}?done={done}", status_code=303)
    await session.rollback()  # nothing of a refused action stays
    vote = await service.get_vote(session, vote_id, principal=principal)
    return await _vote_page(request, principal, session, vote, error=error, status_code=status)


def _counts(form: FormData, options: list[Any]) -> list[OptionCount]:
    return [OptionCount(option_id=o.id, count=_number(form, f"count_{o.id}") or 0) for o in options]


@router.post("/community/votes/{vote_id}/phase")
async def change_phase(
    vote_id: uuid.UUID, request: Request, principal: Officer, session: DbSession
) -> Response:
    """Move the vote to the phase chosen on the form."""
    form = await request.form()

    async def action() -> None:
        await service.change_phase(
            session, vote_id, principal=principal, phase=_text(form, "phase"),
            note=_text(form, "note")[:2000],
        )  # fmt: skip

    return await _act(request, principal, session, vote_id, "phase", action)


@router.post("/community/votes/{vote_id}/options")
async def add_option(
    vote_id: uuid.UUID, request: Request, principal: Officer, session: DbSession
) -> Response:
    """Add an option (a project) from the form."""
    form = await request.form()

    async def action() -> None:
        data = OptionCreate.model_validate(
            {"title": _text(form, "title"), "description": _text(form, "description"),
             "cost": _number(form, "cost")}
        )  # fmt: skip
        await service.add_option(session, vote_id, principal=principal, data=data)

    return await _act(request, principal, session, vote_id, "option", action)


@router.post("/community/votes/{vote_id}/paper-batches")
async def enter_batch(
    vote_id: uuid.UUID, request: Request, principal: Officer, session: DbSession
) -> Response:
    """Enter a polling station's batch (the first officer's figures)."""
    form = await request.form()

    async def action() -> None:
        options = (
            await service.view_vote(session, await service.get_vote(session, vote_id))
        ).options
        await service.enter_batch(
            session, vote_id, principal=principal, station=_text(form, "station")[:100],
            batch=_number(form, "batch") or 0, ballots=_number(form, "ballots"),
            counts=_counts(form, options), papers=None,
        )  # fmt: skip

    return await _act(request, principal, session, vote_id, "entered", action)


@router.post("/community/votes/{vote_id}/paper-batches/{batch_id}/confirm")
async def confirm_batch(
    vote_id: uuid.UUID,
    batch_id: uuid.UUID,
    request: Request,
    principal: Officer,
    session: DbSession,
) -> Response:
    """Confirm a batch with the second officer's own count of it."""
    form = await request.form()

    async def action() -> None:
        options = (
            await service.view_vote(session, await service.get_vote(session, vote_id))
        ).options
        await service.confirm_batch(
            session, vote_id, batch_id, principal=principal, ballots=_number(form, "ballots"),
            counts=_counts(form, options), papers=None,
        )  # fmt: skip

    return await _act(request, principal, session, vote_id, "confirmed", action)


@router.post("/community/votes/{vote_id}/paper-batches/{batch_id}/discard")
async def discard_batch(
    vote_id: uuid.UUID,
    batch_id: uuid.UUID,
    request: Request,
    principal: Officer,
    session: DbSession,
) -> Response:
    """Discard an unconfirmed batch so that it can be counted again."""

    async def action() -> None:
        await service.discard_batch(session, vote_id, batch_id, principal=principal)

    return await _act(request, principal, session, vote_id, "discarded", action)


@router.post("/community/votes/{vote_id}/paper-voters")
async def mark_paper_voter(
    vote_id: uuid.UUID, request: Request, principal: Officer, session: DbSession
) -> Response:
    """Mark a registry resident as handed a paper ballot."""
    form = await request.form()

    async def action() -> None:
        try:
            resident = uuid.UUID(_text(form, "resident_id"))
        except ValueError:
            raise LinliError("not a register number", code="unknown_resident") from None
        await service.mark_paper_voter(
            session, vote_id, principal=principal, resident_id=resident,
            station=_text(form, "station")[:100] or "-",
        )  # fmt: skip

    return await _act(request, principal, session, vote_id, "marked", action)


@router.get("/votes/{vote_id}/results", dependencies=[Depends(public)])
async def results_page(vote_id: uuid.UUID, request: Request, session: DbSession) -> Response:
    """Show a vote's published results to anybody: counts, the funded set, turnout per area."""
    locale = page_locale(request)
    results = await service.public_results(session, vote_id)
    unit = await org_service.get_unit(session, results.vote.unit_id)
    return render(
        request,
        "vote_results.html",
        locale=locale,
        timezone=await org_service.site_timezone(session, unit),
        r=results,
        unit=unit,
        page_path=f"/votes/{vote_id}/results",
    )
