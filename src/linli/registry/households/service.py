"""Households of the register: a unit (flat) of a building and its residents, and the
census-style match of a person to one of them (name + unit + ID-number suffix) through keyed
hashes only; the suffix itself is never stored."""

from __future__ import annotations

import hmac
import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from linli.core.ids import new_id
from linli.registry.models import Resident
from linli.security.crypto import get_cipher


def normalise_unit(unit: str) -> str:
    """Return a unit (flat) number as the register compares it: "#05-123 " → "05-123"."""
    return "".join(unit.split()).lstrip("#").upper()


def id_suffix_hash(resident_id: uuid.UUID, suffix: str) -> str:
    """Return the keyed hash of the last four characters of a resident's ID number, bound to the
    resident so equal suffixes of two people never hash alike."""
    return get_cipher().lookup_hash(f"{resident_id}:{suffix}", context="resident.id_suffix")


def place_in_household(resident: Resident, *, unit: str | None, id_suffix: str | None) -> Resident:
    """Give a new resident their unit and the keyed hash of their ID-number suffix."""
    if resident.id is None:
        resident.id = new_id()
    resident.unit = normalise_unit(unit) if unit else None
    if id_suffix:
        resident.id_suffix_hash = id_suffix_hash(resident.id, id_suffix.strip().upper())
    return resident


async def match_household_member(
    session: AsyncSession, *, building_id: uuid.UUID, unit: str, name: str, id_suffix: str
) -> Resident | None:
    """Return the registered resident of this building and unit with this name and ID-number
    suffix (compared through keyed hashes only), or None; the census-style match a resident's
    account is verified by."""
    name_hash = get_cipher().contact_hash(name.strip(), context="resident.name")
    candidates = await session.scalars(
        select(Resident).where(
            Resident.building_id == building_id,
            Resident.unit == normalise_unit(unit),
            Resident.name_hash == name_hash,
            Resident.id_suffix_hash.is_not(None),
        )
    )
    suffix = id_suffix.strip().upper()
    for resident in candidates:
        if hmac.compare_digest(resident.id_suffix_hash or "", id_suffix_hash(resident.id, suffix)):
            return resident
    return None
