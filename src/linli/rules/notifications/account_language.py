"""The language a staff member reads their notifications and pages in."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from linli.core import i18n
from linli.core.errors import NotFound, ValidationFailed
from linli.security import audit
from linli.security.models import StaffAccount
from linli.security.permissions import Principal


async def set_language(session: AsyncSession, *, principal: Principal, locale: str) -> str:
    """Set the principal's own language (one of the supported catalogues); return it."""
    chosen = i18n.normalise(locale)
    if chosen is None:
        raise ValidationFailed(f"unsupported language {locale!r}", code="unsupported_language")
    account = await session.get(StaffAccount, principal.account_id)
    if account is None:
        raise NotFound("account not found", code="account_not_found")
    if account.locale != chosen:
        await audit.record(
            session,
            actor=principal.actor,
            action="staff.language",
            target_type="staff_account",
            target_id=str(account.id),
            detail={"from": account.locale, "to": chosen},
        )
        account.locale = chosen
        await session.flush()
    return chosen
