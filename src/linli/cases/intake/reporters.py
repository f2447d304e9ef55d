"""Who reported a case and how to reach them: kept encrypted, read by `residents:pii` holders
only, every read audited."""

from __future__ import annotations

import hashlib
import re
import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from linli.cases.events import append_event
from linli.cases.intake.models import CaseReporter, PublicReport
from linli.cases.models import TERMINAL, Case
from linli.cases.service import (
    load_for,
)
from linli.core import clock
from linli.core.errors import NotFound, ValidationFailed
from linli.security import audit
from linli.security.permissions import Principal

_PHONE = re.compile(r"^\+?[0-9 ()-]{3,32}$")
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True, slots=True)
class Contact:
    """How to reach a reporter; every field optional."""

    name: str | None = None
    phone: str | None = None
    email: str | None = None

    def cleaned(self) -> Contact | None:
        """Return the contact with blanks removed and each field checked (None when empty)."""
        name, phone, email = (
            (v or "").strip() or None for v in (self.name, self.phone, self.email)
        )
        if name is not None and len(name) > 100:
            raise ValidationFailed("a name has at most 100 characters", code="bad_contact")
        if phone is not None and not _PHONE.match(phone):
            raise ValidationFailed("the phone number is not valid", code="bad_contact")
        if email is not None and (len(email) > 254 or not _EMAIL.match(email)):
            raise ValidationFailed("the e-mail address is not valid", code="bad_contact")
        if name is None and phone is None and email is None:
            return None
        return Contact(name, phone, email)


async def record_reporter(
    session: AsyncSession, case: Case, *, channel: str, contact: Contact
) -> CaseReporter | None:
    """Keep (encrypted) how to reach the person who reported `case`; None when nothing given."""
    cleaned = contact.cleaned()
    if cleaned is None:
        return None
    reporter = CaseReporter(
        case_id=case.id,
        channel=channel,
        name=cleaned.name,
        phone=cleaned.phone,
        email=cleaned.email,
        created_at=clock.now(),
    )
    session.add(reporter)
    await session.flush()
    return reporter


async def reporter_of(
    session: AsyncSession, case_id: uuid.UUID, *, principal: Principal
) -> CaseReporter:
    """Return who reported a case to a holder of `residents:pii` on it; the read is audited."""
    case = await load_for(session, case_id, principal)
    if not any(principal.can("residents:pii", p) for p in (case.org_path, case.assigned_path)):
        raise NotFound("no reporter details you may see", code="reporter_not_found")
    reporter = await session.scalar(select(CaseReporter).where(CaseReporter.case_id == case.id))
    if reporter is None:
        raise NotFound("the case has no reporter details", code="reporter_not_found")
    await audit.record(
        session,
        actor=principal.actor,
        action="case.reporter_read",
        target_type="case",
        target_id=str(case.id),
        org_path=case.org_path,
        detail={"ref": case.ref},
    )
    return reporter


async def add_to_report(session: AsyncSession, token: str, *, text: str) -> Case:
    """Add what the holder of a report's follow-up token tells after reporting (more detail,
    "it got worse") to the case's timeline, for the staff handling it (an internal note)."""
    words = text.strip()
    if not words or len(words) > 2000:
        raise ValidationFailed("say what you add, in at most 2000 characters", code="text_required")
    digest = hashlib.sha256(token.encode()).hexdigest()
    report = await session.scalar(select(PublicReport).where(PublicReport.token_hash == digest))
    case = await session.get(Case, report.case_id, with_for_update=True) if report else None
    if case is None:
        raise NotFound("no report with this follow-up token", code="report_not_found")
    if case.status in TERMINAL:
        raise ValidationFailed("the case is closed; report anew", code="case_not_open")
    await append_event(
        session, case, at=clock.now(), actor="reporter", action="reporter_note",
        from_status=case.status, to_status=case.status, note=words, evidence=[], detail={},
    )  # fmt: skip
    return case
