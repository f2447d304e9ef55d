"""What an accepted proposal became: progress (a percentage and a status text), milestones with
dates, and the cases that carry it out — each shown by its public status only (the cases'
public projection), never its internal notes, whoever reads it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from linli.cases import service as cases_service
from linli.cases.models import Case
from linli.core import clock
from linli.core.errors import Conflict
from linli.participation.proposals import repository
from linli.participation.proposals.errors import (
    MilestoneNotFound,
    NoResult,
    ProposalNotFound,
    UnknownCase,
)
from linli.participation.proposals.models import (
    Proposal,
    ProposalCaseLink,
    ProposalMilestone,
    ProposalResult,
)
from linli.security import audit
from linli.security.permissions import Principal

MAX_LINKED_CASES = 50


@dataclass(frozen=True, slots=True)
class PublicCaseLink:
    """A linked case as anyone reads it: its reference and public status, or only that it is
    not public."""

    ref: str
    public: bool
    status: str | None = None
    category_name: str | None = None
    updated_at: datetime | None = None
    closed_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class ResultView:
    """The tracked result of an accepted proposal."""

    percent: int
    status_text: str
    updated_at: datetime
    milestones: tuple[ProposalMilestone, ...]
    cases: tuple[PublicCaseLink, ...]


async def _accepted(
    session: AsyncSession, principal: Principal, proposal_id: uuid.UUID
) -> tuple[Proposal, ProposalResult]:
    proposal = await repository.by_id(session, proposal_id, for_update=True)
    if proposal is None or not principal.can("participation:read", proposal.org_path):
        raise ProposalNotFound()
    principal.require("participation:answer", proposal.org_path)
    found = await repository.result(session, proposal.id)
    if found is None:
        raise NoResult()
    return proposal, found


async def _audit(
    session: AsyncSession, principal: Principal, proposal: Proposal, action: str, **detail: object
) -> None:
    await audit.record(
        session,
        actor=principal.actor,
        action=f"proposal.{action}",
        target_type="proposal",
        target_id=str(proposal.id),
        org_path=proposal.org_path,
        detail={"ref": proposal.ref, **detail},
    )


async def set_progress(
    session: AsyncSession,
    principal: Principal,
    proposal_id: uuid.UUID,
    *,
    percent: int,
    status_text: str,
) -> ProposalResult:
    """Say how far the result of an accepted proposal has come."""
    proposal, found = await _accepted(session, principal, proposal_id)
    found.percent = percent
    found.status_text = status_text.strip()
    found.updated_at = clock.now()
    found.updated_by = principal.actor
    await _audit(session, principal, proposal, "progress", percent=percent)
    await session.flush()
    return found


async def add_milestone(
    session: AsyncSession,
    principal: Principal,
    proposal_id: uuid.UUID,
    *,
    title: str,
    due_on: date,
    done_on: date | None = None,
) -> ProposalMilestone:
    """Add a milestone with the day it is due (and the day it was reached, if it was)."""
    proposal, found = await _accepted(session, principal, proposal_id)
    made = ProposalMilestone(
        proposal_id=proposal.id, title=title.strip(), due_on=due_on, done_on=done_on
    )
    session.add(made)
    found.updated_at = clock.now()
    await _audit(session, principal, proposal, "milestone", title=made.title)
    await session.flush()
    return made


async def update_milestone(
    session: AsyncSession,
    principal: Principal,
    proposal_id: uuid.UUID,
    milestone_id: uuid.UUID,
    changes: dict[str, object],
) -> ProposalMilestone:
    """Change a milestone's title, due day or the day it was reached (None: not yet)."""
    proposal, found = await _accepted(session, principal, proposal_id)
    milestone = await repository.milestone(session, proposal.id, milestone_id)
    if milestone is None:
        raise MilestoneNotFound()
    for name in ("title", "due_on", "done_on"):
        if name in changes:
            setattr(milestone, name, changes[name])
    found.updated_at = clock.now()
    await _audit(session, principal, proposal, "milestone", title=milestone.title)
    await session.flush()
    return milestone


async def link_case(
    session: AsyncSession, principal: Principal, proposal_id: uuid.UUID, *, case_ref: str
) -> ProposalCaseLink:
    """Link a case (by its reference) that carries out part of the result; the staff member
    must be able to read the case. Linking it again changes nothing."""
    proposal, _ = await _accepted(session, principal, proposal_id)
    case = await session.scalar(select(Case).where(Case.ref == case_ref.strip()))
    if case is None or not cases_service.visible(principal, case):
        raise UnknownCase(case_ref)
    found = await session.get(ProposalCaseLink, (proposal.id, case.id))
    if found is not None:
        return found
    if len(await repository.case_links(session, proposal.id)) >= MAX_LINKED_CASES:
        raise Conflict(f"a result links at most {MAX_LINKED_CASES} cases", code="too_many_cases")
    made = ProposalCaseLink(
        proposal_id=proposal.id, case_id=case.id, case_ref=case.ref, actor=principal.actor
    )
    session.add(made)
    await _audit(session, principal, proposal, "case_linked", case=case.ref)
    await session.flush()
    return made


async def result_view(
    session: AsyncSession, proposal: Proposal, *, locale: str | None = None, public: bool = True
) -> ResultView | None:
    """Return the result of an accepted proposal as people read it (None before acceptance);
    `public`: leave out linked cases that are not public (staff see that they are linked)."""
    found = await repository.result(session, proposal.id)
    if found is None:
        return None
    links = await repository.case_links(session, proposal.id)
    shown: dict[str, cases_service.PublicCase] = {}
    if links:
        page = await cases_service.public_cases(
            session, [Case.id.in_([link.case_id for link in links])], locale=locale
        )
        shown = {c.ref: c for c in page.items}
    cases: list[PublicCaseLink] = []
    for link in links:
        seen = shown.get(link.case_ref)
        if seen is not None:
            cases.append(
                PublicCaseLink(
                    link.case_ref, True, seen.status, seen.category_name, seen.updated_at,
                    seen.closed_at,
                )
            )  # fmt: skip
        elif not public:
            cases.append(PublicCaseLink(link.case_ref, False))
    return ResultView(
        percent=found.percent,
        status_text=found.status_text,
        updated_at=found.updated_at,
        milestones=tuple(await repository.milestones(session, proposal.id)),
        cases=tuple(cases),
    )
