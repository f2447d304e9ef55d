"""Where a resident lives and how far their account is verified: the home they give, the
census-style match against the household register (name + unit + ID-number suffix, through
keyed hashes only), and staff confirming a resident in person (`residents:verify`, scoped to the
subtree, audited); staff reads of accounts (`residents:read`, names with `residents:pii`,
audited)."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from linli.core import clock
from linli.core.errors import Forbidden, NotFound, ValidationFailed
from linli.core.pagination import Page, PageQuery, bounded_count, keyset_page, newest_first
from linli.registry import service as registry_service
from linli.registry.households import service as households
from linli.residents import service as residents_service
from linli.residents.codes import service as codes
from linli.residents.models import ResidentAccount
from linli.residents.types import Level, ResidentActor
from linli.security import audit
from linli.security.permissions import Principal

# Registry matches per account (an ID suffix is short, so guesses are few).
MATCHES_PER_ACCOUNT = (5, timedelta(days=1))
ACCOUNT_ORDER = newest_first(ResidentAccount.created_at, ResidentAccount.id)


def _contact_level(account: ResidentAccount) -> Level:
    return Level.PHONE if account.phone_hash else Level.SIGNED_IN


async def set_home(
    session: AsyncSession, actor: ResidentActor, *, building_id: uuid.UUID, unit: str
) -> ResidentAccount:
    """Say where the resident lives; a new home ends a verification made for the old one."""
    account = await residents_service.get_account(session, actor.account_id)
    if actor.is_proxy:
        raise Forbidden("only the resident may change their home", code="own_account_only")
    try:
        building = await registry_service.get_building(session, building_id)
    except NotFound as err:
        raise ValidationFailed("no such building", code="unknown_building") from err
    normal = households.normalise_unit(unit)
    if not normal:
        raise ValidationFailed("give the unit number", code="bad_unit")
    if account.building_id != building.id or account.unit != normal:
        account.building_id, account.unit = building.id, normal
        account.org_unit_id, account.org_path = building.org_unit_id, building.org_path
        if account.level > _contact_level(account):
            account.level = int(_contact_level(account))
            account.registry_resident_id = None
            account.verified_at = account.verified_by = None
    await session.flush()
    return account


async def match_registry(
    session: AsyncSession,
    actor: ResidentActor,
    *,
    building_id: uuid.UUID,
    unit: str,
    name: str,
    id_suffix: str,
) -> ResidentAccount:
    """Verify the resident against the household register: name + unit + the last four
    characters of the ID number, compared through keyed hashes. Raise ValidationFailed
    (`no_match`) when nothing matches; the caller commits first so tries count."""
    if actor.is_proxy:
        raise Forbidden("only the resident may verify their account", code="own_account_only")
    account = await residents_service.get_account(session, actor.account_id)
    await codes.throttle(session, f"match:{account.id}", MATCHES_PER_ACCOUNT)
    if not re.fullmatch(r"[0-9A-Za-z]{4}", id_suffix.strip()):
        raise ValidationFailed(
            "give the last four characters of the ID number", code="bad_id_suffix"
        )
    found = await households.match_household_member(
        session, building_id=building_id, unit=unit, name=name, id_suffix=id_suffix
    )
    if found is None:
        await audit.record(
            session,
            actor=actor.actor,
            action="resident.match_failed",
            target_type="resident_account",
            target_id=str(account.id),
        )
        raise ValidationFailed(
            "nothing in the register matches; check the details or ask staff to verify you",
            code="no_match",
        )
    building = await registry_service.get_building(session, found.building_id)
    account.building_id, account.unit = found.building_id, found.unit
    account.org_unit_id, account.org_path = building.org_unit_id, building.org_path
    account.registry_resident_id = found.id
    if account.level < Level.REGISTRY:
        account.level = int(Level.REGISTRY)
        account.verified_at, account.verified_by = clock.now(), "registry"
    await audit.record(
        session,
        actor=actor.actor,
        action="resident.matched",
        target_type="resident_account",
        target_id=str(account.id),
        org_path=account.org_path,
        detail={"resident": str(found.id)},
    )
    await session.flush()
    return account


async def staff_accounts_page(
    session: AsyncSession, *, principal: Principal, paging: PageQuery
) -> Page[ResidentAccount]:
    """Return a page of the accounts whose home lies in the principal's `residents:read`
    subtree, newest first."""
    stmt = select(ResidentAccount).where(
        principal.scope("residents:read", ResidentAccount.org_path)
    )
    return await keyset_page(session, stmt, ACCOUNT_ORDER, paging)


async def count_awaiting_in_person(
    session: AsyncSession, *, principal: Principal
) -> tuple[int, bool]:
    """Count the accounts of the principal's subtree with a home that nobody has confirmed in
    person yet, up to `COUNT_CAP` (the count and whether it stopped at the cap)."""
    stmt = select(ResidentAccount.id).where(
        principal.scope("residents:read", ResidentAccount.org_path),
        ResidentAccount.level < int(Level.IN_PERSON),
    )
    return await bounded_count(session, stmt)


async def staff_get_account(
    session: AsyncSession, account_id: uuid.UUID, *, principal: Principal, reveal: bool = False
) -> ResidentAccount:
    """Return an account in the principal's subtree (404 outside); a read of its personal
    data (`reveal`, needing `residents:pii`) is audited."""
    account = await session.get(ResidentAccount, account_id)
    if account is None or not principal.can("residents:read", account.org_path):
        raise NotFound("resident account not found", code="account_not_found")
    if reveal:
        principal.require("residents:pii", account.org_path)
        await audit.record(
            session,
            actor=principal.actor,
            action="resident_account.read",
            target_type="resident_account",
            target_id=str(account.id),
            org_path=account.org_path,
        )
    return account


async def verify_in_person(
    session: AsyncSession, account_id: uuid.UUID, *, principal: Principal, note: str = ""
) -> ResidentAccount:
    """Record that a staff member confirmed the resident in person (level IN_PERSON); needs
    `residents:verify` on the account's home."""
    account = await staff_get_account(session, account_id, principal=principal)
    principal.require("residents:verify", account.org_path)
    account.level = int(Level.IN_PERSON)
    account.verified_at, account.verified_by = clock.now(), principal.actor
    await audit.record(
        session,
        actor=principal.actor,
        action="resident.verified_in_person",
        target_type="resident_account",
        target_id=str(account.id),
        org_path=account.org_path,
        detail={"note": note[:500]} if note else {},
    )
    await session.flush()
    return account
