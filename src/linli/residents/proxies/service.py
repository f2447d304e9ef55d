"""Acting for a senior: a family member or volunteer acts for a senior on the senior's recorded,
revocable consent (given by the senior, or to staff in person); the session chooses whom it acts
for, every request checks the consent, and a revocation stops it at once."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from linli.core import clock
from linli.core.errors import Forbidden, NotFound, ValidationFailed
from linli.residents import service as residents_service
from linli.residents.codes import service as codes
from linli.residents.errors import NoLiveConsent
from linli.residents.models import ProxyConsent, ResidentAccount, ResidentSession
from linli.residents.types import ResidentActor
from linli.residents.verification import service as verification
from linli.security import audit
from linli.security.permissions import Principal

# Consents given by naming a contact, per account (so contacts cannot be probed in bulk).
CONSENTS_PER_ACCOUNT = (10, timedelta(days=1))


async def _record_consent(
    session: AsyncSession, *, senior: ResidentAccount, proxy: ResidentAccount, by: str
) -> ProxyConsent:
    if senior.id == proxy.id:
        raise ValidationFailed("one cannot act for oneself", code="self_consent")
    existing = await session.scalar(
        select(ProxyConsent).where(
            ProxyConsent.senior_id == senior.id,
            ProxyConsent.proxy_id == proxy.id,
            ProxyConsent.revoked_at.is_(None),
        )
    )
    if existing is not None:
        return existing
    consent = ProxyConsent(senior_id=senior.id, proxy_id=proxy.id, recorded_by=by)
    session.add(consent)
    await session.flush()
    await audit.record(
        session,
        actor=by,
        action="resident.consent_given",
        target_type="resident_consent",
        target_id=str(consent.id),
        org_path=senior.org_path,
        detail={"senior": str(senior.id), "proxy": str(proxy.id)},
    )
    return consent


async def give_consent(
    session: AsyncSession, actor: ResidentActor, *, proxy_contact: str
) -> ProxyConsent:
    """Let the resident named by `proxy_contact` (their e-mail or phone) act for this resident,
    recorded as given by the resident themselves."""
    if actor.is_proxy:
        raise Forbidden("only the resident may give consent", code="own_account_only")
    senior = await residents_service.get_account(session, actor.account_id)
    await codes.throttle(session, f"consent:{senior.id}", CONSENTS_PER_ACCOUNT)
    parsed = codes.parse_contact(proxy_contact)
    proxy = await residents_service.account_with_contact(session, parsed)
    if proxy is None or not proxy.active:
        raise ValidationFailed(
            "no Linli account has this contact; ask them to sign up first", code="unknown_proxy"
        )
    return await _record_consent(session, senior=senior, proxy=proxy, by=actor.actor)


async def record_consent_in_person(
    session: AsyncSession,
    *,
    principal: Principal,
    senior_id: uuid.UUID,
    proxy_id: uuid.UUID,
) -> ProxyConsent:
    """Record, as staff who met the senior in person, the senior's consent for `proxy_id`."""
    senior = await verification.staff_get_account(session, senior_id, principal=principal)
    principal.require("residents:verify", senior.org_path)
    proxy = await session.get(ResidentAccount, proxy_id)
    if proxy is None:
        raise ValidationFailed("no such resident account", code="unknown_proxy")
    return await _record_consent(session, senior=senior, proxy=proxy, by=principal.actor)


async def revoke_consent(
    session: AsyncSession,
    consent_id: uuid.UUID,
    *,
    actor: ResidentActor | None = None,
    principal: Principal | None = None,
    senior_id: uuid.UUID | None = None,
) -> ProxyConsent:
    """Revoke a consent: by the senior, the proxy, or staff with `residents:verify` on the
    senior's home. Every session acting on it stops at once."""
    consent = await session.get(ProxyConsent, consent_id)
    if consent is None or senior_id not in (None, consent.senior_id):
        raise NotFound("consent not found", code="consent_not_found")
    senior = await residents_service.get_account(session, consent.senior_id)
    if actor is not None:
        if actor.is_proxy or actor.account_id not in (consent.senior_id, consent.proxy_id):
            raise NotFound("consent not found", code="consent_not_found")
        by = actor.actor
    elif principal is not None:
        if not principal.can("residents:read", senior.org_path):
            raise NotFound("consent not found", code="consent_not_found")
        principal.require("residents:verify", senior.org_path)
        by = principal.actor
    else:
        raise Forbidden("who revokes the consent?", code="forbidden")
    if consent.revoked_at is None:
        consent.revoked_at, consent.revoked_by = clock.now(), by
        await audit.record(
            session,
            actor=by,
            action="resident.consent_revoked",
            target_type="resident_consent",
            target_id=str(consent.id),
            org_path=senior.org_path,
        )
    await session.flush()
    return consent


async def consents_of(session: AsyncSession, account_id: uuid.UUID) -> list[ProxyConsent]:
    """Return the consents in force that a resident gave or received, newest first."""
    return list(
        await session.scalars(
            select(ProxyConsent)
            .where(
                or_(ProxyConsent.senior_id == account_id, ProxyConsent.proxy_id == account_id),
                ProxyConsent.revoked_at.is_(None),
            )
            .order_by(ProxyConsent.created_at.desc(), ProxyConsent.id.desc())
            .limit(100)
        )
    )


async def act_for(
    session: AsyncSession, resolved: residents_service.Resolved, *, senior_id: uuid.UUID | None
) -> ResidentSession:
    """Make the session act for `senior_id` on a consent in force (None: act for oneself);
    raise NoLiveConsent, changing nothing, without one."""
    web = resolved.session
    if senior_id is None:
        web.acting_for_id = web.consent_id = None
        await session.flush()
        return web
    consent = await session.scalar(
        select(ProxyConsent)
        .where(
            ProxyConsent.senior_id == senior_id,
            ProxyConsent.proxy_id == resolved.account.id,
            ProxyConsent.revoked_at.is_(None),
        )
        .limit(1)
    )
    if consent is None:
        raise NoLiveConsent()
    web.acting_for_id, web.consent_id = senior_id, consent.id
    await session.flush()
    await audit.record(
        session,
        actor=f"resident:{resolved.account.id}",
        action="resident.act_for",
        target_type="resident_account",
        target_id=str(senior_id),
        detail={"consent": str(consent.id)},
    )
    return web
