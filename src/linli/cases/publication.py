"""Staff decide what the public sees of a case: publish the case, make a note or a photo public.

Each decision needs `cases:register` on the case's subtree (the unit that owns the case owns its
public face), except that whoever takes a step may make that step's own note public as they take
it. Every decision is audited; publishing a case is also a step on its timeline.
"""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from linli.cases import repository
from linli.cases.errors import AttachmentNotFound
from linli.cases.events import append_event
from linli.cases.models import TRANSITIONS, VISIBILITIES, Attachment, Case, CaseEvent
from linli.cases.transitions import load_for
from linli.core import clock
from linli.core.errors import Forbidden, NotFound, ValidationFailed
from linli.security import audit
from linli.security.permissions import Principal

EDITOR_PERMISSION = "cases:register"


def _require_editor(principal: Principal, case: Case) -> None:
    if not principal.can(EDITOR_PERMISSION, case.org_path):
        raise Forbidden(
            f"deciding what the public sees of this case needs '{EDITOR_PERMISSION}' on it",
            code="forbidden_scope",
        )


def _check(visibility: str) -> str:
    if visibility not in VISIBILITIES:
        raise ValidationFailed(
            f"visibility is one of {', '.join(VISIBILITIES)}", code="bad_visibility"
        )
    return visibility


async def _audit(
    session: AsyncSession, case: Case, actor: str, action: str, **detail: object
) -> None:
    await audit.record(
        session,
        actor=actor,
        action=action,
        target_type="case",
        target_id=str(case.id),
        org_path=case.org_path,
        detail={"ref": case.ref, **detail},
    )


async def publish_case(
    session: AsyncSession, case_id: uuid.UUID, *, principal: Principal, published: bool
) -> Case:
    """Show the case in public views whatever its source and category (or take it back)."""
    case = await load_for(session, case_id, principal, for_update=True)
    _require_editor(principal, case)
    if case.published != published:
        case.published = published
        action = "publish" if published else "unpublish"
        await append_event(
            session,
            case,
            at=clock.now(),
            actor=principal.actor,
            action=action,
            from_status=case.status,
            to_status=case.status,
            note=None,
            evidence=[],
            detail={},
        )
        await _audit(session, case, principal.actor, f"case.{action}")
    return case


async def set_note_visibility(
    session: AsyncSession,
    case_id: uuid.UUID,
    seq: int,
    *,
    principal: Principal,
    visibility: str,
) -> CaseEvent:
    """Make the note of timeline entry `seq` public or internal."""
    case = await load_for(session, case_id, principal, for_update=True)
    _require_editor(principal, case)
    event = await session.scalar(
        select(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.seq == seq)
    )
    if event is None:
        raise NotFound("no such entry on this case's timeline", code="event_not_found")
    return await _set_note(session, case, event, _check(visibility), principal.actor)


async def _set_note(
    session: AsyncSession, case: Case, event: CaseEvent, visibility: str, actor: str
) -> CaseEvent:
    if event.visibility != visibility:
        event.visibility = visibility
        await _audit(session, case, actor, "case.note_visibility", seq=event.seq, to=visibility)
    return event


async def publish_step_note(session: AsyncSession, case: Case, *, principal: Principal) -> None:
    """Make public the note of the step the principal has just taken on `case`."""
    event = await session.scalar(
        select(CaseEvent)
        .where(CaseEvent.case_id == case.id)
        .order_by(CaseEvent.seq.desc())
        .limit(1)
    )
    if event is None or event.action not in TRANSITIONS or event.actor != principal.actor:
        raise Forbidden("only the step you have just taken", code="forbidden_scope")
    if event.note:
        await _set_note(session, case, event, "public", principal.actor)


async def set_attachment_visibility(
    session: AsyncSession,
    case_id: uuid.UUID,
    attachment_id: uuid.UUID,
    *,
    principal: Principal,
    visibility: str,
) -> Attachment:
    """Make a photo of the case public or internal."""
    case = await load_for(session, case_id, principal, for_update=True)
    _require_editor(principal, case)
    attachment = next(
        (a for a in await repository.attachments(session, case.id) if a.id == attachment_id),
        None,
    )
    if attachment is None:
        raise AttachmentNotFound()
    visibility = _check(visibility)
    if attachment.visibility != visibility:
        attachment.visibility = visibility
        await _audit(
            session,
            case,
            principal.actor,
            "case.attachment_visibility",
            attachment=str(attachment.id),
            to=visibility,
        )
    return attachment
