"""Queries of proposals (SQLAlchemy 2 `select()`); lists are keyset-paged on matching indexes."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncSession

from linli.core.pagination import Page, PageQuery, keyset_page, newest_first, oldest_first
from linli.participation.proposals.models import (
    Proposal,
    ProposalAnswer,
    ProposalCaseLink,
    ProposalComment,
    ProposalMilestone,
    ProposalResult,
    ProposalSupport,
)

LIST_KEYS = newest_first(Proposal.created_at, Proposal.ref)
COMMENT_KEYS = oldest_first(ProposalComment.created_at, ProposalComment.id)


async def by_ref(session: AsyncSession, ref: str, *, for_update: bool = False) -> Proposal | None:
    stmt = select(Proposal).where(Proposal.ref == ref)
    return await session.scalar(stmt.with_for_update() if for_update else stmt)


async def by_id(
    session: AsyncSession, proposal_id: uuid.UUID, *, for_update: bool = False
) -> Proposal | None:
    stmt = select(Proposal).where(Proposal.id == proposal_id)
    return await session.scalar(stmt.with_for_update() if for_update else stmt)


async def page(
    session: AsyncSession, where: Sequence[ColumnElement[bool]], paging: PageQuery
) -> Page[Proposal]:
    stmt = select(Proposal).where(*where)
    return await keyset_page(session, stmt, LIST_KEYS, paging)


async def support_of(
    session: AsyncSession, proposal_id: uuid.UUID, account_id: uuid.UUID
) -> ProposalSupport | None:
    stmt = select(ProposalSupport).where(
        ProposalSupport.proposal_id == proposal_id, ProposalSupport.account_id == account_id
    )
    return await session.scalar(stmt)


async def supporters(session: AsyncSession, proposal_id: uuid.UUID) -> Sequence[ProposalSupport]:
    stmt = select(ProposalSupport).where(ProposalSupport.proposal_id == proposal_id)
    return list(await session.scalars(stmt))


async def supported_ids(
    session: AsyncSession, account_id: uuid.UUID, proposal_ids: Sequence[uuid.UUID]
) -> set[uuid.UUID]:
    stmt = select(ProposalSupport.proposal_id).where(
        ProposalSupport.account_id == account_id, ProposalSupport.proposal_id.in_(proposal_ids)
    )
    return set(await session.scalars(stmt))


async def comment_page(
    session: AsyncSession, proposal_id: uuid.UUID, paging: PageQuery
) -> Page[ProposalComment]:
    stmt = select(ProposalComment).where(ProposalComment.proposal_id == proposal_id)
    return await keyset_page(session, stmt, COMMENT_KEYS, paging)


async def comment(
    session: AsyncSession, proposal_id: uuid.UUID, comment_id: uuid.UUID
) -> ProposalComment | None:
    stmt = select(ProposalComment).where(
        ProposalComment.id == comment_id, ProposalComment.proposal_id == proposal_id
    )
    return await session.scalar(stmt.with_for_update())


async def answers(session: AsyncSession, proposal_id: uuid.UUID) -> Sequence[ProposalAnswer]:
    stmt = (
        select(ProposalAnswer)
        .where(ProposalAnswer.proposal_id == proposal_id)
        .order_by(ProposalAnswer.created_at, ProposalAnswer.id)
    )
    return list(await session.scalars(stmt))


async def result(session: AsyncSession, proposal_id: uuid.UUID) -> ProposalResult | None:
    return await session.get(ProposalResult, proposal_id)


async def milestones(session: AsyncSession, proposal_id: uuid.UUID) -> Sequence[ProposalMilestone]:
    stmt = (
        select(ProposalMilestone)
        .where(ProposalMilestone.proposal_id == proposal_id)
        .order_by(ProposalMilestone.due_on, ProposalMilestone.created_at, ProposalMilestone.id)
    )
    return list(await session.scalars(stmt))


async def milestone(
    session: AsyncSession, proposal_id: uuid.UUID, milestone_id: uuid.UUID
) -> ProposalMilestone | None:
    stmt = select(ProposalMilestone).where(
        ProposalMilestone.id == milestone_id, ProposalMilestone.proposal_id == proposal_id
    )
    return await session.scalar(stmt)


async def case_links(session: AsyncSession, proposal_id: uuid.UUID) -> Sequence[ProposalCaseLink]:
    stmt = (
        select(ProposalCaseLink)
        .where(ProposalCaseLink.proposal_id == proposal_id)
        .order_by(ProposalCaseLink.created_at, ProposalCaseLink.case_ref)
    )
    return list(await session.scalars(stmt))
