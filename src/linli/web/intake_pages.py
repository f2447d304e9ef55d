"""The operator's intake form (hotline and patrol reports) and the triage queue.

The form posts to a page route that calls the same service as `POST /api/cases`; suggestions
while typing and the building search come back as HTML fragments for HTMX. The queue's buttons
post to the cases JSON API (register, reject as duplicate, confirm the category) like every
other case page, then re-render the queue.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession

from linli.cases import service as cases_service
from linli.cases.intake import service as intake_service
from linli.cases.models import Case, Category
from linli.cases.triage import classifier
from linli.cases.triage import duplicates as duplicate_finder
from linli.cases.triage import service as triage_service
from linli.cases.triage.classifier import Triage
from linli.core import media
from linli.core.errors import LinliError, ValidationFailed
from linli.core.pagination import PageQuery
from linli.core.settings import get_settings
from linli.org.models import OrgUnit
from linli.registry import service as registry_service
from linli.registry.models import Building
from linli.security.deps import DbSession, require_page
from linli.security.permissions import Principal
from linli.web.case_pages import CaseView, case_views
from linli.web.frame import page_context, viewer_timezone
from linli.web.paging import PageCursor, pager
from linli.web.templating import page_locale, render

router = APIRouter(include_in_schema=False)

INTAKE_SOURCES = ("hotline", "patrol", "staff")
QUEUE_LIMIT = 100
SUGGESTIONS = 3
# Confirming or overriding a case's category (and teaching triage): linli.cases.triage_api.
CONFIRM_URL = "/api/cases/{id}/triage"


@dataclass(frozen=True, slots=True)
class Suggestion:
    """A category the classifier proposes for a text, with its confidence (0–1)."""

    category: Category | None
    code: str
    confidence: float


@dataclass(frozen=True, slots=True)
class Duplicate:
    """An open case a report may duplicate."""

    case: Case
    distance_m: float
    similarity: float


@dataclass(frozen=True, slots=True)
class QueueItem:
    """A reported case with what triage says about it."""

    view: CaseView
    suggestions: list[Suggestion]
    unit: OrgUnit | None
    duplicates: list[Duplicate]
    # A sensor rule or a camera's event type gave the category: no text suggestions.
    rule_given: bool = False


def suggest_categories(
    model: Triage | None, text: str, categories: dict[str, Category], *, k: int = SUGGESTIONS
) -> list[Suggestion]:
    """Return the classifier's likeliest categories for `text` (none without a trained model)."""
    if model is None or not text.strip():
        return []
    return [
        Suggestion(categories.get(code), code, confidence)
        for code, confidence in model.suggest(text, k=k)
        if code in categories
    ]


async def find_duplicates(
    session: AsyncSession,
    principal: Principal,
    *,
    text: str,
    category: Category,
    lon: float,
    lat: float,
    exclude: uuid.UUID | None = None,
) -> list[Duplicate]:
    """Return open cases of the same kind near the point that the principal may read (by the
    category's own duplicate radius and window)."""
    model = await intake_service.current_triage_model(session)
    found = await duplicate_finder.candidates_for(
        session,
        category,
        text=text,
        lon=lon,
        lat=lat,
        similarity=model.similarities if model is not None else duplicate_finder.text_similarities,
    )
    listed: list[Duplicate] = []
    for candidate in found:
        if candidate.case_id == exclude:
            continue
        try:
            case = await cases_service.get_case(session, candidate.case_id, principal=principal)
        except LinliError:
            continue
        listed.append(Duplicate(case, candidate.distance_m, candidate.similarity))
    return listed


async def _categories(session: AsyncSession) -> dict[str, Category]:
    return {c.code: c for c in await cases_service.list_categories(session)}


def _point(lon: str | None, lat: str | None) -> tuple[float, float] | None:
    try:
        x, y = float(lon or ""), float(lat or "")
    except ValueError:
        return None
    if -180 <= x <= 180 and -90 <= y <= 90:
        return x, y
    return None


# ---------------------------------------------------------------- intake form


@router.get("/intake")
async def intake_form(
    request: Request,
    principal: Annotated[Principal, Depends(require_page("cases:report"))],
    session: DbSession,
) -> Response:
    """Show the form an operator fills while a caller is on the line (or after a patrol)."""
    return await _render_form(request, session, principal, values={}, error=None)


async def _render_form(
    request: Request,
    session: AsyncSession,
    principal: Principal,
    *,
    values: dict[str, str],
    error: LinliError | None,
) -> Response:
    settings = get_settings()
    categories = sorted((await _categories(session)).values(), key=lambda c: c.code)
    return render(
        request,
        "intake.html",
        locale=page_locale(request, principal.locale),
        timezone=await viewer_timezone(session, principal),
        status_code=422 if error is not None else 200,
        categories=categories,
        sources=INTAKE_SOURCES,
        values=values,
        error=error,
        tile_url=settings.tile_url,
        tile_attribution=settings.tile_attribution,
        active="intake",
        **page_context(principal),
    )


@router.post("/intake")
async def submit_intake(
    request: Request,
    principal: Annotated[Principal, Depends(require_page("cases:report"))],
    session: DbSession,
    text: Annotated[str, Form(max_length=4000)] = "",
    title: Annotated[str, Form(max_length=200)] = "",
    category_code: Annotated[str, Form(max_length=64)] = "",
    source: Annotated[str, Form(max_length=16)] = "hotline",
    lon: Annotated[str, Form(max_length=32)] = "",
    lat: Annotated[str, Form(max_length=32)] = "",
    caller_name: Annotated[str, Form(max_length=100)] = "",
    caller_phone: Annotated[str, Form(max_length=32)] = "",
    photo: Annotated[UploadFile | None, File()] = None,
) -> Response:
    """Open the case the form describes (as `POST /api/cases` would) and show it."""
    values = {
        "text": text,
        "title": title,
        "category_code": category_code,
        "source": source,
        "lon": lon,
        "lat": lat,
        "caller_name": caller_name,
        "caller_phone": caller_phone,
    }
    try:
        if source not in INTAKE_SOURCES:
            raise ValidationFailed(f"unknown case source '{source}'", code="unknown_source")
        if not text.strip():
            raise ValidationFailed("say what the problem is", code="text_required")
        if not category_code.strip():
            raise ValidationFailed("choose a category for the report", code="category_required")
        point = _point(lon, lat) if (lon.strip() or lat.strip()) else None
        if (lon.strip() or lat.strip()) and point is None:
            raise ValidationFailed("lon/lat out of range", code="bad_coordinates")
        data = await photo.read(media.MAX_PHOTO_BYTES + 1) if photo is not None else b""
        cleaned = media.clean_photo(data) if data else None
        contact = intake_service.Contact(caller_name, caller_phone).cleaned()
        first_line = text.strip().splitlines()[0].strip()
        case = await cases_service.report_case(
            session,
            actor=principal,
            category_code=category_code.strip(),
            title=(title.strip() or first_line)[:200],
            description=text.strip(),
            lon=point[0] if point else None,
            lat=point[1] if point else None,
            source=source,
        )
        if contact is not None:
            await intake_service.record_reporter(session, case, channel=source, contact=contact)
        if cleaned is not None:
            photo_bytes, content_type = cleaned
            await cases_service.keep_photo(
                session, case, data=photo_bytes, content_type=content_type, actor=principal.actor
            )
    except LinliError as err:
        await session.rollback()  # nothing half-stored; the form comes back as it was typed
        return await _render_form(request, session, principal, values=values, error=err)
    return RedirectResponse(f"/cases/{case.id}", status_code=303)


@router.get("/intake/suggest")
async def intake_suggestions(
    request: Request,
    principal: Annotated[Principal, Depends(require_page("cases:report"))],
    session: DbSession,
    text: Annotated[str, Query(max_length=4000)] = "",
    category_code: Annotated[str, Query(max_length=64)] = "",
    lon: Annotated[str, Query(max_length=32)] = "",
    lat: Annotated[str, Query(max_length=32)] = "",
) -> Response:
    """Return (as an HTML fragment) the categories, unit and open duplicates the text suggests."""
    categories = await _categories(session)
    model = await intake_service.current_triage_model(session)
    suggestions = suggest_categories(model, text, categories)
    code = category_code.strip() or (suggestions[0].code if suggestions else "")
    point = _point(lon, lat)
    unit: OrgUnit | None = None
    duplicates: list[Duplicate] = []
    if point is not None and code in categories:
        unit = await classifier.suggest_unit(
            session, category_code=code, lon=point[0], lat=point[1]
        )
        if text.strip():
            duplicates = await find_duplicates(
                session,
                principal,
                text=text,
                category=categories[code],
                lon=point[0],
                lat=point[1],
            )
    return render(
        request,
        "_intake_suggestions.html",
        locale=page_locale(request, principal.locale),
        suggestions=suggestions,
        unit=unit,
        duplicates=duplicates,
        has_text=bool(text.strip()),
    )


@router.get("/intake/buildings")
async def building_search(
    request: Request,
    principal: Annotated[Principal, Depends(require_page("cases:report"))],
    session: DbSession,
    q: Annotated[str, Query(max_length=100)] = "",
) -> Response:
    """Return (as an HTML fragment) the buildings whose name, code or address matches `q`."""
    buildings: list[Building] = []
    if len(q.strip()) >= 2:
        buildings, _ = await registry_service.list_buildings(
            session, principal=principal, q=q.strip(), limit=10
        )
    return render(
        request,
        "_building_results.html",
        locale=page_locale(request, principal.locale),
        buildings=buildings,
        q=q.strip(),
    )


# ---------------------------------------------------------------- triage queue


@router.get("/triage")
async def triage_queue(
    request: Request,
    principal: Annotated[Principal, Depends(require_page("cases:register"))],
    session: DbSession,
    cursor: PageCursor = None,
) -> Response:
    """Show the reported cases waiting for registration, with triage's suggestions."""
    locale = page_locale(request, principal.locale)
    page = await cases_service.list_cases(
        session,
        principal=principal,
        statuses=("reported",),
        where_may="cases:register",
        paging=PageQuery(cursor=cursor, limit=QUEUE_LIMIT, count=True),
    )
    waiting = page.items
    categories = await _categories(session)
    model = await intake_service.current_triage_model(session)
    items: list[QueueItem] = []
    for view in await case_views(session, principal, waiting):
        c = view.case
        text = f"{c.title}\n{c.description}".strip()
        unit = None
        duplicates: list[Duplicate] = []
        if c.lon is not None and c.lat is not None and view.category is not None:
            unit = await classifier.suggest_unit(
                session, category_code=c.category_code, lon=c.lon, lat=c.lat
            )
            duplicates = await find_duplicates(
                session,
                principal,
                text=text,
                category=view.category,
                lon=c.lon,
                lat=c.lat,
                exclude=c.id,
            )
        duplicates = [d for d in duplicates if d.case.created_at <= c.created_at]
        rule_given = triage_service.category_from_rule(c)
        suggestions = [] if rule_given else suggest_categories(model, text, categories)
        items.append(QueueItem(view, suggestions, unit, duplicates, rule_given))
    return render(
        request,
        "triage_queue.html",
        locale=locale,
        timezone=await viewer_timezone(session, principal),
        items=items,
        total=page.total or 0,
        pages=pager(request, page, locale=locale),
        categories=sorted(categories.values(), key=lambda c: c.code),
        confirm_url=CONFIRM_URL,
        active="triage",
        **page_context(principal),
    )
