"""Actions between units and people: re-assigning, arbitrating a dispute, joint-case work.

* `reassign_case`: the dispatcher moves a case to another person of the same unit.
* `arbitrate_case`: after a unit returned a case (a dispute about responsibility), an operator
  of the level above the case's supervisor (the top unit rules its own cases) names the
  responsible unit (and supporting units); the case is dispatched there and the ruling binds:
  that unit can no longer return it.
* `contribute_case`: a supporting unit of a joint case posts a note with evidence, and says when
  its part is done. The lead unit may `handle` the case only once every supporting part is done.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from linli.cases.dispatch import service as dispatch_service
from linli.cases.events import append_event, snapshot
from linli.cases.models import Case, transition
from linli.cases.service import (
    apply_transition,
    assign,
    evidence_ids,
    load_for,
    need_reason,
    place,
)
from linli.core import clock, events
from linli.core.errors import Conflict, Forbidden, ValidationFailed
from linli.org import service as org_service
from linli.org.models import OrgUnit
from linli.security import audit
from linli.security.permissions import Principal

ASSIGNED_STATUSES = frozenset({"dispatched", "accepted", "in_progress"})


async def _note_event(
    session: AsyncSession,
    case: Case,
    action: str,
    *,
    actor: str,
    note: str | None,
    evidence: Sequence[str] = (),
    detail: dict[str, Any],
) -> None:
    """Append a timeline entry that does not move the case, and leave the trail."""
    now = clock.now()
    case.updated_at = now
    await append_event(
        session,
        case,
        at=now,
        actor=actor,
        action=action,
        from_status=case.status,
        to_status=case.status,
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
        detail={"ref": case.ref, **{k: v for k, v in detail.items() if k != "evidence"}},
    )
    events.record(session, snapshot(case, action=action, actor=actor))


async def reassign_case(
    session: AsyncSession,
    case_id: uuid.UUID,
    *,
    principal: Principal,
    assignee_id: uuid.UUID | None = None,
    auto_assign: bool = False,
    note: str | None = None,
) -> Case:
    """Give a dispatched case to another person of the unit it was sent to."""
    case = await load_for(session, case_id, principal, for_update=True)
    if not principal.can("cases:dispatch", case.org_path):
        raise Forbidden("only a dispatcher of this case re-assigns it", code="forbidden_scope")
    if case.status not in ASSIGNED_STATUSES or case.assigned_unit_id is None:
        raise Conflict(
            f"cannot re-assign a case that is '{case.status}'",
            code="illegal_transition",
            action="reassign",
            from_status=case.status,
        )
    if assignee_id is None and not auto_assign:
        raise ValidationFailed("name an assignee or ask for auto", code="assignee_required")
    if assignee_id is not None and auto_assign:
        raise ValidationFailed("name an assignee or ask for auto, not both", code="assign_conflict")
    unit = await org_service.get_unit(session, case.assigned_unit_id)
    if assignee_id is not None:
        picked: dispatch_service.Candidate | None = await dispatch_service.check_assignee(
            session, assignee_id, case, unit
        )
    else:
        picked = await dispatch_service.choose_assignee(session, case, unit)
    previous = case.assignee_id
    case.assignee_id = picked.account_id if picked else None
    detail = {
        "assignee": dispatch_service.person(picked),
        "previous": str(previous) if previous else None,
        "unit": {"id": str(unit.id), "code": unit.code},
    }
    text = note.strip() if note and note.strip() else None
    await _note_event(session, case, "reassign", actor=principal.actor, note=text, detail=detail)
    return case


async def arbitrator_unit(session: AsyncSession, case: Case) -> OrgUnit:
    """Return the unit whose operators may arbitrate the case: the supervisor's parent level.

    A case already supervised at the top (escalated to the district) is ruled there.
    """
    supervisor = await org_service.get_unit(session, case.supervisor_unit_id)
    return await org_service.escalation_parent(session, supervisor) or supervisor


async def arbitrate_case(
    session: AsyncSession,
    case_id: uuid.UUID,
    *,
    principal: Principal,
    unit_id: uuid.UUID,
    reason: str | None,
    supporting_unit_ids: Sequence[uuid.UUID] = (),
) -> Case:
    """Rule which unit is responsible for a returned case and dispatch it there, bindingly."""
    case = await load_for(session, case_id, principal, for_update=True)
    above = await arbitrator_unit(session, case)
    if not principal.can("cases:arbitrate", above.path):
        raise Forbidden(
            "only an operator of the level above the case's supervisor arbitrates",
            code="not_arbitrator",
        )
    transition("arbitrate", case.status)
    text = need_reason("arbitrate", reason)
    (target,) = await dispatch_service.units_in_tree(session, case, [unit_id])
    detail = assign(case, target, routed=False)
    await place(
        session,
        case,
        target,
        detail,
        assignee_id=None,
        auto_assign=True,
        supporting_unit_ids=supporting_unit_ids,
    )
    case.arbitrated_unit_id = target.id
    detail["ruling"] = {
        "responsible": {"id": str(target.id), "code": target.code, "name": target.name},
        "supporting": detail.get("supporting", []),
        "by_unit": {"id": str(above.id), "code": above.code},
        "disputes": case.return_count,
        "binding": True,
    }
    return await apply_transition(
        session, case, "arbitrate", actor=principal.actor, note=text, detail=detail
    )


async def contribute_case(
    session: AsyncSession,
    case_id: uuid.UUID,
    *,
    principal: Principal,
    note: str | None,
    evidence: Sequence[uuid.UUID] = (),
    done: bool = False,
) -> Case:
    """Post a supporting unit's part of a joint case on its timeline (and mark it done)."""
    case = await load_for(session, case_id, principal, for_update=True)
    mine = [
        p
        for p in await dispatch_service.participants(session, case.id)
        if p.role == "supporting" and principal.can("cases:handle", p.unit_path)
    ]
    if not mine:
        raise Forbidden("only a supporting unit of this case contributes", code="not_supporting")
    if case.status not in ASSIGNED_STATUSES:
        raise Conflict(
            f"cannot contribute to a case that is '{case.status}'",
            code="illegal_transition",
            action="contribute",
            from_status=case.status,
        )
    text = need_reason("contribute", note)
    proof = await evidence_ids(session, case, evidence)
    part = mine[0]
    if done:
        part.status, part.updated_at = "done", clock.now()
    part.note = text
    unit = await org_service.get_unit(session, part.unit_id)
    detail = {"unit": {"id": str(unit.id), "code": unit.code, "name": unit.name}, "done": done}
    await _note_event(
        session,
        case,
        "contribute",
        actor=principal.actor,
        note=text,
        evidence=proof,
        detail=detail,
    )
    return case
