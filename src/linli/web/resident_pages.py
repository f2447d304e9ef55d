"""The resident's pages: report a problem from a phone, then follow it with the token.

Both are public. The form posts (from the browser, with an Idempotency-Key) to the public
report endpoint `POST /api/public/reports`; the status page reads the same view of the case as
`GET /api/public/reports/{token}`: status and public notes, never staff names or internal notes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import Response

from linli.cases import service as cases_service
from linli.cases.evaluation import service as evaluation_service
from linli.cases.intake import service as intake_service
from linli.cases.models import Category
from linli.core.errors import NotFound
from linli.core.settings import get_settings
from linli.security.deps import DbSession, public
from linli.web.templating import named, page_locale, render

router = APIRouter(include_in_schema=False)

# The steps a resident sees, in plain words, and the statuses that have reached each.
JOURNEY: tuple[tuple[str, frozenset[str]], ...] = (
    (
        "received",
        frozenset(
            {
                "reported",
                "registered",
                "dispatched",
                "accepted",
                "in_progress",
                "handled",
                "verified",
                "closed",
                "returned",
            }
        ),
    ),
    (
        "registered",
        frozenset(
            {
                "registered",
                "dispatched",
                "accepted",
                "in_progress",
                "handled",
                "verified",
                "closed",
                "returned",
            }
        ),
    ),
    ("sent", frozenset({"dispatched", "accepted", "in_progress", "handled", "verified", "closed"})),
    ("working", frozenset({"accepted", "in_progress", "handled", "verified", "closed"})),
    ("fixed", frozenset({"handled", "verified", "closed"})),
    ("closed", frozenset({"closed"})),
)


@dataclass(frozen=True, slots=True)
class Step:
    """One step of the resident's view of the case: reached or not yet."""

    key: str
    reached: bool
    current: bool


def journey(status: str) -> list[Step]:
    """Return the plain-words steps of a case in `status` (a rejected case has none ahead)."""
    reached = [key for key, statuses in JOURNEY if status in statuses]
    last = reached[-1] if reached else None
    return [Step(key, key in reached, key == last) for key, _ in JOURNEY]


@dataclass(slots=True)
class CategoryGroup:
    """A major group of the catalogue and the leaves a resident picks from, in their language."""

    label: str
    leaves: list[tuple[Category, str]] = field(default_factory=list)


def category_groups(
    categories: Sequence[Category], locale: str
) -> tuple[list[tuple[Category, str]], list[CategoryGroup]]:
    """Return the leaves without a group and the groups with their leaves, each by name."""
    majors = {c.code: c for c in categories if c.level == "major"}
    groups: dict[str, CategoryGroup] = {}
    loose: list[tuple[Category, str]] = []
    for c in categories:
        if c.level == "major":
            continue
        leaf = (c, named(c, c.code, locale=locale))
        major = majors.get(c.parent_code or "")
        if major is None:
            loose.append(leaf)
            continue
        group = groups.setdefault(
            major.code, CategoryGroup(named(major, major.code, locale=locale))
        )
        group.leaves.append(leaf)
    for group in groups.values():
        group.leaves.sort(key=lambda leaf: leaf[1].casefold())
    return sorted(loose, key=lambda leaf: leaf[1].casefold()), sorted(
        groups.values(), key=lambda g: g.label.casefold()
    )


@router.get("/report", dependencies=[Depends(public)])
async def report_form(request: Request, session: DbSession) -> Response:
    """Show the resident's report form: text, photo, location, optional contact."""
    locale = page_locale(request)
    loose, groups = category_groups(await cases_service.list_categories(session), locale)
    settings = get_settings()
    return render(
        request,
        "report.html",
        locale=locale,
        loose_categories=loose,
        category_groups=groups,
        category_required=await intake_service.current_triage_model(session) is None,
        tile_url=settings.tile_url,
        tile_attribution=settings.tile_attribution,
        page_path="/report",
    )


@router.get("/report/status/{token}", dependencies=[Depends(public)])
async def report_status(
    request: Request,
    session: DbSession,
    token: Annotated[str, Path(max_length=128)],
) -> Response:
    """Show what happened to a report, in plain words, to whoever holds its token."""
    try:
        status = await intake_service.follow_public_report(session, token)
    except NotFound as err:
        # A resident opening a mistyped or expired link gets a page, not a JSON problem.
        return render(
            request,
            "report_missing.html",
            locale=page_locale(request),
            status_code=404,
            code=err.code,
            page_path=f"/report/status/{token}",
            headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"},
        )
    category = next(
        (c for c in await cases_service.list_categories(session) if c.code == status.category_code),
        None,
    )
    feedback = await evaluation_service.feedback(session, token)
    notes: list[tuple[datetime, str | None, str]] = [(n.at, n.status, n.note) for n in status.notes]
    return render(
        request,
        "report_status.html",
        locale=page_locale(request),
        timezone=status.timezone,
        report=status,
        category=category,
        steps=journey(status.status),
        notes=list(reversed(notes)),
        feedback=feedback,
        token=token,
        tile_url=get_settings().tile_url,
        tile_attribution=get_settings().tile_attribution,
        page_path=f"/report/status/{token}",
        headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"},
    )
