"""The staff's meeting pages under /community: the list and the planning form, one meeting's
console (run it live: status, current item, minutes, decisions; attendance; publish the
minutes) and the decisions board. Every form posts plainly and redirects (no script needed).
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

from linli.core import localtime
from linli.core.errors import LinliError
from linli.core.i18n import N_
from linli.core.pagination import PageQuery
from linli.org import service as org_service
from linli.org.models import OrgUnit
from linli.participation.meetings import service
from linli.participation.meetings.models import Meeting
from linli.participation.meetings.schemas import DecisionCreate, MeetingCreate
from linli.security import people as people_service
from linli.security.deps import DbSession, require_page
from linli.security.permissions import Principal
from linli.web.frame import page_context, viewer_timezone
from linli.web.paging import PageCursor, pager
from linli.web.templating import gettext, page_locale, render

router = APIRouter(include_in_schema=False)

Reader = Annotated[Principal, Depends(require_page("meetings:read"))]
Runner = Annotated[Principal, Depends(require_page("meetings:run"))]
LIST_LIMIT = 50
# What a refused form says, in the reader's language.
FORM_ERRORS = {
    "ends_before_start": N_("A meeting ends after it starts."),
    "venue_required": N_("A meeting in person needs a venue."),
    "stream_url_required": N_("An online meeting needs a stream address."),
    "owner_required": N_("A decision needs an owner: a person or a unit."),
    "note_required": N_("Say what was done."),
    "meeting_not_live": N_("Start the meeting first."),
    "bad_meeting_transition": N_("The meeting cannot go there from where it is."),
    "not_registered": N_("Only a registered place checks in."),
}
PLAN_KINDS = ("district", "street", "community", "town", "zone")


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def _local(text: str, zone: str) -> datetime | str:
    """Read a datetime-local field as a time on the site's clock (aware); bad text as is."""
    try:
        return datetime.fromisoformat(text).replace(tzinfo=localtime.zone(zone))
    except ValueError:
        return text


def _problem(err: LinliError | ValidationError) -> str:
    if isinstance(err, LinliError) and err.code in FORM_ERRORS:
        return err.code
    return "invalid"


def _back(url: str, error: str | None = None) -> RedirectResponse:
    return RedirectResponse(url + (f"?error={error}" if error else ""), status_code=303)


def _error_text(code: str | None) -> str | None:
    if not code:
        return None
    return gettext(FORM_ERRORS.get(code, N_("That could not be saved: check what you entered.")))


async def _plan_units(session: AsyncSession, principal: Principal) -> list[OrgUnit]:
    units: list[OrgUnit] = []
    for grant in principal.grants:
        if not principal.can("meetings:run", grant.unit_path):
            continue
        top = await org_service.get_unit(session, grant.unit_id)
        units += await org_service.subtree(session, top, kinds=PLAN_KINDS)
    return list({u.id: u for u in units}.values())


@router.get("/community/meetings")
async def meetings_page(
    request: Request,
    principal: Reader,
    session: DbSession,
    cursor: PageCursor = None,
    error: str | None = None,
) -> Response:
    """List the meetings of the area, newest first, with the form to plan one."""
    locale = page_locale(request, principal.locale)
    page = await service.list_meetings(
        session, principal=principal, paging=PageQuery(cursor=cursor, limit=LIST_LIMIT, count=True)
    )
    units = {m.unit_id: await service.unit_of(session, m) for m in page.items}
    can_run = principal.has("meetings:run")
    return render(
        request,
        "meetings.html",
        locale=locale,
        timezone=await viewer_timezone(session, principal),
        meetings=page.items,
        units=units,
        body_name=service.body_name,
        total=page.total or 0,
        pages=pager(request, page, locale=locale),
        plan_units=await _plan_units(session, principal) if can_run else [],
        error=_error_text(error),
        active="meetings",
        **page_context(principal),
    )


@router.post("/community/meetings")
async def plan_meeting(request: Request, principal: Runner, session: DbSession) -> Response:
    """Plan a meeting from the form; a refusal shows the list again with the reason."""
    form = await request.form()
    try:
        unit_id = uuid.UUID(_text(form, "unit_id"))
        zone = await org_service.site_timezone(session, unit_id)
        agenda = [line.strip() for line in _text(form, "agenda").splitlines() if line.strip()]
        data = MeetingCreate.model_validate(
            {
                "unit_id": unit_id,
                "title": _text(form, "title"),
                "mode": _text(form, "mode"),
                "venue": _text(form, "venue") or None,
                "starts_at": _local(_text(form, "starts_at"), zone),
                "ends_at": _local(_text(form, "ends_at"), zone),
                "stream_url": _text(form, "stream_url") or None,
                "capacity": _text(form, "capacity") or None,
                "agenda": agenda,
            }
        )
        meeting = await service.plan_meeting(session, data, principal=principal)
    except (ValueError, ValidationError, LinliError) as err:
        if isinstance(err, LinliError) and err.status not in (400, 422):
            raise
        code = _problem(err) if isinstance(err, LinliError | ValidationError) else "invalid"
        return _back("/community/meetings", code)
    return _back(f"/community/meetings/{meeting.id}")


@router.get("/community/meetings/{meeting_id}")
async def meeting_console(
    meeting_id: uuid.UUID,
    request: Request,
    principal: Reader,
    session: DbSession,
    error: str | None = None,
) -> Response:
    """Show one meeting's console: run it live, attendance, minutes and decisions."""
    meeting = await service.get_meeting(session, meeting_id, principal=principal)
    view = await service.view_meeting(session, meeting)
    registrations = await service.list_registrations(session, meeting, paging=PageQuery(limit=200))
    people = await people_service.people(
        session,
        actors=[meeting.created_by, *(m.actor for m in view.minutes)],
        account_ids=[d.owner_account_id for d in view.decisions],
    )
    can_run = principal.can("meetings:run", meeting.org_path)
    return render(
        request,
        "meeting_console.html",
        locale=page_locale(request, principal.locale),
        timezone=await org_service.site_timezone(session, meeting.unit_id),
        view=view,
        m=meeting,
        body=service.body_name(view.unit),
        items={i.id: i for i in view.agenda},
        owners=await service.owner_units(session, view.decisions),
        people=people,
        today=await service.local_today(session, meeting),
        is_overdue=service.is_overdue,
        registrations=registrations.items,
        more_registrations=registrations.next is not None,
        can_run=can_run,
        staff=await service.staff_around(session, meeting) if can_run else [],
        owner_units=await service.owner_choices(session, meeting) if can_run else [],
        error=_error_text(error),
        active="meetings",
        **page_context(principal),
    )


async def _running(session: AsyncSession, meeting_id: uuid.UUID, principal: Principal) -> Meeting:
    return await service.get_meeting(
        session, meeting_id, principal=principal, permission="meetings:run", for_update=True
    )


async def _act(meeting_id: uuid.UUID, action: Any) -> Response:
    url = f"/community/meetings/{meeting_id}"
    try:
        await action()
    except (ValueError, ValidationError, LinliError) as err:
        if isinstance(err, LinliError) and err.status not in (400, 409, 422):
            raise
        return _back(url, _problem(err) if not isinstance(err, ValueError) else "invalid")
    return _back(url)


def _uuid_or_none(text: str) -> uuid.UUID | None:
    return uuid.UUID(text) if text else None


@router.post("/community/meetings/{meeting_id}/status")
async def meeting_status(
    meeting_id: uuid.UUID, request: Request, principal: Runner, session: DbSession
) -> Response:
    """Start, end or cancel the meeting."""
    form = await request.form()
    meeting = await _running(session, meeting_id, principal)
    return await _act(
        meeting_id,
        lambda: service.set_status(session, meeting, _text(form, "status"), principal=principal),
    )


@router.post("/community/meetings/{meeting_id}/current")
async def meeting_current(
    meeting_id: uuid.UUID, request: Request, principal: Runner, session: DbSession
) -> Response:
    """Say which agenda item the meeting is on."""
    form = await request.form()
    meeting = await _running(session, meeting_id, principal)

    async def act() -> None:
        item = _uuid_or_none(_text(form, "agenda_item_id"))
        await service.set_current_item(session, meeting, item, principal=principal)

    return await _act(meeting_id, act)


@router.post("/community/meetings/{meeting_id}/agenda")
async def meeting_agenda(
    meeting_id: uuid.UUID, request: Request, principal: Runner, session: DbSession
) -> Response:
    """Add an item to the agenda."""
    form = await request.form()
    meeting = await _running(session, meeting_id, principal)

    async def act() -> None:
        title = _text(form, "title")
        if not title or len(title) > 300:
            raise ValueError(title)
        await service.add_agenda_item(session, meeting, title, principal=principal)

    return await _act(meeting_id, act)


@router.post("/community/meetings/{meeting_id}/minutes")
async def meeting_minute(
    meeting_id: uuid.UUID, request: Request, principal: Runner, session: DbSession
) -> Response:
    """Write a line of the minutes."""
    form = await request.form()
    meeting = await _running(session, meeting_id, principal)

    async def act() -> None:
        text = _text(form, "text")
        if not text or len(text) > 4000:
            raise ValueError(text)
        item = _uuid_or_none(_text(form, "agenda_item_id"))
        public = _text(form, "internal") != "1"
        await service.add_minute(
            session, meeting, text=text, agenda_item_id=item, public=public, principal=principal
        )

    return await _act(meeting_id, act)


@router.post("/community/meetings/{meeting_id}/decisions")
async def meeting_decision(
    meeting_id: uuid.UUID, request: Request, principal: Runner, session: DbSession
) -> Response:
    """Record a decision with its owner and due date."""
    form = await request.form()
    meeting = await _running(session, meeting_id, principal)

    async def act() -> None:
        data = DecisionCreate.model_validate(
            {
                "text": _text(form, "text"),
                "owner_account_id": _text(form, "owner_account_id") or None,
                "owner_unit_id": _text(form, "owner_unit_id") or None,
                "due_on": _text(form, "due_on"),
                "agenda_item_id": _text(form, "agenda_item_id") or None,
                "public": _text(form, "internal") != "1",
            }
        )
        await service.add_decision(session, meeting, data, principal=principal)

    return await _act(meeting_id, act)


@router.post("/community/meetings/{meeting_id}/publish")
async def meeting_publish(meeting_id: uuid.UUID, principal: Runner, session: DbSession) -> Response:
    """Publish the minutes as final."""
    meeting = await _running(session, meeting_id, principal)
    return await _act(
        meeting_id, lambda: service.publish_minutes(session, meeting, principal=principal)
    )


@router.post("/community/meetings/{meeting_id}/registrations/{registration_id}/check-in")
async def meeting_check_in(
    meeting_id: uuid.UUID, registration_id: uuid.UUID, principal: Runner, session: DbSession
) -> Response:
    """Mark a registered resident as present."""
    meeting = await _running(session, meeting_id, principal)
    return await _act(
        meeting_id,
        lambda: service.check_in_by_staff(session, meeting, registration_id, principal=principal),
    )


@router.get("/community/decisions")
async def decisions_page(
    request: Request,
    principal: Reader,
    session: DbSession,
    cursor: PageCursor = None,
    overdue: bool = False,
    error: str | None = None,
) -> Response:
    """Show the decisions board: open work first, soonest due; overdue ones marked."""
    locale = page_locale(request, principal.locale)
    today = await service.viewer_today(session, principal)
    page = await service.list_decisions(
        session, principal=principal, today=today, overdue=overdue,
        paging=PageQuery(cursor=cursor, limit=LIST_LIMIT, count=True),
    )  # fmt: skip
    people = await people_service.people(
        session, account_ids=[d.owner_account_id for d in page.items]
    )
    return render(
        request,
        "meeting_decisions.html",
        locale=locale,
        timezone=await viewer_timezone(session, principal),
        decisions=page.items,
        owners=await service.owner_units(session, page.items),
        people=people,
        today=today,
        is_overdue=service.is_overdue,
        may_follow_up=lambda d: service.may_follow_up(principal, d),
        overdue=overdue,
        total=page.total or 0,
        pages=pager(request, page, locale=locale),
        error=_error_text(error),
        active="decisions",
        **page_context(principal),
    )


@router.post("/community/decisions/{decision_id}/updates")
async def decision_update(
    decision_id: uuid.UUID, request: Request, principal: Reader, session: DbSession
) -> Response:
    """Record progress on a decision (its owner, or who runs meetings there)."""
    form = await request.form()
    decision = await service.get_decision(session, decision_id, principal=principal)
    status = _text(form, "status")
    back = "/community/decisions"
    if status not in ("open", "in_progress", "done"):
        return _back(back, "invalid")
    try:
        await service.follow_up(
            session, decision, status=status, note=_text(form, "note")[:2000], principal=principal
        )
    except LinliError as err:
        if err.status not in (400, 422):
            raise
        return _back(back, _problem(err))
    return _back(back)
