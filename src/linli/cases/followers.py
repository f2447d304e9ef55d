"""Who follows a case: residents saying "me too" join an open case, and the followers of a case
rejected as a duplicate move to the case it duplicates."""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from linli.cases import repository
from linli.cases.events import append_event, snapshot
from linli.cases.intake.models import PublicReport
from linli.cases.models import Case
from linli.core import clock, events


async def add_me_too(
    session: AsyncSession, case: Case, *, actor: str, count: int = 1, detail: dict[str, object]
) -> None:
    """Count `count` more reporters on the open `case` and note it on its timeline."""
    now = clock.now()
    case.me_too_count += count
    case.updated_at = now
    await append_event(
        session,
        case,
        at=now,
        actor=actor,
        action="me_too",
        from_status=case.status,
        to_status=case.status,
        note=None,
        evidence=[],
        detail={**detail, "me_too_count": case.me_too_count},
    )
    events.record(session, snapshot(case, action="me_too"))


async def merge_followers(session: AsyncSession, duplicate: Case, original: Case) -> int:
    """Move the followers of `duplicate` (rejected as a duplicate) to `original`; return how many
    reporters the original gains (the duplicate's own plus those who had joined it)."""
    moved = await session.execute(
        update(PublicReport)
        .where(PublicReport.case_id == duplicate.id)
        .values(case_id=original.id)
        .execution_options(synchronize_session=False)
    )
    gained = 1 + duplicate.me_too_count
    locked = await repository.get_case(session, original.id, for_update=True)
    assert locked is not None
    await add_me_too(
        session,
        locked,
        actor="system",
        count=gained,
        detail={
            "merged": {"id": str(duplicate.id), "ref": duplicate.ref},
            "followers_moved": int(getattr(moved, "rowcount", 0) or 0),
        },
    )
    return gained
