"""What privacy duties need of intake: a person's reports as they follow them (for the export of
their data), and the expiry of reporters' contacts once their case has long been closed."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import RowMapping, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from linli.cases.intake.models import CaseReporter
from linli.cases.models import TERMINAL, Case
from linli.cases.service import find_case, get_category, public_timeline
from linli.core import clock


async def reports_as_followed(
    session: AsyncSession, rows: Sequence[RowMapping]
) -> list[dict[str, Any]]:
    """Return a person's cases (rows of `case_record`) as their follow-up page shows them, with
    the words of their report, which are theirs."""
    shown: list[dict[str, Any]] = []
    for row in rows:
        case = await find_case(session, row["id"])
        if case is None:
            continue
        category = await get_category(session, case.category_code)
        shown.append(
            {
                "ref": case.ref,
                "status": case.status,
                "category": category.name if category else case.category_code,
                "reported_at": case.created_at,
                "updated_at": case.updated_at,
                "closed_at": case.closed_at,
                "report": case.description or case.title,
                "notes": [
                    {"at": n.at, "status": n.status, "note": n.note}
                    for n in await public_timeline(session, case)
                    if n.note
                ],
            }
        )
    return shown


def contact_expired_before(days: int, *, now: datetime | None = None) -> datetime:
    """Return the close time before which a reporter's contact is due for erasure."""
    return (now or clock.now()) - timedelta(days=days)


async def expired_reporters(
    session: AsyncSession, *, closed_before: datetime, limit: int
) -> list[uuid.UUID]:
    """Return up to `limit` reporters still holding contact data whose case closed (or was
    rejected) before `closed_before`, in id order."""
    has_contact = or_(
        CaseReporter.name.is_not(None),
        CaseReporter.phone.is_not(None),
        CaseReporter.email.is_not(None),
    )
    stmt = (
        select(CaseReporter.id)
        .join(Case, Case.id == CaseReporter.case_id)
        .where(
            has_contact,
            Case.status.in_(sorted(TERMINAL)),
            Case.closed_at.is_not(None),
            Case.closed_at < closed_before,
        )
        .order_by(CaseReporter.id)
        .limit(limit)
    )
    return list(await session.scalars(stmt))


async def erase_reporter_contacts(session: AsyncSession, reporter_ids: Sequence[uuid.UUID]) -> int:
    """Clear the name, phone and e-mail (and their lookup hashes) of these reporters."""
    if not reporter_ids:
        return 0
    result = await session.execute(
        update(CaseReporter)
        .where(CaseReporter.id.in_(list(reporter_ids)))
        .values(name=None, phone=None, email=None, phone_hash=None, email_hash=None)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)
