"""Public views of cases: the one projection Open311, the resident's follow-up page and the
"me too" search read.

A case is public when staff published it, or when a resident reported it in a public category;
cases from the internal channels (alarm, camera, patrol, hotline, staff) and cases of non-public
categories (care, safety, disputes…) stay staff-only until staff publish them. A public view
shows the case's kind, status and responsible unit, its steps with the notes staff made public,
the photos staff made public, and its point snapped to the category's grid; the report's own
words (title, description) only once staff published the case — never the reporter, staff
names, internal notes or internal photos. A case that is not public is answered
exactly like a missing one, so sequential references reveal nothing.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from linli.cases import repository
from linli.cases.models import (
    PUBLIC_SOURCES,
    TRANSITIONS,
    Attachment,
    Case,
    Category,
    CategorySetting,
    tree_id_of,
)
from linli.cases.wording import words_in
from linli.core.pagination import Page, PageQuery
from linli.org import service as org_service

# The steps a public timeline lists (their notes only when staff made them public).
PUBLIC_STEPS = frozenset({"report", *TRANSITIONS})
_METRES_PER_DEGREE = 111_320.0


@dataclass(frozen=True, slots=True)
class PublicNote:
    """One step of a case as the public sees it: when, which step, the status it led to."""

    at: datetime
    action: str
    status: str | None
    note: str | None


@dataclass(frozen=True, slots=True)
class PublicCase:
    """What anyone may read of a case: nothing personal, nothing internal."""

    ref: str
    status: str
    category_code: str
    category_name: str
    title: str
    description: str
    created_at: datetime
    updated_at: datetime
    closed_at: datetime | None
    expected_at: datetime | None
    lon: float | None
    lat: float | None
    agency: str | None
    me_too_count: int
    notes: tuple[PublicNote, ...]
    photos: tuple[uuid.UUID, ...]


def public_clause() -> ColumnElement[bool]:
    """Return the WHERE clause of the cases public views may show."""
    open_kinds = select(Category.code).where(Category.public.is_(True))
    # The case's tree may say otherwise than the shared default (see `category_settings`).
    own = (
        select(CategorySetting.public)
        .where(
            CategorySetting.category_code == Case.category_code,
            CategorySetting.public.is_not(None),
            Case.org_path.startswith(CategorySetting.tree_path),
        )
        .limit(1)
        .scalar_subquery()
    )
    return or_(
        Case.published.is_(True),
        and_(
            Case.source.in_(sorted(PUBLIC_SOURCES)),
            func.coalesce(own, Case.category_code.in_(open_kinds)).is_(True),
        ),
    )


def is_public(case: Case, category: Category | None) -> bool:
    """Say whether public views show `case` (of `category`), as `public_clause` does."""
    if case.published:
        return True
    return case.source in PUBLIC_SOURCES and category is not None and category.public


async def shown_publicly(session: AsyncSession, case: Case) -> bool:
    """Say whether public views show `case`."""
    return is_public(
        case, await repository.category_for_path(session, case.category_code, case.org_path)
    )


def snap_point(lon: float, lat: float, metres: int) -> tuple[float, float]:
    """Return the centre of the `metres` grid cell holding the point (the point itself for 0)."""
    if metres <= 0:
        return lon, lat
    step_lat = metres / _METRES_PER_DEGREE
    snapped_lat = (math.floor(lat / step_lat) + 0.5) * step_lat
    scale = max(math.cos(math.radians(snapped_lat)), 0.01)
    step_lon = metres / (_METRES_PER_DEGREE * scale)
    snapped_lon = (math.floor(lon / step_lon) + 0.5) * step_lon
    return round(snapped_lon, 6), round(snapped_lat, 6)


def public_point(case: Case, category: Category | None) -> tuple[float | None, float | None]:
    """Return the case's point as public views show it: rounded where the category asks."""
    if case.lon is None or case.lat is None:
        return None, None
    return snap_point(case.lon, case.lat, category.round_location_m if category else 0)


async def public_timeline(session: AsyncSession, case: Case) -> list[PublicNote]:
    """Return the steps of a case with the notes staff made public (others without a note)."""
    return [
        PublicNote(e.at, e.action, e.to_status, e.note if e.visibility == "public" else None)
        for e in await repository.timeline(session, case.id)
        if e.action in PUBLIC_STEPS
    ]


async def _project(
    session: AsyncSession,
    case: Case,
    categories: dict[tuple[str, uuid.UUID | None], Category | None],
    units: dict[uuid.UUID, str],
    locale: str | None,
) -> PublicCase:
    key = (case.category_code, tree_id_of(case.org_path))
    if key not in categories:
        categories[key] = await repository.category_in_tree(session, *key)
    category = categories[key]
    agency = None
    if case.assigned_unit_id is not None:
        if case.assigned_unit_id not in units:
            unit = await org_service.get_unit(session, case.assigned_unit_id)
            units[case.assigned_unit_id] = unit.name
        agency = units[case.assigned_unit_id]
    lon, lat = public_point(case, category)
    photos = [
        a.id
        for a in await repository.attachments(session, case.id)
        if a.kind == "photo" and a.visibility == "public"
    ]
    if category is None:
        name = case.category_code
    else:
        name = category.name_in(locale) if locale else category.name
    # A reader's language, when given, says a rule's words in it (Open311 reads the stored text).
    words = (
        words_in(case, locale) if locale else {"title": case.title, "description": case.description}
    )
    # A report's words are the reporter's: public once staff have read and published the case.
    if case.published:
        title, text = words["title"], words["description"] or words["title"]
    else:
        title = text = name
    return PublicCase(
        ref=case.ref,
        status=case.status,
        category_code=case.category_code,
        category_name=name,
        title=title,
        description=text,
        created_at=case.created_at,
        updated_at=case.updated_at,
        closed_at=case.closed_at,
        expected_at=case.step_deadline_at,
        lon=lon,
        lat=lat,
        agency=agency,
        me_too_count=case.me_too_count,
        notes=tuple(await public_timeline(session, case)),
        photos=tuple(photos),
    )


async def public_cases(
    session: AsyncSession,
    where: Sequence[ColumnElement[bool]] = (),
    *,
    paging: PageQuery = PageQuery(),
    skip: int = 0,
    locale: str | None = None,
) -> Page[PublicCase]:
    """Return the page `paging` asks for of the public cases matching `where`, newest first,
    `skip` rows further on (callers bound it); kinds and a rule's words in `locale` if given."""
    page = await repository.list_cases(session, [public_clause(), *where], paging, skip=skip)
    categories: dict[tuple[str, uuid.UUID | None], Category | None] = {}
    units: dict[uuid.UUID, str] = {}
    items = [await _project(session, c, categories, units, locale) for c in page.items]
    return Page(items, page.next, page.total, page.total_capped)


async def public_case(session: AsyncSession, ref: str) -> PublicCase | None:
    """Return the public view of the case `ref`; None when it is missing or not public."""
    case = await session.scalar(select(Case).where(Case.ref == ref, public_clause()))
    return await _project(session, case, {}, {}, None) if case is not None else None


async def public_attachment(
    session: AsyncSession, ref: str, attachment_id: uuid.UUID
) -> Attachment | None:
    """Return a public photo of a public case, with its bytes; None for anything else."""
    case = await session.scalar(select(Case).where(Case.ref == ref, public_clause()))
    if case is None:
        return None
    attachment = await repository.attachment_with_data(session, case.id, attachment_id)
    if attachment is None or attachment.visibility != "public":
        return None
    return attachment
