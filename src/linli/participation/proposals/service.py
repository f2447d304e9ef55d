"""Proposals, the one module other rooms and the HTTP adapters import.

Residents propose for an area their home lies in, support (once each, withdrawable) and comment
on proposals of their area, and the author may withdraw while nothing is decided; every
resident action takes a `ResidentActor` and checks its `Need` here. Staff read the queue of
their subtree, hide comments with a reason (`participation:moderate`), answer in public and move
the state (`participation:answer`, in `answers`), and track what an accepted proposal became
(`results`). Everything the public reads is a proposal's own public words: never an account,
never a staff name, a resident's name only as the display name they chose to show.
"""

from __future__ import annotations

import uuid
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from linli.core import clock, refs
from linli.core.errors import NotFound, ValidationFailed
from linli.core.pagination import Page, PageQuery
from linli.org import service as org_service
from linli.org.models import OrgUnit
from linli.participation.proposals import repository
from linli.participation.proposals.answers import ANSWER_STATES, answer, answers
from linli.participation.proposals.errors import (
    CommentNotFound,
    IllegalTransition,
    NotTheAuthor,
    ProposalClosed,
    ProposalNotFound,
    UnknownArea,
)
from linli.participation.proposals.models import (
    DECIDED,
    PROPOSAL_REFS,
    STAFF_MOVES,
    STATUSES,
    WITHDRAWABLE,
    WITHDRAWN,
    Proposal,
    ProposalComment,
    ProposalSupport,
)
from linli.participation.proposals.results import (
    PublicCaseLink,
    ResultView,
    add_milestone,
    link_case,
    result_view,
    set_progress,
    update_milestone,
)
from linli.residents.types import Level, Need, ResidentActor
from linli.security import audit
from linli.security.permissions import Principal

__all__ = [
    "ANSWER_STATES",
    "STATUSES",
    "PublicCaseLink",
    "ResultView",
    "add_milestone",
    "answer",
    "answers",
    "areas",
    "comment",
    "comments",
    "count_by_status",
    "get_public",
    "hide_comment",
    "home_areas",
    "link_case",
    "list_mine",
    "list_public",
    "list_staff",
    "load_for_staff",
    "next_states",
    "propose",
    "result_view",
    "set_progress",
    "support",
    "supported",
    "take_part_need",
    "units_of",
    "unsupport",
    "update_milestone",
    "withdraw",
]

MAX_TITLE = 200
MAX_BODY = 4000
MAX_COMMENT = 2000


def propose_need(area_path: str) -> Need:
    """Return what proposing for the area at `area_path` needs: a signed-in resident of it."""
    return Need(Level.SIGNED_IN, area_path)


def take_part_need(proposal: Proposal) -> Need:
    """Return what supporting or commenting needs: a signed-in resident of its area."""
    return Need(Level.SIGNED_IN, proposal.org_path)


def _status_filter(status: str | None) -> list[ColumnElement[bool]]:
    if status is None:
        return []
    if status not in STATUSES:
        raise ValidationFailed(
            f"no state '{status}'; choose one of {', '.join(STATUSES)}", code="bad_status"
        )
    return [Proposal.status == status]


def next_states(proposal: Proposal) -> list[str]:
    """Return the states staff may move `proposal` to now."""
    return [s for s in ANSWER_STATES if s in STAFF_MOVES.get(proposal.status, frozenset())]


def _clean(text: str | None) -> str | None:
    text = (text or "").strip()
    return text or None


async def propose(
    session: AsyncSession,
    actor: ResidentActor,
    *,
    area_id: uuid.UUID,
    title: str,
    body: str,
    place: str | None = None,
    display_name: str | None = None,
) -> Proposal:
    """Make a proposal for the area `area_id`, numbered `P-yymmdd-nnnnnn`."""
    unit = await org_service.get_unit(session, area_id)
    actor.require(propose_need(unit.path))
    zone = ZoneInfo(await org_service.site_timezone(session, unit))
    number = await refs.next_number(session, PROPOSAL_REFS)
    now = clock.now()
    proposal = Proposal(
        ref=f"P-{now.astimezone(zone):%y%m%d}-{number:06d}",
        title=title.strip(),
        body=body.strip(),
        place=_clean(place),
        org_unit_id=unit.id,
        org_path=unit.path,
        author_id=actor.account_id,
        author_actor=actor.actor,
        author_locale=actor.locale,
        display_name=_clean(display_name),
        created_at=now,
        updated_at=now,
    )
    session.add(proposal)
    await session.flush()
    return proposal


async def get_public(session: AsyncSession, ref: str, *, for_update: bool = False) -> Proposal:
    """Return the proposal `ref` (every proposal is public) or raise ProposalNotFound."""
    proposal = await repository.by_ref(session, ref, for_update=for_update)
    if proposal is None:
        raise ProposalNotFound()
    return proposal


async def list_public(
    session: AsyncSession,
    *,
    status: str | None = None,
    area_id: uuid.UUID | None = None,
    paging: PageQuery = PageQuery(),
) -> Page[Proposal]:
    """Return a page of proposals, newest first, of a state and within an area if asked."""
    where = _status_filter(status)
    if area_id is not None:
        try:
            unit = await org_service.get_unit(session, area_id)
        except NotFound as err:
            raise UnknownArea() from err
        where.append(Proposal.org_path.startswith(unit.path, autoescape=True))
    return await repository.page(session, where, paging)


async def list_mine(
    session: AsyncSession, actor: ResidentActor, *, paging: PageQuery = PageQuery()
) -> Page[Proposal]:
    """Return a page of the resident's own proposals, newest first."""
    return await repository.page(session, [Proposal.author_id == actor.account_id], paging)


async def list_staff(
    session: AsyncSession,
    principal: Principal,
    *,
    status: str | None = None,
    paging: PageQuery = PageQuery(),
) -> Page[Proposal]:
    """Return a page of the proposals in the staff member's subtree (of a state if asked)."""
    where = [principal.scope("participation:read", Proposal.org_path), *_status_filter(status)]
    return await repository.page(session, where, paging)


async def load_for_staff(
    session: AsyncSession,
    proposal_id: uuid.UUID,
    principal: Principal,
    permission: str = "participation:read",
    *,
    for_update: bool = False,
) -> Proposal:
    """Return a proposal of the staff member's subtree (404 outside it, 403 without
    `permission` on it)."""
    proposal = await repository.by_id(session, proposal_id, for_update=for_update)
    if proposal is None or not principal.can("participation:read", proposal.org_path):
        raise ProposalNotFound()
    principal.require(permission, proposal.org_path)
    return proposal


def _open_for(proposal: Proposal) -> None:
    if proposal.status in DECIDED:
        raise ProposalClosed(proposal.status)


async def support(session: AsyncSession, actor: ResidentActor, ref: str) -> Proposal:
    """Support a proposal; a resident's second support changes nothing (one each)."""
    # The row lock makes supports of one proposal take turns, so none is counted twice.
    proposal = await get_public(session, ref, for_update=True)
    actor.require(take_part_need(proposal))
    _open_for(proposal)
    if await repository.support_of(session, proposal.id, actor.account_id) is None:
        session.add(
            ProposalSupport(
                proposal_id=proposal.id,
                account_id=actor.account_id,
                actor=actor.actor,
                locale=actor.locale,
            )
        )
        proposal.support_count += 1
        await session.flush()
    return proposal


async def unsupport(session: AsyncSession, actor: ResidentActor, ref: str) -> Proposal:
    """Withdraw the resident's support (nothing to withdraw changes nothing)."""
    proposal = await get_public(session, ref, for_update=True)
    actor.require(take_part_need(proposal))
    _open_for(proposal)
    found = await repository.support_of(session, proposal.id, actor.account_id)
    if found is not None:
        await session.delete(found)
        proposal.support_count -= 1
        await session.flush()
    return proposal


async def supported(
    session: AsyncSession, actor: ResidentActor, proposals: list[Proposal]
) -> set[uuid.UUID]:
    """Return the ids of those of `proposals` the resident supports."""
    if not proposals:
        return set()
    return await repository.supported_ids(session, actor.account_id, [p.id for p in proposals])


async def withdraw(session: AsyncSession, actor: ResidentActor, ref: str) -> Proposal:
    """Withdraw the resident's own proposal while it is not decided."""
    proposal = await get_public(session, ref, for_update=True)
    actor.require(Need(Level.SIGNED_IN))
    if proposal.author_id != actor.account_id:
        raise NotTheAuthor()
    if proposal.status not in WITHDRAWABLE:
        raise IllegalTransition(
            proposal.status, WITHDRAWN, f"a proposal already {proposal.status} cannot be withdrawn"
        )
    proposal.status = WITHDRAWN
    proposal.decided_at = proposal.updated_at = clock.now()
    await session.flush()
    return proposal


async def comment(
    session: AsyncSession,
    actor: ResidentActor,
    ref: str,
    *,
    body: str,
    display_name: str | None = None,
) -> ProposalComment:
    """Comment on a proposal of the resident's area."""
    proposal = await get_public(session, ref)
    actor.require(take_part_need(proposal))
    _open_for(proposal)
    made = ProposalComment(
        proposal_id=proposal.id,
        account_id=actor.account_id,
        actor=actor.actor,
        display_name=_clean(display_name),
        body=body.strip(),
    )
    session.add(made)
    await session.flush()
    return made


async def comments(
    session: AsyncSession, proposal: Proposal, *, paging: PageQuery = PageQuery()
) -> Page[ProposalComment]:
    """Return a page of a proposal's comments, oldest first (hidden ones included: callers
    show them as hidden)."""
    return await repository.comment_page(session, proposal.id, paging)


async def hide_comment(
    session: AsyncSession,
    principal: Principal,
    proposal_id: uuid.UUID,
    comment_id: uuid.UUID,
    *,
    reason: str,
) -> ProposalComment:
    """Hide a comment with a reason people read in its place (`participation:moderate`)."""
    proposal = await load_for_staff(session, proposal_id, principal, "participation:moderate")
    found = await repository.comment(session, proposal.id, comment_id)
    if found is None:
        raise CommentNotFound()
    found.hidden_at = clock.now()
    found.hidden_by = principal.actor
    found.hidden_reason = reason.strip()
    await audit.record(
        session,
        actor=principal.actor,
        action="proposal.comment_hidden",
        target_type="proposal_comment",
        target_id=str(found.id),
        org_path=proposal.org_path,
        detail={"proposal": proposal.ref, "reason": found.hidden_reason},
    )
    await session.flush()
    return found


async def areas(session: AsyncSession, *, limit: int = 200) -> list[OrgUnit]:
    """Return the areas people filter proposals by: every area with a proposal and the areas
    above it (a street shows its communities' proposals), shallowest first."""
    ids = list(await session.scalars(select(Proposal.org_unit_id).distinct().limit(limit)))
    found: dict[uuid.UUID, OrgUnit] = {}
    for unit_id in ids:
        unit = await org_service.get_unit(session, unit_id)
        for above in [*await org_service.ancestors(session, unit), unit]:
            found.setdefault(above.id, above)
    return sorted(found.values(), key=lambda u: (u.depth, u.name))[:limit]


async def home_areas(session: AsyncSession, actor: ResidentActor) -> list[OrgUnit]:
    """Return the areas a resident may propose for: their home's unit and every unit above it,
    widest first (none while their home is unknown)."""
    if actor.org_path is None:
        return []
    ids = [uuid.UUID(hex=part) for part in actor.org_path.strip("/").split("/") if part]
    found = {u.id: u for u in [await org_service.get_unit(session, i) for i in ids]}
    return [found[i] for i in ids]


async def units_of(session: AsyncSession, proposals: list[Proposal]) -> dict[uuid.UUID, OrgUnit]:
    """Return the area of each of `proposals`, by id."""
    return {
        unit_id: await org_service.get_unit(session, unit_id)
        for unit_id in {p.org_unit_id for p in proposals}
    }


async def count_by_status(session: AsyncSession, principal: Principal) -> dict[str, int]:
    """Return how many proposals of the staff member's subtree are in each state."""
    stmt = (
        select(Proposal.status, func.count())
        .where(principal.scope("participation:read", Proposal.org_path))
        .group_by(Proposal.status)
    )
    return {status: int(n) for status, n in (await session.execute(stmt)).all()}
