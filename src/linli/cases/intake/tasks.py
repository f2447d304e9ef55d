"""Background work of intake: reporters' contacts expire a while after their case closed."""

from __future__ import annotations

from linli.cases.intake import privacy
from linli.core.database import session_scope
from linli.core.settings import get_settings
from linli.security import audit
from linli.security.privacy import service as privacy_service

EXPIRY_SECONDS = 3600.0
EXPIRY_BATCH = 200


async def expire_reporter_contacts(*, batch: int = EXPIRY_BATCH) -> int:
    """Erase the name, phone and e-mail of reporters whose case closed more than
    LINLI_REPORTER_CONTACT_DAYS ago, a short transaction per batch; return how many."""
    closed_before = privacy.contact_expired_before(get_settings().reporter_contact_days)
    total = 0
    while True:
        async with session_scope() as session:
            await privacy_service.secure_delete(session)
            due = await privacy.expired_reporters(session, closed_before=closed_before, limit=batch)
            if not due:
                return total
            erased = await privacy.erase_reporter_contacts(session, due)
            await audit.record(
                session,
                actor="system",
                action="privacy.reporter_contacts_expired",
                target_type="case_reporter",
                target_id=str(due[0]),
                detail={"count": erased, "closed_before": closed_before.isoformat()},
            )
        total += erased
