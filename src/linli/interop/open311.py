"""Open311 GeoReport v2 over Linli cases: services are categories, service requests are cases.

Nothing here knows about HTTP; `linli.interop.api` renders what these functions return as JSON
or XML. Reads go through the cases' public projection (`linli.cases.service.public_cases`):
only public cases, their public notes and photos, rounded points; never the reporter, never staff
names; a case that is not public answers 404 exactly like a missing one.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement
from sqlalchemy.ext.asyncio import AsyncSession

from linli.cases import service as cases
from linli.cases.models import STATUSES, TERMINAL, Attachment, Case, Category
from linli.core import clock
from linli.core.errors import Forbidden, NotFound, Unauthenticated, ValidationFailed
from linli.core.pagination import COUNT_CAP, MAX_LIMIT, PageQuery
from linli.org import service as org_service
from linli.org.models import OrgUnit
from linli.security import service as security
from linli.security.permissions import Principal

SPEC_URL = "http://wiki.open311.org/GeoReport_v2"
MAX_RANGE = timedelta(days=90)
DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = MAX_LIMIT
# Page numbers reach at most MAX_PAGE × MAX_PAGE_SIZE rows deep (COUNT_CAP): further on, a client
# follows the `cursor` extension.
MAX_PAGE = COUNT_CAP // MAX_PAGE_SIZE
MAX_CURSOR = 512
CLOSED_STATUSES = tuple(sorted(TERMINAL))
OPEN_STATUSES = tuple(s for s in STATUSES if s not in TERMINAL)


class Open311Error(ValidationFailed):
    """A request the GeoReport spec answers with 400."""

    code = "open311_bad_request"


@dataclass(frozen=True, slots=True)
class RequestQuery:
    """The GET requests filters of the spec, plus the pagination extension.

    GeoReport v2 clients page with `page` and `page_size` (the de-facto extension), so both stay,
    bounded: `page_size` 1 … MAX_PAGE_SIZE and `page` 1 … MAX_PAGE, so a page costs at most
    COUNT_CAP rows of the newest-first index, like the bounded count. Past that a client follows
    the optional `cursor` extension: every page answers the cursor of the next one (the `Link`
    header, rel="next"), and a page fetched with `cursor` costs the same however deep it is.
    """

    ids: tuple[str, ...] = ()
    service_codes: tuple[str, ...] = ()
    start: datetime | None = None
    end: datetime | None = None
    statuses: tuple[str, ...] = ()
    page: int = 1
    page_size: int = DEFAULT_PAGE_SIZE
    cursor: str | None = None


@dataclass(frozen=True, slots=True)
class RequestPage:
    """One page of service requests, the next page's cursor and the (bounded) total."""

    requests: list[dict[str, Any]]
    next: str | None
    total: int
    total_capped: bool


def _iso(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value is not None else None


def service_of(category: Category) -> dict[str, Any]:
    """Return the GeoReport service entry of a category."""
    return {
        "service_code": category.code,
        "service_name": category.name,
        "description": category.name_zh or category.name,
        "metadata": False,
        "type": "realtime",
        "keywords": ",".join(category.code.split(".")),
        "group": category.code.split(".")[0],
    }


async def services(session: AsyncSession) -> list[dict[str, Any]]:
    """Return the service list: one service per case category."""
    return [service_of(c) for c in await cases.list_categories(session)]


async def service_definition(session: AsyncSession, code: str) -> dict[str, Any]:
    """Return the definition of service `code` (Linli categories carry no extra attributes)."""
    category = await _category(session, code)
    return {"service_code": category.code, "attributes": []}


async def _category(session: AsyncSession, code: str) -> Category:
    try:
        return await cases.get_category(session, code)
    except ValidationFailed as err:
        raise NotFound(f"no service '{code}'", code="unknown_service") from err


def _where(query: RequestQuery, now: datetime) -> list[ColumnElement[bool]]:
    if query.ids:
        return [Case.ref.in_(list(query.ids))]
    end = query.end or now
    start = query.start or (end - MAX_RANGE)
    if end < start:
        raise Open311Error("end_date is before start_date", code="bad_date_range")
    if end - start > MAX_RANGE:
        raise Open311Error("a date range spans at most 90 days", code="bad_date_range")
    where = [Case.created_at >= start, Case.created_at <= end]
    if query.service_codes:
        where.append(Case.category_code.in_(list(query.service_codes)))
    statuses: list[str] = []
    for status in query.statuses:
        if status not in ("open", "closed"):
            raise Open311Error("status is open or closed", code="bad_status")
        statuses += OPEN_STATUSES if status == "open" else CLOSED_STATUSES
    if statuses:
        where.append(Case.status.in_(statuses))
    return where


def _paging(query: RequestQuery) -> tuple[PageQuery, int]:
    if not 1 <= query.page_size <= MAX_PAGE_SIZE:
        raise Open311Error(f"page_size is 1 to {MAX_PAGE_SIZE}", code="bad_page_size")
    if not 1 <= query.page <= MAX_PAGE:
        raise Open311Error(
            f"page is 1 to {MAX_PAGE}; further on, follow the cursor of the Link header",
            code="bad_page",
        )
    if query.cursor and query.page != 1:
        raise Open311Error("give page or cursor, not both", code="bad_page")
    if query.cursor and len(query.cursor) > MAX_CURSOR:
        raise Open311Error("the cursor is not one this list gave out", code="bad_cursor")
    paging = PageQuery(cursor=query.cursor or None, limit=query.page_size, count=True)
    return paging, (query.page - 1) * query.page_size


async def find_requests(
    session: AsyncSession, query: RequestQuery, *, base_url: str
) -> RequestPage:
    """Return the page of the public service requests matching the query, newest first, with
    the total up to COUNT_CAP (cases public views do not show are never counted)."""
    paging, skip = _paging(query)
    found = await cases.public_cases(session, _where(query, clock.now()), paging=paging, skip=skip)
    return RequestPage(
        [service_request(c, base_url=base_url) for c in found.items],
        found.next,
        found.total or 0,
        found.total_capped,
    )


async def case_by_ref(session: AsyncSession, ref: str) -> cases.PublicCase:
    """Return the public view of the case `ref`; a case that is not public is as missing."""
    found = await cases.public_case(session, ref)
    if found is None:
        raise NotFound(f"no service request '{ref}'", code="unknown_request")
    return found


def service_request(case: cases.PublicCase, *, base_url: str) -> dict[str, Any]:
    """Return the GeoReport view of a public case, with the notes[] update history (its steps;
    a note's text only when staff made it public)."""
    notes = [
        {
            "datetime": _iso(n.at),
            "summary": n.action,
            "description": n.note,
            "status": public_status_of(n.status),
        }
        for n in case.notes
    ]
    return {
        "service_request_id": case.ref,
        "token": case.ref,
        "status": public_status_of(case.status),
        "status_notes": next((n.note for n in reversed(case.notes) if n.note), None),
        "service_name": case.category_name,
        "service_code": case.category_code,
        "description": case.description,
        "agency_responsible": case.agency,
        "service_notice": None,
        "requested_datetime": _iso(case.created_at),
        "updated_datetime": _iso(case.updated_at),
        "expected_datetime": _iso(case.expected_at),
        "address": None,
        "address_id": None,
        "zipcode": None,
        "lat": case.lat,
        "long": case.lon,
        "media_url": _media_url(base_url, case.ref, case.photos[0]) if case.photos else None,
        "notes": notes,
    }


def public_status_of(status: str | None) -> str | None:
    """Return open/closed for an internal status (None stays None)."""
    if status is None:
        return None
    return "closed" if status in TERMINAL else "open"


def _media_url(base_url: str, ref: str, photo_id: uuid.UUID) -> str:
    return f"{base_url.rstrip('/')}/open311/v2/media/{ref}/{photo_id}"


async def photo(session: AsyncSession, ref: str, attachment_id: uuid.UUID) -> Attachment:
    """Return a public photo of the public service request `ref`, with its bytes."""
    found = await cases.public_attachment(session, ref, attachment_id)
    if found is None:
        raise NotFound("no such photo", code="unknown_media")
    return found


async def api_key_principal(session: AsyncSession, api_key: str | None) -> Principal:
    """Return the holder of a POST requests form's `api_key` (the spec's answer is 403)."""
    if not api_key:
        raise security_error("api_key is required")
    try:
        return await security.principal_for_token(session, api_key)
    except Unauthenticated as err:
        raise security_error("invalid api_key") from err


async def create_request(
    session: AsyncSession, *, principal: Principal, form: dict[str, str]
) -> Case:
    """Open a case from a POST requests form, reported by `principal` (its api_key's holder)."""
    code = (form.get("service_code") or "").strip()
    if not code:
        raise Open311Error("service_code is required", code="service_code_required")
    category = await _category(session, code)
    lon, lat = _point(form)
    address = (form.get("address_string") or "").strip()
    unit = None
    if lon is None:
        if not address:
            raise Open311Error("give lat and long, or address_string", code="location_required")
        unit = await _only_report_unit(session, principal)
    description = (form.get("description") or "").strip()
    extra = [f"Address: {address}" if address else "", _media_line(form.get("media_url"))]
    text = "\n".join([description, *[x for x in extra if x]]).strip()
    title = (description.splitlines()[0] if description else category.name)[:200]
    return await cases.report_case(
        session,
        actor=principal,
        category_code=category.code,
        title=title,
        description=text,
        lon=lon,
        lat=lat,
        unit=unit,
        source="resident",
        source_ref=(form.get("device_id") or None),
    )


def security_error(detail: str) -> Forbidden:
    """Return the error the spec answers with 403 (a missing or invalid api_key)."""
    return Forbidden(detail, code="bad_api_key")


def _point(form: dict[str, str]) -> tuple[float | None, float | None]:
    raw_lat, raw_lon = form.get("lat"), form.get("long")
    if not raw_lat and not raw_lon:
        return None, None
    try:
        return float(raw_lon or ""), float(raw_lat or "")
    except ValueError as err:
        raise Open311Error("lat and long are decimal degrees", code="bad_coordinates") from err


def _media_line(url: str | None) -> str:
    if not url:
        return ""
    if not url.startswith(("http://", "https://")) or len(url) > 1000:
        raise Open311Error("media_url is an http(s) URL", code="bad_media_url")
    return f"Media: {url}"


async def _only_report_unit(session: AsyncSession, principal: Principal) -> OrgUnit:
    grants = {g.unit_id for g in principal.grants if principal.can("cases:report", g.unit_path)}
    if len(grants) != 1:
        raise Open311Error(
            "this api_key reports into several places: give lat and long",
            code="location_required",
        )
    return await org_service.get_unit(session, grants.pop())


def parse_datetime(name: str, value: str | None) -> datetime | None:
    """Parse a W3C datetime query value (`2010-01-01T00:00:00Z`); naive means UTC."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00").replace(" ", "+"))
    except ValueError as err:
        raise Open311Error(f"{name} is a W3C datetime", code="bad_datetime") from err
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed


def split_list(value: str | None) -> tuple[str, ...]:
    """Split a comma-delimited query value."""
    return tuple(v.strip() for v in (value or "").split(",") if v.strip())


__all__: Sequence[str] = (
    "RequestPage",
    "RequestQuery",
    "case_by_ref",
    "create_request",
    "find_requests",
    "photo",
    "service_definition",
    "service_request",
    "services",
)
