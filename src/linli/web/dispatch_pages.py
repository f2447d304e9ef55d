"""The dispatch board (cases in columns by status) and the supervision page of a command centre.

Pages read through the cases and org services; their buttons post to the cases JSON API and
re-render the board, so the API stays the one way to act.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from sqlalchemy.ext.asyncio import AsyncSession

from linli.cases import service as cases_service
from linli.cases.dispatch import coordination
from linli.cases.dispatch import service as dispatch_service
from linli.cases.sla import supervision
from linli.core.errors import NotFound
from linli.core.pagination import PageQuery
from linli.org import service as org_service
from linli.org.models import OrgUnit
from linli.security import people as people_service
from linli.security.deps import DbSession, require_page
from linli.security.permissions import ROLES, Principal
from linli.web.case_pages import CaseView, case_views
from linli.web.frame import page_context, viewer_timezone
from linli.web.paging import PageCursor, pager
from linli.web.templating import page_locale, render

router = APIRouter(include_in_schema=False)

# The board's columns: which statuses each one shows, in the order work flows.
COLUMNS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("to_dispatch", ("registered", "returned")),
    ("dispatched", ("dispatched",)),
    ("accepted", ("accepted",)),
    ("in_progress", ("in_progress",)),
    ("handled", ("handled",)),
)
BOARD_LIMIT = 200
LEDGER_LIMIT = 200
TARGET_KINDS = ("street", "community", "grid", "department", "town", "zone")
REASSIGNABLE = frozenset({"dispatched", "accepted", "in_progress"})


@dataclass(frozen=True, slots=True)
class Column:
    """One column of the board."""

    key: str
    views: list[CaseView]


async def dispatch_targets(session: AsyncSession, principal: Principal) -> list[OrgUnit]:
    """Return the units the principal may send cases to: their subtrees and the departments of
    their trees (functional departments hang off the district)."""
    found: dict[uuid.UUID, OrgUnit] = {}
    for grant in principal.grants:
        if "cases:dispatch" not in ROLES.get(grant.role, ()):
            continue
        try:
            unit = await org_service.get_unit(session, grant.unit_id)
        except NotFound:
            continue
        for u in await org_service.subtree(session, unit, kinds=TARGET_KINDS):
            found[u.id] = u
        root_id = uuid.UUID(unit.path.strip("/").split("/")[0])
        root = await org_service.get_unit(session, root_id)
        for u in await org_service.subtree(session, root, kinds=("department",)):
            found[u.id] = u
    return sorted(found.values(), key=lambda u: (u.kind != "department", u.depth, u.code))


def _overdue_first(view: CaseView) -> tuple[bool, int, str]:
    return (not view.case.overdue, view.case.priority, view.case.created_at.isoformat())


async def people_of(session: AsyncSession, unit_id: uuid.UUID) -> list[dispatch_service.Candidate]:
    """Return the handlers of one unit, least loaded first (whom a case there may go to)."""
    return await dispatch_service.handlers_of(session, [unit_id])


async def _arbitrable(
    session: AsyncSession, principal: Principal, views: list[CaseView]
) -> set[uuid.UUID]:
    """Return the ids of the returned cases the principal may arbitrate (the level above)."""
    found: set[uuid.UUID] = set()
    for view in views:
        case = view.case
        if case.status != "returned":
            continue
        above = await coordination.arbitrator_unit(session, case)
        if above is not None and principal.can("cases:arbitrate", above.path):
            found.add(case.id)
    return found


@router.get("/dispatch")
async def dispatch_board(
    request: Request,
    principal: Annotated[Principal, Depends(require_page("cases:dispatch"))],
    session: DbSession,
    cursor: PageCursor = None,
) -> Response:
    """Show the open cases of the principal's area in columns, overdue first, with dispatch."""
    locale = page_locale(request, principal.locale)
    statuses = tuple(s for _, group in COLUMNS for s in group)
    page = await cases_service.list_cases(
        session,
        principal=principal,
        statuses=statuses,
        paging=PageQuery(cursor=cursor, limit=BOARD_LIMIT, count=True),
    )
    views = await case_views(session, principal, page.items)
    columns = [
        Column(key, sorted((v for v in views if v.case.status in group), key=_overdue_first))
        for key, group in COLUMNS
    ]
    # Whom each reassignable case could go to: the handlers of every unit on the page at once.
    people = await dispatch_service.handlers_by_unit(
        session,
        sorted(
            {
                v.case.assigned_unit_id
                for v in views
                if v.case.status in REASSIGNABLE and v.case.assigned_unit_id is not None
            }
        ),
    )
    return render(
        request,
        "dispatch_board.html",
        locale=locale,
        timezone=await viewer_timezone(session, principal),
        columns=columns,
        total=page.total or 0,
        pages=pager(request, page, locale=locale),
        targets=await dispatch_targets(session, principal),
        arbitrable=await _arbitrable(session, principal, views),
        people=people,
        can_reassign=principal.has("cases:dispatch"),
        reassignable=REASSIGNABLE,
        active="dispatch",
        **page_context(principal),
    )


@router.get("/dispatch/people")
async def dispatch_people(
    request: Request,
    principal: Annotated[Principal, Depends(require_page("cases:dispatch"))],
    session: DbSession,
    unit_id: Annotated[str, Query(max_length=64)] = "",
) -> Response:
    """Return (as `<option>`s) who may take a case sent to `unit_id`, least loaded first."""
    candidates: list[dispatch_service.Candidate] = []
    try:
        unit = await org_service.get_unit(session, uuid.UUID(unit_id)) if unit_id else None
    except (ValueError, NotFound):
        unit = None
    if unit is not None and unit.id in {u.id for u in await dispatch_targets(session, principal)}:
        candidates = await people_of(session, unit.id)
    return render(
        request,
        "_people_options.html",
        locale=page_locale(request, principal.locale),
        candidates=candidates,
    )


# ---------------------------------------------------------------- supervision


async def _home_unit(session: AsyncSession, principal: Principal) -> OrgUnit:
    for grant in principal.grants:
        if "cases:dispatch" in ROLES.get(grant.role, ()):
            return await org_service.get_unit(session, grant.unit_id)
    raise NotFound("no unit to supervise", code="unit_not_found")


@router.get("/supervision")
async def supervision_page(
    request: Request,
    principal: Annotated[Principal, Depends(require_page("cases:dispatch"))],
    session: DbSession,
    unit: Annotated[uuid.UUID | None, Query()] = None,
    cursor: PageCursor = None,
) -> Response:
    """Show, per child unit, the open, overdue and due-soon cases, and the overdue ledger."""
    locale = page_locale(request, principal.locale)
    here = unit or (await _home_unit(session, principal)).id
    view = await supervision.overview(session, here, principal=principal)
    ledger = await supervision.list_overdue(
        session,
        principal=principal,
        unit_id=view.unit.id,
        paging=PageQuery(cursor=cursor, limit=LEDGER_LIMIT, count=True),
    )
    parent = None
    if view.unit.parent_id is not None:
        candidate = await org_service.get_unit(session, view.unit.parent_id)
        if principal.can("cases:read", candidate.path):
            parent = candidate
    return render(
        request,
        "supervision.html",
        locale=locale,
        timezone=await viewer_timezone(session, principal),
        here=view.unit,
        parent=parent,
        view=view,
        ledger=ledger.items,
        people=await people_service.people(
            session, actors=[line.entry.explained_by for line in ledger.items]
        ),
        ledger_pages=pager(request, ledger, locale=locale),
        none_given=supervision.NONE_GIVEN,
        active="supervision",
        **page_context(principal),
    )
