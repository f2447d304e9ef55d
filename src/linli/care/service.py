"""Care profiles: record a person's consent, their carers, contacts and home devices; read them
(each read of personal data audited); withdraw consent; set monitors and away periods.

A profile is readable by its carers (`care:read` on its subtree and named as carer or backup)
and by care managers (`care:write` on its subtree). Withdrawn consent hides it from carers.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from linli.care import monitors as monitor_rules
from linli.care.errors import ProfileNotFound
from linli.care.models import (
    CareAlert,
    CareCarer,
    CareContact,
    CareDevice,
    CareMonitor,
    CareProfile,
)
from linli.care.schemas import (
    ContactIn,
    ContactRead,
    DeviceLink,
    DeviceRead,
    MonitorRead,
    ProfileCreate,
    ProfileRead,
    ProfileUpdate,
)
from linli.core import clock
from linli.core.errors import Conflict, ValidationFailed
from linli.core.pagination import Page, PageQuery, keyset_page, newest_first
from linli.iot import service as iot_service
from linli.org.models import OrgUnit
from linli.registry import service as registry_service
from linli.security import audit
from linli.security.models import RoleGrant, StaffAccount
from linli.security.permissions import Principal, actor_of

LEARNING = timedelta(days=14)
PROFILE_KEYS = newest_first(CareProfile.created_at, CareProfile.id)


async def carer_ids(session: AsyncSession, profile_id: uuid.UUID) -> list[uuid.UUID]:
    """Return the profile's carer then backups, in order."""
    rows = await session.scalars(
        select(CareCarer.account_id)
        .where(CareCarer.profile_id == profile_id)
        .order_by(CareCarer.position)
    )
    return list(rows)


async def _may_read(session: AsyncSession, principal: Principal | None, p: CareProfile) -> bool:
    if principal is None or principal.can("care:write", p.org_path):
        return True
    if not principal.can("care:read", p.org_path) or not p.active:
        return False  # withdrawn consent hides the person from their carers
    return principal.account_id in await carer_ids(session, p.id)


async def get_profile(
    session: AsyncSession, profile_id: uuid.UUID, *, principal: Principal | None
) -> CareProfile:
    """Return a profile the principal may read, or raise ProfileNotFound (no audit: no PII)."""
    profile = await session.get(CareProfile, profile_id)
    if profile is None or not await _may_read(session, principal, profile):
        raise ProfileNotFound("care profile not found", code="care_profile_not_found")
    return profile


def may_manage(principal: Principal | None, profile: CareProfile) -> bool:
    """Say whether the principal may change the profile's record (care managers)."""
    return principal is None or principal.can("care:write", profile.org_path)


async def _check_carers(session: AsyncSession, ids: Sequence[uuid.UUID], path: str) -> None:
    if len(set(ids)) != len(ids):
        raise ValidationFailed("a carer is named twice", code="carer_repeated")
    rows = await session.execute(
        select(RoleGrant.account_id, OrgUnit.path)
        .join(StaffAccount, StaffAccount.id == RoleGrant.account_id)
        .join(OrgUnit, OrgUnit.id == RoleGrant.unit_id)
        .where(RoleGrant.account_id.in_(list(ids)), StaffAccount.active.is_(True))
    )
    covering = {a for a, unit_path in rows if path.startswith(unit_path)}
    if covering != set(ids):
        raise ValidationFailed(
            "every carer must be active staff granted on the person's area", code="unknown_carer"
        )


async def _set_carers(
    session: AsyncSession, profile: CareProfile, ids: Sequence[uuid.UUID]
) -> None:
    await _check_carers(session, ids, profile.org_path)
    await session.execute(delete(CareCarer).where(CareCarer.profile_id == profile.id))
    session.add_all(
        CareCarer(profile_id=profile.id, account_id=a, position=i) for i, a in enumerate(ids)
    )


async def _set_contacts(
    session: AsyncSession, profile: CareProfile, contacts: Sequence[ContactIn]
) -> None:
    await session.execute(delete(CareContact).where(CareContact.profile_id == profile.id))
    await session.flush()
    session.add_all(
        CareContact(
            profile_id=profile.id, position=i + 1, name=c.name, phone=c.phone, language=c.language
        )
        for i, c in enumerate(contacts)
    )


async def _set_devices(
    session: AsyncSession, profile: CareProfile, links: Sequence[DeviceLink]
) -> None:
    ids = [link.device_id for link in links]
    if len(set(ids)) != len(ids):
        raise ValidationFailed("a device is linked twice", code="device_repeated")
    for link in links:
        try:
            device = await iot_service.get_device(session, link.device_id)
        except Exception as err:
            raise ValidationFailed("no such device", code="unknown_device") from err
        if not device.org_path.startswith(profile.org_path.rsplit("/", 2)[0]):
            raise ValidationFailed("the device is not in the person's area", code="unknown_device")
    taken = await session.scalar(
        select(func.count())
        .select_from(CareDevice)
        .where(CareDevice.device_id.in_(ids), CareDevice.profile_id != profile.id)
    )
    if taken:
        raise Conflict("a device already serves another person", code="device_taken")
    await session.execute(delete(CareDevice).where(CareDevice.profile_id == profile.id))
    session.add_all(
        CareDevice(profile_id=profile.id, device_id=link.device_id, role=link.role)
        for link in links
    )


async def create_profile(
    session: AsyncSession, *, data: ProfileCreate, principal: Principal | None
) -> CareProfile:
    """Record a person's consent and open their care profile with the default monitors."""
    try:
        resident = await registry_service.get_resident(session, data.resident_id)
    except Exception as err:
        raise ValidationFailed("no such resident", code="unknown_resident") from err
    if principal is not None and not principal.can("care:write", resident.org_path):
        raise ValidationFailed("no such resident", code="unknown_resident")
    if await session.scalar(select(CareProfile.id).where(CareProfile.resident_id == resident.id)):
        raise Conflict("this person already has a care profile", code="care_profile_exists")
    building = await registry_service.get_building(session, resident.building_id)
    now = clock.now()
    profile = CareProfile(
        resident_id=resident.id,
        org_unit_id=resident.org_unit_id,
        org_path=resident.org_path,
        kind=data.kind,
        language=data.language,
        lon=building.lon,
        lat=building.lat,
        consent_method=data.consent_method,
        consent_by=actor_of(principal),
        consent_at=now,
        health_notes=data.health_notes,
        access_notes=data.access_notes,
        ok_wait_minutes=data.ok_wait_minutes,
        contact_wait_minutes=data.contact_wait_minutes,
        learning_since=now,
        updated_at=now,
    )
    session.add(profile)
    await session.flush()
    await _set_carers(session, profile, data.carer_ids)
    await _set_contacts(session, profile, data.contacts)
    await _set_devices(session, profile, data.devices)
    tz = await monitor_rules.timezone_of(session, profile)
    session.add_all(monitor_rules.default_monitors(profile, now=now, tz=tz))
    await session.flush()
    await audit.record(
        session,
        actor=actor_of(principal),
        action="care_profile.consent",
        target_type="care_profile",
        target_id=str(profile.id),
        org_path=profile.org_path,
        detail={"method": data.consent_method, "kind": data.kind},
    )
    return profile


async def update_profile(
    session: AsyncSession, profile_id: uuid.UUID, *, data: ProfileUpdate, principal: Principal
) -> CareProfile:
    """Change a profile's record (care managers), or a carer's notes and waits."""
    profile = await get_profile(session, profile_id, principal=principal)
    fields = data.model_dump(exclude_unset=True)
    managed = {"kind", "carer_ids", "devices"}
    if managed & fields.keys() and not may_manage(principal, profile):
        principal.require("care:write", profile.org_path)
    if not profile.active:
        raise Conflict("consent was withdrawn", code="consent_withdrawn")
    for name in ("kind", "language", "health_notes", "access_notes"):
        if name in fields:
            setattr(profile, name, fields[name])
    for name in ("ok_wait_minutes", "contact_wait_minutes"):
        if fields.get(name) is not None:
            setattr(profile, name, fields[name])
    if data.carer_ids is not None:
        await _set_carers(session, profile, data.carer_ids)
    if data.contacts is not None:
        await _set_contacts(session, profile, data.contacts)
    if data.devices is not None:
        await _set_devices(session, profile, data.devices)
    profile.updated_at = clock.now()
    await session.flush()
    await audit.record(
        session,
        actor=principal.actor,
        action="care_profile.update",
        target_type="care_profile",
        target_id=str(profile.id),
        org_path=profile.org_path,
        detail={"fields": sorted(fields)},
    )
    return profile


async def withdraw_consent(
    session: AsyncSession, profile_id: uuid.UUID, *, principal: Principal | None
) -> CareProfile:
    """Withdraw the person's consent: monitoring stops at once and open alerts close."""
    profile = await get_profile(session, profile_id, principal=principal)
    if not profile.active:
        return profile
    now = clock.now()
    profile.withdrawn_at, profile.withdrawn_by = now, actor_of(principal)
    await session.execute(
        update(CareMonitor)
        .where(CareMonitor.profile_id == profile.id)
        .values(enabled=False, due_at=None)
    )
    alerts = await session.scalars(
        select(CareAlert).where(CareAlert.profile_id == profile.id, CareAlert.status == "open")
    )
    for alert in alerts:
        alert.status, alert.next_at = "closed", None
    await session.flush()
    await audit.record(
        session,
        actor=actor_of(principal),
        action="care_profile.withdraw",
        target_type="care_profile",
        target_id=str(profile.id),
        org_path=profile.org_path,
    )
    return profile


async def profiles_page(
    session: AsyncSession, *, principal: Principal, paging: PageQuery
) -> Page[CareProfile]:
    """List the profiles the principal may read: all of the subtree for managers, else theirs."""
    mine = select(CareCarer.profile_id).where(CareCarer.account_id == principal.account_id)
    stmt = select(CareProfile).where(
        principal.scope("care:write", CareProfile.org_path)
        | (
            principal.scope("care:read", CareProfile.org_path)
            & CareProfile.id.in_(mine)
            & CareProfile.withdrawn_at.is_(None)
        )
    )
    return await keyset_page(session, stmt, PROFILE_KEYS, paging)


async def read_profile(
    session: AsyncSession, profile_id: uuid.UUID, *, principal: Principal | None
) -> ProfileRead:
    """Return the whole profile with its notes and contacts, and audit the read."""
    profile = await get_profile(session, profile_id, principal=principal)
    contacts = await session.scalars(
        select(CareContact)
        .where(CareContact.profile_id == profile.id)
        .order_by(CareContact.position)
    )
    devices = await session.scalars(
        select(CareDevice).where(CareDevice.profile_id == profile.id).order_by(CareDevice.id)
    )
    monitors = await monitors_of(session, profile)
    await audit.record(
        session,
        actor=actor_of(principal),
        action="care_profile.read",
        target_type="care_profile",
        target_id=str(profile.id),
        org_path=profile.org_path,
    )
    alerts = sum(m.alerts for m in monitors)
    false_alarms = sum(m.false_alarms for m in monitors)
    return ProfileRead(
        id=profile.id,
        resident_id=profile.resident_id,
        kind=profile.kind,
        language=profile.language,
        active=profile.active,
        consent_at=profile.consent_at,
        withdrawn_at=profile.withdrawn_at,
        org_path=profile.org_path,
        consent_method=profile.consent_method,
        consent_by=profile.consent_by,
        health_notes=profile.health_notes,
        access_notes=profile.access_notes,
        ok_wait_minutes=profile.ok_wait_minutes,
        contact_wait_minutes=profile.contact_wait_minutes,
        carer_ids=await carer_ids(session, profile.id),
        contacts=[ContactRead.model_validate(c) for c in contacts],
        devices=[DeviceRead.model_validate(d) for d in devices],
        monitors=[monitor_read(profile, m) for m in monitors],
        learning=is_learning(profile),
        false_alarm_rate=round(false_alarms / alerts, 3) if alerts else None,
    )


def is_learning(profile: CareProfile) -> bool:
    """Say whether the person's routine is still being learned (the first two weeks)."""
    return clock.now() - profile.learning_since < LEARNING


def monitor_read(profile: CareProfile, monitor: CareMonitor) -> MonitorRead:
    read = MonitorRead.model_validate(monitor)
    read.learning = monitor.kind == "routine" and is_learning(profile)
    return read


async def monitors_of(session: AsyncSession, profile: CareProfile) -> list[CareMonitor]:
    """Return the profile's monitors in a fixed order."""
    rows = await session.scalars(
        select(CareMonitor).where(CareMonitor.profile_id == profile.id).order_by(CareMonitor.kind)
    )
    return list(rows)
