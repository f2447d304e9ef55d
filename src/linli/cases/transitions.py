"""Moving a case through its states: who may, what each step needs, and what it leaves behind.

Every transition appends a timeline event (actor, time, note, evidence), writes an audit entry
`case.<action>`, restarts the step clock and records `case.changed` for the live map.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from linli.cases import followers, repository
from linli.cases.dispatch import service as dispatch_service
from linli.cases.dispatch.models import CaseParticipant
from linli.cases.errors import CaseNotFound
from linli.cases.events import append_event, snapshot
from linli.cases.evidence import evidence_ids, need_reason, require_photo
from linli.cases.models import TABLE, TERMINAL, TRANSITIONS, Case, Category, Transition, transition
from linli.cases.sla import service as sla_service
from linli.core import clock, events
from linli.core.errors import Conflict, Forbidden, ValidationFailed
from linli.org import service as org_service
from linli.org.models import OrgUnit
from linli.security import audit
from linli.security.permissions import Principal


def visible(principal: Principal, case: Case) -> bool:
    """Return whether the principal may read the case (where it happened, or where it was sent)."""
    return principal.can("cases:read", case.org_path) or principal.can(
        "cases:read", case.assigned_path
    )


def readable(principal: Principal) -> ColumnElement[bool]:
    """Return the WHERE clause of the cases the principal may read, joint cases included."""
    supported = select(CaseParticipant.case_id).where(
        principal.scope("cases:read", CaseParticipant.unit_path)
    )
    return or_(
        principal.scope("cases:read", Case.org_path, Case.assigned_path),
        repository.any_of(Case.id, supported),
    )


async def supports(session: AsyncSession, principal: Principal, case: Case) -> bool:
    """Return whether the principal reads the case as staff of one of its participating units."""
    return any(
        principal.can("cases:read", p.unit_path)
        for p in await dispatch_service.participants(session, case.id)
    )


def may(principal: Principal, case: Case, row: Transition) -> bool:
    """Return whether the principal holds the transition's permission on this case."""
    paths = [case.org_path]
    if row.assigned_scope:
        paths.append(case.assigned_path or "")
    return any(principal.can(row.permission, p) for p in paths if p)


def allowed_actions(principal: Principal, case: Case) -> list[str]:
    """Return the API actions the principal may take on the case in its current status.

    `arbitrate` is left out: who may arbitrate depends on the supervisor's parent unit.
    """
    return [
        row.action
        for row in TABLE
        if row.action not in ("fail_verification", "arbitrate")  # verify(passed=false); see below
        and case.status in row.sources
        and may(principal, case, row)
    ]


async def load_for(
    session: AsyncSession, case_id: uuid.UUID, principal: Principal, *, for_update: bool = False
) -> Case:
    """Return a case the principal may read; anything else is NotFound, so ids cannot be probed."""
    case = await repository.get_case(session, case_id, for_update=for_update)
    if case is None:
        raise CaseNotFound()
    if not visible(principal, case) and not await supports(session, principal, case):
        raise CaseNotFound()
    return case


async def _begin(
    session: AsyncSession, case_id: uuid.UUID, action: str, principal: Principal
) -> Case:
    case = await load_for(session, case_id, principal, for_update=True)
    row = TRANSITIONS[action]
    if not may(principal, case, row):
        raise Forbidden(f"you lack '{row.permission}' on this case", code="forbidden_scope")
    transition(action, case.status)
    return case


def assign(case: Case, unit: OrgUnit, *, routed: bool) -> dict[str, Any]:
    """Send the case to `unit`; return the timeline detail saying where and how."""
    case.assigned_unit_id, case.assigned_path, case.assignee_id = unit.id, unit.path, None
    return {"unit": {"id": str(unit.id), "code": unit.code, "name": unit.name}, "routed": routed}


async def apply_transition(
    session: AsyncSession,
    case: Case,
    action: str,
    *,
    actor: str,
    note: str | None = None,
    evidence: Sequence[str] = (),
    detail: dict[str, Any] | None = None,
    category: Category | None = None,
) -> Case:
    """Move the case by `action` and leave the trail (timeline, audit, live event)."""
    row = transition(action, case.status)
    now = clock.now()
    from_status, case.status, case.updated_at = case.status, row.target, now
    if row.target in TERMINAL:
        case.closed_at = now
        await sla_service.resolve_overdue(session, case, now=now)
    if category is None:
        category = await repository.category_for_path(session, case.category_code, case.org_path)
    detail = dict(detail or {})
    # The town's first responders get a person at once, as an operator's `assign=auto` would.
    town_system = action == "dispatch" and actor == "system" and case.profile == "town"
    if town_system and case.assignee_id is None and case.assigned_unit_id is not None:
        unit = await org_service.get_unit(session, case.assigned_unit_id)
        picked = await dispatch_service.choose_assignee(session, case, unit)
        case.assignee_id = picked.account_id if picked else None
        detail["assignee"] = dispatch_service.person(picked)
    if category is not None:
        deadline = await sla_service.enter_step(session, case, category, now=now)
        if deadline is not None:
            detail["deadline_set"] = deadline
    await append_event(
        session,
        case,
        at=now,
        actor=actor,
        action=action,
        from_status=from_status,
        to_status=row.target,
        note=note,
        evidence=list(evidence),
        detail=detail,
    )
    await audit.record(
        session,
        actor=actor,
        action=f"case.{action}",
        target_type="case",
        target_id=str(case.id),
        org_path=case.org_path,
        detail={"ref": case.ref, "from": from_status, "to": row.target},
    )
    events.record(session, snapshot(case, action=action, actor=actor))
    return case


async def register_case(
    session: AsyncSession, case_id: uuid.UUID, *, principal: Principal, note: str | None = None
) -> Case:
    """Register a reported case (community-centre operator, grid profile)."""
    case = await _begin(session, case_id, "register", principal)
    return await apply_transition(session, case, "register", actor=principal.actor, note=note)


async def dispatch_case(
    session: AsyncSession,
    case_id: uuid.UUID,
    *,
    principal: Principal,
    unit_id: uuid.UUID | None = None,
    note: str | None = None,
    assignee_id: uuid.UUID | None = None,
    auto_assign: bool = False,
    supporting_unit_ids: Sequence[uuid.UUID] = (),
) -> Case:
    """Send the case to `unit_id`, or to the unit the routing table names for its category.

    A person in that unit may be named (`assignee_id`) or picked (`auto_assign`); supporting
    units make it a joint case led by the target unit.
    """
    if assignee_id is not None and auto_assign:
        raise ValidationFailed("name an assignee or ask for auto, not both", code="assign_conflict")
    case = await _begin(session, case_id, "dispatch", principal)
    if unit_id is not None:
        target = await session.get(OrgUnit, unit_id)
        root = case.org_path.split("/")[1]
        if target is None or not target.path.startswith(f"/{root}/"):
            raise ValidationFailed("no such unit in this case's tree", code="unknown_unit")
    else:
        here = await org_service.get_unit(session, case.org_unit_id)
        target = await org_service.route(session, category_code=case.category_code, unit=here)
        if target is None:
            raise Conflict(
                f"no routing rule names a unit for '{case.category_code}' here; pick a unit",
                code="no_route",
            )
    detail = assign(case, target, routed=unit_id is None)
    await place(
        session,
        case,
        target,
        detail,
        assignee_id=assignee_id,
        auto_assign=auto_assign,
        supporting_unit_ids=supporting_unit_ids,
    )
    return await apply_transition(
        session, case, "dispatch", actor=principal.actor, note=note, detail=detail
    )


async def place(
    session: AsyncSession,
    case: Case,
    target: OrgUnit,
    detail: dict[str, Any],
    *,
    assignee_id: uuid.UUID | None,
    auto_assign: bool,
    supporting_unit_ids: Sequence[uuid.UUID],
) -> None:
    """Name the case's person and supporting units at `target`, noting them in `detail`."""
    supporting = await dispatch_service.units_in_tree(session, case, supporting_unit_ids)
    await dispatch_service.set_participants(session, case, target, supporting)
    if supporting:
        detail["supporting"] = [{"id": str(u.id), "code": u.code} for u in supporting]
    picked: dispatch_service.Candidate | None = None
    if assignee_id is not None:
        picked = await dispatch_service.check_assignee(session, assignee_id, case, target)
    elif auto_assign:
        picked = await dispatch_service.choose_assignee(session, case, target)
    if assignee_id is not None or auto_assign:
        case.assignee_id = picked.account_id if picked else None
        detail["assignee"] = dispatch_service.person(picked)


async def accept_case(
    session: AsyncSession, case_id: uuid.UUID, *, principal: Principal, note: str | None = None
) -> Case:
    """Take a dispatched case on: the caller becomes its assignee."""
    case = await _begin(session, case_id, "accept", principal)
    case.assignee_id = principal.account_id
    return await apply_transition(session, case, "accept", actor=principal.actor, note=note)


async def start_case(
    session: AsyncSession, case_id: uuid.UUID, *, principal: Principal, note: str | None = None
) -> Case:
    """Start work on an accepted case."""
    case = await _begin(session, case_id, "start", principal)
    return await apply_transition(session, case, "start", actor=principal.actor, note=note)


async def handle_case(
    session: AsyncSession,
    case_id: uuid.UUID,
    *,
    principal: Principal,
    note: str | None,
    evidence: Sequence[uuid.UUID] = (),
) -> Case:
    """Report the work done, with a note and photos already attached to the case (a case that
    needs a photo to close needs one here, so it can be closed)."""
    case = await _begin(session, case_id, "handle", principal)
    text = need_reason("handle", note)
    waiting = await dispatch_service.open_supporting(session, case.id)
    if waiting:
        raise Conflict(
            "supporting units have not finished their part of this joint case",
            code="support_open",
            units=[str(p.unit_id) for p in waiting],
        )
    proof = await evidence_ids(session, case, evidence)
    category = await repository.category_for_path(session, case.category_code, case.org_path)
    await require_photo(session, case, category, action="handle")
    return await apply_transition(
        session, case, "handle", actor=principal.actor, note=text, evidence=proof, category=category
    )


async def verify_case(
    session: AsyncSession,
    case_id: uuid.UUID,
    *,
    principal: Principal,
    passed: bool,
    note: str | None = None,
    evidence: Sequence[uuid.UUID] = (),
) -> Case:
    """Accept the handler's proof, or send the case back to work with the reason."""
    action = "verify" if passed else "fail_verification"
    case = await _begin(session, case_id, action, principal)
    text = note.strip() if note and note.strip() else None
    if not passed:
        text = need_reason(action, note)
    proof = await evidence_ids(session, case, evidence)
    return await apply_transition(
        session, case, action, actor=principal.actor, note=text, evidence=proof
    )


async def close_case(
    session: AsyncSession,
    case_id: uuid.UUID,
    *,
    principal: Principal,
    note: str | None = None,
    evidence: Sequence[uuid.UUID] = (),
) -> Case:
    """Close a verified case; the town profile (and some grid categories) need a photo first."""
    case = await _begin(session, case_id, "close", principal)
    category = await repository.category_for_path(session, case.category_code, case.org_path)
    await require_photo(session, case, category, action="close")
    proof = await evidence_ids(session, case, evidence)
    return await apply_transition(
        session, case, "close", actor=principal.actor, note=note, evidence=proof, category=category
    )


async def reject_case(
    session: AsyncSession,
    case_id: uuid.UUID,
    *,
    principal: Principal,
    reason: str | None,
    duplicate_of: uuid.UUID | None = None,
) -> Case:
    """Reject an invalid case, or one that duplicates another (which is named)."""
    case = await _begin(session, case_id, "reject", principal)
    text = need_reason("reject", reason)
    detail: dict[str, Any] = {}
    original: Case | None = None
    if duplicate_of is not None:
        original = await repository.get_case(session, duplicate_of)
        if original is None or original.id == case.id or not visible(principal, original):
            raise ValidationFailed("no such case to be a duplicate of", code="unknown_duplicate")
        case.duplicate_of_id = original.id
        detail["duplicate_of"] = {"id": str(original.id), "ref": original.ref}
    rejected = await apply_transition(
        session, case, "reject", actor=principal.actor, note=text, detail=detail
    )
    if original is not None:
        await followers.merge_followers(  # its reporters now follow the original
            session, rejected, original
        )
    return rejected


async def return_case(
    session: AsyncSession, case_id: uuid.UUID, *, principal: Principal, reason: str | None
) -> Case:
    """Hand a case back as not ours (with the reason); it waits for re-dispatch."""
    case = await _begin(session, case_id, "return", principal)
    if case.arbitrated_unit_id is not None and case.arbitrated_unit_id == case.assigned_unit_id:
        raise Conflict(
            "an arbitration ruled this unit responsible; it cannot hand the case back",
            code="arbitrated",
        )
    text = need_reason("return", reason)
    case.return_count += 1
    await dispatch_service.set_participants(session, case, None, ())
    detail: dict[str, Any] = {"returns": case.return_count}
    if case.assigned_unit_id is not None:
        unit = await org_service.get_unit(session, case.assigned_unit_id)
        detail["from_unit"] = {"id": str(unit.id), "code": unit.code, "name": unit.name}
    case.assigned_unit_id = case.assigned_path = case.assignee_id = None
    return await apply_transition(
        session, case, "return", actor=principal.actor, note=text, detail=detail
    )
