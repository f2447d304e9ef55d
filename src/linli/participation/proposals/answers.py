"""Official answers: staff move a proposal's state with public words, and its author and
supporters are told in their own language.

Telling goes through `_tell`, one place: it records who was told what (`ProposalNotice`, one
per answer and resident) and is where sending through the residents' notification channels
(`linli.residents.service.notify`) plugs in once resident accounts exist.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from linli.core import clock, i18n
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
    ProposalNotice,
    ProposalResult,
)
from linli.security import audit
from linli.security.permissions import Principal

ANSWER_STATES = (EVALUATING, ACCEPTED, REJECTED)
MAX_ANSWER = 4000

# What the author and the supporters read, by the state the answer moved the proposal to.
SUBJECTS = {
    EVALUATING: N_("Your proposal is being evaluated: %(title)s"),
    ACCEPTED: N_("Your proposal was accepted: %(title)s"),
    REJECTED: N_("Your proposal was not accepted: %(title)s"),
}
SUPPORTED_SUBJECTS = {
    EVALUATING: N_("A proposal you support is being evaluated: %(title)s"),
    ACCEPTED: N_("A proposal you support was accepted: %(title)s"),
    REJECTED: N_("A proposal you support was not accepted: %(title)s"),
}
BODY = N_("The official answer to proposal %(ref)s:\n\n%(text)s")


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


def _words(locale: str, subject: str, proposal: Proposal, made: ProposalAnswer) -> tuple[str, str]:
    t = i18n.translations(i18n.normalise(locale) or "en")
    return (
        t.gettext(subject) % {"title": proposal.title},
        t.gettext(BODY) % {"ref": proposal.ref, "text": made.text},
    )


async def _tell_everyone(session: AsyncSession, proposal: Proposal, made: ProposalAnswer) -> None:
    link = f"/proposals/{proposal.ref}"
    readers = [(proposal.author_id, "author", proposal.author_locale)]
    readers += [
        (s.account_id, "supporter", s.locale)
        for s in await repository.supporters(session, proposal.id)
        if s.account_id != proposal.author_id
    ]
    for account_id, role, locale in readers:
        chosen = SUBJECTS if role == "author" else SUPPORTED_SUBJECTS
        subject, body = _words(locale, chosen[made.to_status], proposal, made)
        await _tell(
            session, made, account_id, role=role, locale=locale, subject=subject, body=body,
            link=link,
        )  # fmt: skip


async def _tell(
    session: AsyncSession,
    made: ProposalAnswer,
    account_id: uuid.UUID,
    *,
    role: str,
    locale: str,
    subject: str,
    body: str,
    link: str,
) -> None:
    """Tell one resident of an answer (and record that they were told)."""
    session.add(
        ProposalNotice(
            answer_id=made.id,
            account_id=account_id,
            role=role,
            locale=locale,
            subject=subject[:300],
            body=body,
            link=link,
        )
    )
    await session.flush()


async def told(session: AsyncSession, answer_id: uuid.UUID) -> Sequence[ProposalNotice]:
    """Return who was told of an answer, and what they read."""
    stmt = select(ProposalNotice).where(ProposalNotice.answer_id == answer_id)
    return list(await session.scalars(stmt.order_by(ProposalNotice.role, ProposalNotice.id)))
