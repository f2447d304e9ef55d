"""Official answers: staff move a proposal's state with public words, and its author and
supporters are told in their own language, through the residents' messages (portal inbox, SMS
and e-mail: `linli.residents.service.notify`), once per answer and resident.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from linli.core import clock
from linli.core.errors import NotFound
from linli.core.i18n import N_
from linli.participation.proposals import repository
from linli.participation.proposals.errors import IllegalTransition, ProposalNotFound
from linli.participation.proposals.models import (
    ACCEPTED,
    EVALUATING,
    REJECTED,
    STAFF_MOVES,
    Proposal,
    ProposalAnswer,
    ProposalResult,
)
from linli.residents import service as residents_service
from linli.security import audit
from linli.security.permissions import Principal

ANSWER_STATES = (EVALUATING, ACCEPTED, REJECTED)
MAX_ANSWER = 4000

# What the author and the supporters read, by the state the answer moved the proposal to.
SUBJECTS = {
    EVALUATING: N_("Your proposal is being evaluated: {title}"),
    ACCEPTED: N_("Your proposal was accepted: {title}"),
    REJECTED: N_("Your proposal was not accepted: {title}"),
}
SUPPORTED_SUBJECTS = {
    EVALUATING: N_("A proposal you support is being evaluated: {title}"),
    ACCEPTED: N_("A proposal you support was accepted: {title}"),
    REJECTED: N_("A proposal you support was not accepted: {title}"),
}
BODY = N_("The official answer to proposal {ref}:\n\n{text}")


def _why_not(current: str, wanted: str) -> str:
    if wanted not in ANSWER_STATES:
        return f"'{wanted}' is not a state staff may set; choose one of {', '.join(ANSWER_STATES)}"
    if current == wanted:
        return f"the proposal is already {current}"
    return f"a proposal that is {current} cannot become {wanted}"


async def answer(
    session: AsyncSession,
    principal: Principal,
    proposal_id: uuid.UUID,
    *,
    status: str,
    text: str,
) -> ProposalAnswer:
    """Answer a proposal in public and move it to `status` (evaluating, accepted, rejected);
    an accepted proposal becomes a result to track. The author and supporters are told."""
    proposal = await repository.by_id(session, proposal_id, for_update=True)
    if proposal is None or not principal.can("participation:read", proposal.org_path):
        raise ProposalNotFound()
    principal.require("participation:answer", proposal.org_path)
    if status not in STAFF_MOVES.get(proposal.status, frozenset()):
        raise IllegalTransition(proposal.status, status, _why_not(proposal.status, status))
    now = clock.now()
    made = ProposalAnswer(
        proposal_id=proposal.id,
        from_status=proposal.status,
        to_status=status,
        text=text.strip(),
        actor=principal.actor,
        created_at=now,
    )
    session.add(made)
    proposal.status = status
    proposal.updated_at = now
    if status in (ACCEPTED, REJECTED):
        proposal.decided_at = now
    if status == ACCEPTED:
        session.add(ProposalResult(proposal_id=proposal.id, updated_by=principal.actor))
    await session.flush()
    await audit.record(
        session,
        actor=principal.actor,
        action="proposal.answered",
        target_type="proposal",
        target_id=str(proposal.id),
        org_path=proposal.org_path,
        detail={"ref": proposal.ref, "from": made.from_status, "to": status},
    )
    await _tell_everyone(session, proposal, made)
    return made


async def answers(session: AsyncSession, proposal: Proposal) -> Sequence[ProposalAnswer]:
    """Return a proposal's official answers, oldest first."""
    return await repository.answers(session, proposal.id)


async def _tell_everyone(session: AsyncSession, proposal: Proposal, made: ProposalAnswer) -> None:
    readers = [(proposal.author_id, SUBJECTS)]
    readers += [
        (s.account_id, SUPPORTED_SUBJECTS)
        for s in await repository.supporters(session, proposal.id)
        if s.account_id != proposal.author_id
    ]
    for account_id, subjects in readers:
        try:
            await residents_service.notify(
                session,
                account_id,
                subject=subjects[made.to_status],
                body=BODY,
                link=f"/proposals/{proposal.ref}",
                params={"title": proposal.title, "ref": proposal.ref, "text": made.text},
                dedupe_key=f"proposal-answer:{made.id}",
            )
        except NotFound:
            continue  # the account is gone: nobody left to tell
