"""The case core, the one module other domains and the case sub-packages import.

Scoped reads and attachments live here; categories in `linli.cases.categories`, opening a case
(`report_case`, `open_case_from_alarm`, …) in `linli.cases.opening`, transitions (register …
close) in `linli.cases.transitions` and the SLA sweep in `linli.cases.sla` — all re-exported below.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from linli.cases import catalogue, repository
from linli.cases.catalogue import CatalogueEntry, entry_of
from linli.cases.categories import (
    categories_in_tree,
    category_for,
    get_category,
    list_categories,
    require_category_admin,
    upsert_category,
)
from linli.cases.dispatch import service as dispatch_service
from linli.cases.errors import AttachmentNotFound, CaseClosed
from linli.cases.evidence import evidence_ids, need_reason, needs_photo
from linli.cases.followers import add_me_too
from linli.cases.models import (
    STATUSES,
    TERMINAL,
    TRANSITIONS,
    VISIBILITIES,
    Attachment,
    Case,
    CaseEvent,
)
from linli.cases.opening import (
    MAX_DESCRIPTION,
    MAX_TITLE,
    open_case,
    open_case_from_alarm,
    record_alarm_attached,
    record_alarm_cleared,
    report_case,
)
from linli.cases.public import (
    PublicCase,
    PublicNote,
    is_public,
    public_attachment,
    public_case,
    public_cases,
    public_clause,
    public_point,
    public_timeline,
    shown_publicly,
)
from linli.cases.publication import (
    publish_case,
    publish_step_note,
    set_attachment_visibility,
    set_note_visibility,
)
from linli.cases.schemas import (
    AttachmentRead,
    CaseDetail,
    CaseEventRead,
    CaseRead,
)
from linli.cases.sla.service import escalate_overdue
from linli.cases.transitions import (
    accept_case,
    allowed_actions,
    apply_transition,
    assign,
    close_case,
    dispatch_case,
    handle_case,
    load_for,
    may,
    place,
    readable,
    register_case,
    reject_case,
    return_case,
    start_case,
    verify_case,
    visible,
)
from linli.cases.wording import ALARM as ALARM_WORDS
from linli.cases.wording import CAMERA as CAMERA_WORDS
from linli.cases.wording import (
    StoredWords,
    alarm_params,
    camera_params,
    description_in,
    title_in,
    words_in,
)
from linli.cases.wording import render as render_words
from linli.core import media
from linli.core.errors import Forbidden, ValidationFailed
from linli.core.pagination import Page, PageQuery
from linli.security import audit
from linli.security import people as people_service
from linli.security.permissions import Principal

__all__ = [
    "ALARM_WORDS",
    "CAMERA_WORDS",
    "MAX_DESCRIPTION",
    "MAX_TITLE",
    "CatalogueEntry",
    "PublicCase",
    "PublicNote",
    "StoredWords",
    "accept_case",
    "add_me_too",
    "add_photo",
    "alarm_params",
    "allowed_actions",
    "apply_transition",
    "assign",
    "attachments",
    "camera_params",
    "case_detail",
    "case_read",
    "categories_in_tree",
    "category_for",
    "close_case",
    "description_in",
    "dispatch_case",
    "entry_of",
    "escalate_overdue",
    "evidence_ids",
    "find_case",
    "get_attachment",
    "get_case",
    "get_category",
    "handle_case",
    "is_public",
    "keep_photo",
    "list_cases",
    "list_categories",
    "load_for",
    "load_shipped_catalogue",
    "may_add_photo",
    "need_reason",
    "needs_photo",
    "newest_open_case",
    "open_case",
    "open_case_from_alarm",
    "photo_counts",
    "place",
    "public_attachment",
    "public_case",
    "public_cases",
    "public_clause",
    "public_point",
    "public_timeline",
    "publish_case",
    "publish_step_note",
    "record_alarm_attached",
    "record_alarm_cleared",
    "register_case",
    "reject_case",
    "render_words",
    "report_case",
    "require_category_admin",
    "return_case",
    "set_attachment_visibility",
    "set_note_visibility",
    "shown_publicly",
    "start_case",
    "timeline",
    "title_in",
    "upsert_category",
    "verify_case",
    "visible",
    "words_in",
]

# --- categories ---------------------------------------------------------------------------


async def load_shipped_catalogue(session: AsyncSession) -> int:
    """Store the category catalogue shipped with Linli (both demo sites use it); return how many
    categories it holds."""
    entries = catalogue.read_catalogue()
    for entry in entries:  # each major group comes before its leaves
        await catalogue.store_entry(session, entry)
    return len(entries)


# --- reads --------------------------------------------------------------------------------


async def find_case(
    session: AsyncSession, case_id: uuid.UUID, *, for_update: bool = False
) -> Case | None:
    """Return a case whatever its scope (callers hold a token or check access), locked if asked."""
    return await repository.get_case(session, case_id, for_update=for_update)


async def get_case(session: AsyncSession, case_id: uuid.UUID, *, principal: Principal) -> Case:
    """Return a case the principal may read, or raise NotFound."""
    return await load_for(session, case_id, principal)


async def list_cases(
    session: AsyncSession,
    *,
    principal: Principal,
    statuses: Sequence[str] = (),
    overdue: bool | None = None,
    assigned_to_me: bool = False,
    q: str | None = None,
    where_may: str | None = None,
    my_work: bool = False,
    paging: PageQuery = PageQuery(),
) -> Page[Case]:
    """Return the page `paging` asks for of the cases the principal may read, newest first.

    `where_may`: only cases where the principal holds that permission on the case's place.
    `my_work`: only cases assigned to the principal or dispatched to a unit they handle for.
    """
    unknown = set(statuses) - set(STATUSES)
    if unknown:
        raise ValidationFailed(f"unknown status {sorted(unknown)}", code="unknown_status")
    where: list[ColumnElement[bool]] = [readable(principal)]  # joint cases too
    if statuses:
        where.append(Case.status.in_(list(statuses)))
    if overdue is not None:
        where.append(Case.overdue.is_(overdue))
    if assigned_to_me:
        where.append(Case.assignee_id == principal.account_id)
    if q and q.strip():
        where.append(repository.search_clause(q))
    if where_may is not None:
        where.append(principal.scope(where_may, Case.org_path))
    if my_work:
        mine = Case.assignee_id == principal.account_id
        where.append(or_(mine, principal.scope("cases:handle", Case.assigned_path)))
    return await repository.list_cases(session, where, paging)


def case_read(case: Case, locale: str) -> CaseRead:
    """Return the case as the API lists it, its words as a reader of `locale` reads them."""
    return CaseRead.model_validate(case).model_copy(update=words_in(case, locale))


async def case_detail(session: AsyncSession, case: Case, principal: Principal) -> CaseDetail:
    """Return the case as the API shows it: with its timeline, photos and allowed actions (its
    words in the caller's language)."""
    events = await timeline(session, case)
    files = await attachments(session, case)
    staff = await people_service.people(session, actors=[e.actor for e in events])
    return CaseDetail.model_validate(
        {
            **case_read(case, principal.locale).model_dump(),
            "timeline": [
                CaseEventRead.model_validate(e).model_copy(
                    update={"actor_name": p.display_name if (p := staff.get(e.actor)) else None}
                )
                for e in events
            ],
            "attachments": [AttachmentRead.model_validate(a) for a in files],
            "allowed_actions": allowed_actions(principal, case),
        }
    )


async def timeline(session: AsyncSession, case: Case) -> Sequence[CaseEvent]:
    """Return a case's timeline (the caller has read the case through `get_case`)."""
    return await repository.timeline(session, case.id)


async def attachments(session: AsyncSession, case: Case) -> Sequence[Attachment]:
    """Return the metadata of a case's attachments."""
    return await repository.attachments(session, case.id)


# --- attachments --------------------------------------------------------------------------


async def add_photo(
    session: AsyncSession,
    case_id: uuid.UUID,
    *,
    principal: Principal,
    data: bytes,
    visibility: str = "internal",
) -> Attachment:
    """Keep a photo on the case (public views show it only when `visibility` is public); refuse
    anything not a JPEG/PNG/WebP of at most 5 MB."""
    case = await load_for(session, case_id, principal, for_update=True)
    # Supporting units of a joint case bring their own proof.
    supporting = [p.unit_path for p in await dispatch_service.participants(session, case.id)]
    if not may_add_photo(principal, case, supporting):
        raise Forbidden("you may not add photos to this case", code="forbidden_scope")
    if case.status in TERMINAL:
        raise CaseClosed(case.status)
    if visibility not in VISIBILITIES:
        raise ValidationFailed("visibility is internal or public", code="bad_visibility")
    content_type = media.check_photo(data)
    return await keep_photo(
        session,
        case,
        data=data,
        content_type=content_type,
        actor=principal.actor,
        visibility=visibility,
    )


def may_add_photo(principal: Principal, case: Case, supporting_paths: Sequence[str] = ()) -> bool:
    """Return whether the principal may add a photo to the case: its handlers (of the unit where
    it happened, the unit it went to, or a supporting unit), and whoever may verify or close it
    there, so the closing role can bring the proof closing needs."""
    paths = [case.org_path, case.assigned_path, *supporting_paths]
    if any(principal.can("cases:handle", p) for p in paths):
        return True
    return any(may(principal, case, TRANSITIONS[action]) for action in ("verify", "close"))


async def photo_counts(session: AsyncSession, cases: Sequence[Case]) -> dict[uuid.UUID, int]:
    """Return how many photos each of `cases` holds (cases without any are left out)."""
    return await repository.photo_counts(session, [c.id for c in cases])


async def keep_photo(
    session: AsyncSession,
    case: Case,
    *,
    data: bytes,
    content_type: str,
    actor: str,
    visibility: str = "internal",
) -> Attachment:
    """Store a checked photo on the case and audit it (callers check who may)."""
    attachment = Attachment.photo(case.id, data, content_type, actor)
    attachment.visibility = visibility
    session.add(attachment)
    await session.flush()
    await audit.record(
        session,
        actor=actor,
        action="case.attach",
        target_type="case",
        target_id=str(case.id),
        org_path=case.org_path,
        detail={
            "attachment": str(attachment.id),
            "sha256": attachment.sha256,
            "visibility": visibility,
        },
    )
    return attachment


async def get_attachment(
    session: AsyncSession, case_id: uuid.UUID, attachment_id: uuid.UUID, *, principal: Principal
) -> Attachment:
    """Return an attachment with its bytes, if the principal may read its case."""
    case = await load_for(session, case_id, principal)
    attachment = await repository.attachment_with_data(session, case.id, attachment_id)
    if attachment is None:
        raise AttachmentNotFound()
    return attachment


async def newest_open_case(
    session: AsyncSession, case_ids: Sequence[uuid.UUID], *, category_code: str
) -> uuid.UUID | None:
    """Return the newest of `case_ids` that is still open and of `category_code`, if any."""
    if not case_ids:
        return None
    stmt = (
        select(Case.id)
        .where(
            Case.id.in_(list(case_ids)),
            Case.category_code == category_code,
            Case.status.not_in(sorted(TERMINAL)),
        )
        .order_by(Case.created_at.desc())
        .limit(1)
    )
    found: uuid.UUID | None = await session.scalar(stmt)
    return found
