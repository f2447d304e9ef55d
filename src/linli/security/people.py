"""Who did something, as people read it: staff display names, their role and unit, role labels.

Timelines, the audit log and other records keep the actor as `staff:<username>` (stable, and
what the audit chain hashes); pages and API lists turn those, and account ids, into `Person`s
with one query per page or list (`people`).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from linli.core import i18n
from linli.org.models import OrgUnit
from linli.security.models import RoleGrant, StaffAccount
from linli.security.permissions import ROLE_LABELS

STAFF_PREFIX = "staff:"


@dataclass(frozen=True, slots=True)
class UnitName:
    """The names of the unit a person's role is granted on (as `named()` reads them)."""

    name: str
    name_zh: str | None


@dataclass(frozen=True, slots=True)
class Person:
    """A staff member as others read them: their name, and their first role and where it is."""

    account_id: uuid.UUID
    username: str
    display_name: str
    role: str | None
    unit: UnitName | None

    @property
    def actor(self) -> str:
        """Return the actor name their steps are recorded under."""
        return f"{STAFF_PREFIX}{self.username}"


def role_label(role: str, locale: str) -> str:
    """Return the name people read for `role` in `locale` (the role's key if unknown)."""
    label = ROLE_LABELS.get(role)
    return i18n.translations(locale).gettext(label) if label else role


def username_of(actor: str) -> str | None:
    """Return the username of a staff actor (`staff:olivia` → `olivia`), else None."""
    return actor[len(STAFF_PREFIX) :] if actor.startswith(STAFF_PREFIX) else None


async def people(
    session: AsyncSession,
    *,
    actors: Iterable[str | None] = (),
    account_ids: Iterable[uuid.UUID | None] = (),
) -> dict[str | uuid.UUID, Person]:
    """Return the staff behind `actors` and `account_ids`, keyed by both, in one query.

    Each person comes with the role granted highest in the tree (then the oldest), as the hint
    shown beside their name. Actors that are not staff (`system`, `reporter`…) are left out.
    """
    usernames = {u for a in actors if a and (u := username_of(a))}
    ids = {i for i in account_ids if i is not None}
    if not usernames and not ids:
        return {}
    conditions = []
    if usernames:
        conditions.append(StaffAccount.username.in_(sorted(usernames)))
    if ids:
        conditions.append(StaffAccount.id.in_(sorted(ids)))
    rows = await session.execute(
        select(
            StaffAccount.id,
            StaffAccount.username,
            StaffAccount.display_name,
            RoleGrant.role,
            OrgUnit.name,
            OrgUnit.name_zh,
        )
        .outerjoin(RoleGrant, RoleGrant.account_id == StaffAccount.id)
        .outerjoin(OrgUnit, OrgUnit.id == RoleGrant.unit_id)
        .where(or_(*conditions))
        .order_by(StaffAccount.id, OrgUnit.depth, RoleGrant.created_at, RoleGrant.id)
    )
    found: dict[str | uuid.UUID, Person] = {}
    for account_id, username, display_name, role, unit_name, unit_name_zh in rows:
        if account_id in found:
            continue
        unit = UnitName(unit_name, unit_name_zh) if unit_name is not None else None
        person = Person(account_id, username, display_name, role, unit)
        found[account_id] = found[person.actor] = person
    return found
