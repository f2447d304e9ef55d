"""The staff's community hub (`/community`): one tile per community section the viewer may open.

Each tile shows a live figure of the viewer's subtree read through the section's own `service`
(each a bounded count along an index, or one row), and links to the section. A section the viewer
holds no read permission for has no tile. The page's rule is `meetings:read`: every role that
reads any community section (operator, grid worker, department staff, inspector, administrator)
holds it, as council meetings and their decisions concern every one of them; the tiles then ask
each section's own permission.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated
from zoneinfo import ZoneInfo

from babel.numbers import format_decimal, format_percent
from fastapi import Depends, Request
from fastapi.responses import Response
from fastapi.routing import APIRouter
from sqlalchemy.ext.asyncio import AsyncSession

from linli.core import clock, i18n
from linli.core.i18n import N_
from linli.core.pagination import PageQuery
from linli.participation.ballots import votes as votes_service
from linli.participation.meetings import decisions as decisions_service
from linli.participation.meetings import service as meetings_service
from linli.participation.meetings.models import Meeting
from linli.participation.proposals import service as proposals_service
from linli.participation.proposals.models import NOT_ANSWERED
from linli.participation.surveys import service as surveys_service
from linli.residents.bookings import service as bookings_service
from linli.residents.bookings.models import NO_SHOW
from linli.residents.notices import offline as notices_offline
from linli.residents.notices import service as notices_service
from linli.residents.verification import service as verification_service
from linli.security.deps import DbSession, require_page
from linli.security.permissions import Principal
from linli.web.frame import page_context, viewer_timezone
from linli.web.templating import page_locale, render

router = APIRouter(include_in_schema=False)

HUB_PERMISSION = "meetings:read"
Reader = Annotated[Principal, Depends(require_page(HUB_PERMISSION))]
COUNT_ONLY = PageQuery(limit=1, count=True)

# The community sections, in the order of the hub: (key, read permission, title, link).
SECTIONS = (
    ("residents", "residents:read", N_("Residents' accounts"), "/community/residents"),
    ("notices", "notices:read", N_("Notices to residents"), "/community/notices"),
    ("bookings", "bookings:read", N_("Bookings"), "/community/bookings"),
    ("proposals", "participation:read", N_("Proposals"), "/community/proposals"),
    ("votes", "participation:ballots", N_("Votes"), "/community/votes"),
    ("surveys", "surveys:read", N_("Surveys"), "/community/surveys"),
    ("meetings", "meetings:read", N_("Meetings and decisions"), "/community/meetings"),
)


@dataclass(frozen=True, slots=True)
class Figure:
    """One figure of a tile: its label, its value written in the reader's locale, and a link."""

    label: str
    value: str
    href: str | None = None
    warn: bool = False


@dataclass(frozen=True, slots=True)
class Tile:
    key: str
    title: str
    href: str
    figures: list[Figure]


def _n(n: int, locale: str, capped: bool = False) -> str:
    text = format_decimal(n, locale=locale)
    return f"≥ {text}" if capped else text


def _total(page: object) -> tuple[int, bool]:
    return int(getattr(page, "total", 0) or 0), bool(getattr(page, "total_capped", False))


async def _figures(
    session: AsyncSession,
    key: str,
    principal: Principal,
    *,
    locale: str,
    zone: ZoneInfo,
    _: Callable[[str], str],
) -> list[Figure]:
    """Return the figures of section `key`'s tile, read through the section's service (`_` is
    the gettext of the page's language)."""
    now = clock.now()
    local_now = now.astimezone(zone)
    midnight = datetime.combine(local_now.date(), datetime.min.time(), tzinfo=zone)
    if key == "residents":
        n, capped = await verification_service.count_awaiting_in_person(
            session, principal=principal
        )
        return [Figure(_("Awaiting in-person verification"), _n(n, locale, capped))]
    if key == "notices":
        scheduled = await notices_service.notices_page(
            session, principal=principal, status="scheduled", paging=COUNT_ONLY
        )
        n, capped = _total(scheduled)
        figures = [Figure(_("Scheduled"), _n(n, locale, capped), "/community/notices")]
        latest = await notices_service.notices_page(
            session, principal=principal, status="published", paging=PageQuery(limit=1)
        )
        if latest.items:
            seen = await notices_offline.figures(session, latest.items[0].id, principal=principal)
            figures.append(
                Figure(
                    _("Latest notice: read or reached"),
                    format_percent(seen.share, locale=locale),
                    f"/community/notices/{latest.items[0].id}",
                )
            )
        return figures
    if key == "bookings":
        today = await bookings_service.count_bookings(
            session, principal=principal, starts=midnight, ends=midnight + timedelta(days=1)
        )
        monday = midnight - timedelta(days=local_now.weekday())
        no_shows = await bookings_service.count_bookings(
            session,
            principal=principal,
            starts=monday,
            ends=monday + timedelta(days=7),
            statuses=(NO_SHOW,),
        )
        return [
            Figure(_("Today"), _n(today, locale)),
            Figure(_("No-shows this week"), _n(no_shows, locale), warn=no_shows > 0),
        ]
    if key == "proposals":
        counts = await proposals_service.count_by_status(session, principal)
        n = counts.get(NOT_ANSWERED, 0)
        return [
            Figure(_("Not answered"), _n(n, locale), "/community/proposals?status=not_answered")
        ]
    if key == "votes":
        page = await votes_service.list_votes(
            session, principal=principal, phase="voting", paging=COUNT_ONLY
        )
        n, capped = _total(page)
        return [Figure(_("Open for voting"), _n(n, locale, capped))]
    if key == "surveys":
        surveys = await surveys_service.surveys_page(
            session, principal=principal, status="published", paging=COUNT_ONLY
        )
        n, capped = _total(surveys)
        return [Figure(_("Published"), _n(n, locale, capped))]
    # meetings
    upcoming = await meetings_service.list_meetings(
        session, principal=principal, paging=PageQuery(limit=1), upcoming=True
    )
    overdue = await decisions_service.list_decisions(
        session, principal=principal, paging=COUNT_ONLY, today=local_now.date(), overdue=True
    )
    n, capped = _total(overdue)
    shown: list[Figure] = []
    if upcoming.items:
        meeting: Meeting = upcoming.items[0]
        shown.append(Figure(_("Next meeting"), meeting.title, f"/community/meetings/{meeting.id}"))
    else:
        shown.append(Figure(_("Next meeting"), _("None planned")))
    shown.append(
        Figure(
            _("Overdue decisions"),
            _n(n, locale, capped),
            "/community/decisions?overdue=true",
            warn=n > 0,
        )
    )
    return shown


@router.get("/community")
async def community_page(request: Request, principal: Reader, session: DbSession) -> Response:
    """Show the community hub: a tile for each section the viewer may open, with its figures."""
    locale = page_locale(request, principal.locale)
    timezone = await viewer_timezone(session, principal)
    gettext = i18n.translations(locale).gettext
    tiles = [
        Tile(
            key,
            gettext(title),
            href,
            await _figures(
                session,
                key,
                principal,
                locale=locale,
                zone=ZoneInfo(timezone),
                _=gettext,
            ),
        )
        for key, permission, title, href in SECTIONS
        if principal.has(permission)
    ]
    return render(
        request,
        "community.html",
        locale=locale,
        timezone=timezone,
        tiles=tiles,
        active="community",
        **page_context(principal),
    )
