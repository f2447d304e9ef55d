"""The case page (summary, timeline, the actions open to the viewer) and the phone workbench.

Pages read through `linli.cases.service`; the buttons post to the cases JSON API (with the
CSRF header) and then re-render the page region, so the API stays the one way to act.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy.ext.asyncio import AsyncSession

from linli.cases import service as cases_service
from linli.cases.models import Case, CaseEvent, Category, tree_id_of
from linli.core.errors import NotFound
from linli.core.pagination import PageQuery
from linli.core.settings import get_settings
from linli.org import service as org_service
from linli.org.models import OrgUnit
from linli.security import people as people_service
from linli.security.deps import DbSession, require_page
from linli.security.people import Person
from linli.security.permissions import Principal
from linli.web.frame import page_context, viewer_timezone
from linli.web.paging import PageCursor, pager
from linli.web.templating import page_locale, render

router = APIRouter(include_in_schema=False)

# What a handler works on, most urgent first; what the workbench offers to do about it.
WORK_STATUSES = ("dispatched", "accepted", "in_progress", "returned")
WORKBENCH_ACTIONS = ("accept", "start", "handle", "return")
WORKBENCH_LIMIT = 200


@dataclass(frozen=True, slots=True)
class CaseView:
    """A case as a page shows it: the record and the names that go with its ids."""

    case: Case
    category: Category | None
    unit: OrgUnit | None
    assigned_unit: OrgUnit | None
    supervisor_unit: OrgUnit | None
    assignee: Person | None
    actions: list[str]
    # Handling and closing need a photo on the case (town profile, photo-evidence category).
    needs_photo: bool = False
    photos: int = 0

    @property
    def photo_missing(self) -> bool:
        """Return whether the next handle or close must bring a photo (the case holds none)."""
        return self.needs_photo and self.photos == 0


async def _units(
    session: AsyncSession, ids: Iterable[uuid.UUID | None]
) -> dict[uuid.UUID, OrgUnit]:
    found: dict[uuid.UUID, OrgUnit] = {}
    for unit_id in {i for i in ids if i is not None}:
        try:
            found[unit_id] = await org_service.get_unit(session, unit_id)
        except NotFound:
            continue
    return found


async def _categories(session: AsyncSession) -> dict[str, Category]:
    return {c.code: c for c in await cases_service.list_categories(session)}


async def case_views(
    session: AsyncSession,
    principal: Principal,
    cases: Sequence[Case],
    *,
    people: Mapping[str | uuid.UUID, Person] | None = None,
) -> list[CaseView]:
    """Return the page views of `cases`, resolving units, categories and assignees at once
    (the assignees from `people` when the page has already looked its people up)."""
    units = await _units(
        session,
        [i for c in cases for i in (c.org_unit_id, c.assigned_unit_id, c.supervisor_unit_id)],
    )
    categories = await _categories(session)
    # The photo rule is each case's tree's own (see cases.category_settings).
    trees: dict[tuple[str, uuid.UUID | None], Category] = {}
    for c in cases:
        key = (c.category_code, tree_id_of(c.org_path))
        if key not in trees and c.category_code in categories:
            trees[key] = await cases_service.category_for(session, c.category_code, c.org_path)
    photos = await cases_service.photo_counts(session, cases)
    if people is None:
        people = await people_service.people(session, account_ids=[c.assignee_id for c in cases])
    return [
        CaseView(
            case=c,
            category=categories.get(c.category_code),
            unit=units.get(c.org_unit_id),
            assigned_unit=units.get(c.assigned_unit_id) if c.assigned_unit_id else None,
            supervisor_unit=units.get(c.supervisor_unit_id),
            assignee=people.get(c.assignee_id) if c.assignee_id else None,
            actions=cases_service.allowed_actions(principal, c),
            needs_photo=cases_service.needs_photo(
                c, trees.get((c.category_code, tree_id_of(c.org_path)))
            ),
            photos=photos.get(c.id, 0),
        )
        for c in cases
    ]


def _verifier(case: Case, events: Sequence[CaseEvent]) -> str | None:
    """Return who verified the work of a verified or closed case (the latest verification)."""
    if case.status not in ("verified", "closed"):
        return None
    return next((e.actor for e in reversed(events) if e.action == "verify"), None)


def _urgency(case: Case) -> tuple[bool, datetime, datetime]:
    far = datetime.max.replace(tzinfo=case.created_at.tzinfo)
    return (not case.overdue, case.step_deadline_at or far, case.created_at)


@router.get("/cases/{case_id}")
async def case_page(
    case_id: uuid.UUID,
    request: Request,
    principal: Annotated[Principal, Depends(require_page("cases:read"))],
    session: DbSession,
) -> Response:
    """Show a case: summary, deadline, timeline with evidence, and the viewer's actions."""
    case = await cases_service.get_case(session, case_id, principal=principal)
    events = await cases_service.timeline(session, case)
    # Everyone the page names, in one query: the timeline's actors and the handler.
    people = await people_service.people(
        session, actors=[e.actor for e in events], account_ids=[case.assignee_id]
    )
    (view,) = await case_views(session, principal, [case], people=people)
    photos = [a for a in await cases_service.attachments(session, case) if a.kind == "photo"]
    cited = {e for event in events for e in event.evidence}
    return render(
        request,
        "case.html",
        locale=page_locale(request, principal.locale),
        timezone=await viewer_timezone(session, principal),
        view=view,
        events=list(reversed(events)),
        people=people,
        verifier=_verifier(case, events),
        loose_photos=[a for a in photos if str(a.id) not in cited],
        tile_url=get_settings().tile_url,
        tile_attribution=get_settings().tile_attribution,
        **page_context(principal),
    )


@router.get("/workbench")
async def workbench(
    request: Request,
    principal: Annotated[Principal, Depends(require_page("cases:handle"))],
    session: DbSession,
    cursor: PageCursor = None,
) -> Response:
    """Show the signed-in handler's cases, most urgent first, with accept and handle at hand."""
    locale = page_locale(request, principal.locale)
    page = await cases_service.list_cases(
        session,
        principal=principal,
        statuses=WORK_STATUSES,
        my_work=True,  # assigned to me or dispatched to my units: every page is full
        paging=PageQuery(cursor=cursor, limit=WORKBENCH_LIMIT, count=True),
    )
    views = await case_views(session, principal, sorted(page.items, key=_urgency))
    return render(
        request,
        "workbench.html",
        locale=locale,
        timezone=await viewer_timezone(session, principal),
        views=views,
        total=page.total or 0,
        pages=pager(request, page, locale=locale),
        workbench_actions=WORKBENCH_ACTIONS,
        **page_context(principal),
    )
