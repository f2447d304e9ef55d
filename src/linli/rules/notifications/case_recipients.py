"""Who hears of what happens to a case: the people of the one unit concerned, chosen by the
permission their role grants there, never by name and never the whole tree.

* sent to a unit (dispatched, arbitrated) → the person named, else the unit's handlers
  (`cases:handle` granted on the unit itself; a unit with none: on the units between it and the
  place of the case, such as its grid); re-assigned → the person named;
* sent back to work (the inspector or the reporter refused the fix) → the person handling it,
  else the unit's handlers;
* handed back by the unit as not theirs → the dispatchers of the supervising unit;
* escalated, or overdue at the top level → the leaders of the supervising unit: the
  `cases:dispatch` holders nearest it (on the unit, else the first level above that has any);
* handled and waiting for verification → the `cases:verify` holders nearest the case's place;
* closed or rejected → the staff member who reported it, if staff did.

Nobody is told of their own action; an event tells at most `MAX_RECIPIENTS` people.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from linli.cases.models import CaseEvent
from linli.core import clock
from linli.org.models import OrgUnit
from linli.rules.notifications.routing import path_prefixes
from linli.security.models import RoleGrant, StaffAccount
from linli.security.permissions import ROLES

log = logging.getLogger(__name__)

MAX_RECIPIENTS = 25
# What happened, by the action the event names; None: nobody needs telling.
NEWS_OF_ACTION = {
    "dispatch": "dispatched",
    "arbitrate": "dispatched",
    "reassign": "assigned",
    "fail_verification": "reopened",
    "return": "returned",
    "escalated": "escalated",
    "overdue": "overdue",
    "handle": "handled",
    "close": "closed",
    "reject": "rejected",
}
NEWS = ("dispatched", "assigned", "reopened", "returned", "escalated", "overdue", "handled",
        "closed", "rejected")  # fmt: skip


@dataclass(frozen=True, slots=True)
class CaseNews:
    """One event of a case as the log holds it: what happened and where the case stood."""

    what: str
    action: str
    case_id: uuid.UUID
    ref: str
    title: str
    priority: int
    org_path: str
    assigned_path: str | None
    assignee_id: uuid.UUID | None
    supervisor_unit_id: uuid.UUID | None
    actor: str | None
    at: datetime
    # What a rule's case's words were made from: cards say its title in each reader's language.
    text_key: str | None = None
    text_params: dict[str, Any] | None = None

    @property
    def unit_id(self) -> uuid.UUID | None:
        """Return the id of the unit where the case happened."""
        return unit_id_of(self.org_path)

    @property
    def assigned_unit_id(self) -> uuid.UUID | None:
        """Return the id of the unit the case was sent to, if any."""
        return unit_id_of(self.assigned_path)


def unit_id_of(path: str | None) -> uuid.UUID | None:
    """Return the id of the unit a materialised path ends in (None for none)."""
    last = (path or "").strip("/").rsplit("/", 1)[-1]
    try:
        return uuid.UUID(last) if last else None
    except ValueError:
        return None


def as_uuid(value: Any) -> uuid.UUID | None:
    """Return `value` as a UUID, or None when it is empty or not one."""
    try:
        return uuid.UUID(str(value)) if value else None
    except ValueError:
        return None


def news_of(payload: Mapping[str, Any], *, at: datetime) -> CaseNews | None:
    """Return what a `case.changed` entry (logged `at`) tells people, or None when it tells
    nobody."""
    action = str(payload.get("action") or "")
    what = NEWS_OF_ACTION.get(action)
    case_id = as_uuid(payload.get("case_id"))
    if what is None or case_id is None:
        return None
    assignee = as_uuid(payload.get("assignee_id"))
    if what == "dispatched" and assignee is not None:
        what = "assigned"
    if what == "assigned" and assignee is None:
        return None  # re-assigned to nobody: the unit has the case already
    return CaseNews(
        what=what,
        action=action,
        case_id=case_id,
        ref=str(payload.get("ref") or ""),
        title=str(payload.get("title") or ""),
        priority=int(payload.get("priority") or 3),
        org_path=str(payload.get("org_path") or ""),
        assigned_path=payload.get("assigned_path") or None,
        assignee_id=assignee,
        supervisor_unit_id=as_uuid(payload.get("supervisor_unit_id")),
        actor=payload.get("actor") or None,
        at=clock.as_utc(at),
        text_key=payload.get("text_key") or None,
        text_params=payload.get("text_params") or None,
    )


def roles_with(permission: str) -> list[str]:
    """Return the roles that hold `permission`."""
    return sorted(name for name, perms in ROLES.items() if permission in perms)


async def granted_on(
    session: AsyncSession, permission: str, unit_ids: Sequence[uuid.UUID]
) -> list[StaffAccount]:
    """Return the active staff holding `permission` through a role granted on one of the units."""
    if not unit_ids:
        return []
    found = await session.scalars(
        select(StaffAccount)
        .join(RoleGrant, RoleGrant.account_id == StaffAccount.id)
        .where(
            RoleGrant.unit_id.in_(list(unit_ids)),
            RoleGrant.role.in_(roles_with(permission)),
            StaffAccount.active.is_(True),
        )
    )
    return list(found)


async def nearest(session: AsyncSession, permission: str, path: str) -> list[StaffAccount]:
    """Return the active staff holding `permission` at the nearest level at or above `path`."""
    rows = await session.execute(
        select(OrgUnit.path, StaffAccount)
        .join(RoleGrant, RoleGrant.unit_id == OrgUnit.id)
        .join(StaffAccount, StaffAccount.id == RoleGrant.account_id)
        .where(
            OrgUnit.path.in_(path_prefixes(path)),
            RoleGrant.role.in_(roles_with(permission)),
            StaffAccount.active.is_(True),
        )
    )
    found = [(p, account) for p, account in rows]
    if not found:
        return []
    deepest = max(len(p) for p, _ in found)
    return [account for p, account in found if len(p) == deepest]


async def handlers(session: AsyncSession, news: CaseNews) -> list[StaffAccount]:
    """Return the handlers of the unit the case was sent to (or of the units below it down to
    the case's place, when none is granted on the unit itself)."""
    unit_id = news.assigned_unit_id
    if unit_id is None or news.assigned_path is None:
        return []
    staff = await granted_on(session, "cases:handle", [unit_id])
    if staff or not news.org_path.startswith(news.assigned_path):
        return staff
    below = news.org_path[len(news.assigned_path) :].strip("/")
    ids = [i for i in (as_uuid(part) for part in below.split("/") if part) if i is not None]
    for lower in ids:  # the nearest level below the unit that has handlers
        staff = await granted_on(session, "cases:handle", [lower])
        if staff:
            return staff
    return []


async def person(session: AsyncSession, account_id: uuid.UUID | None) -> list[StaffAccount]:
    """Return the named person if their account is active."""
    if account_id is None:
        return []
    account = await session.get(StaffAccount, account_id)
    return [account] if account is not None and account.active else []


async def leaders(session: AsyncSession, unit_id: uuid.UUID | None) -> list[StaffAccount]:
    """Return the dispatchers nearest the unit (its leaders, else the level above's)."""
    unit = await session.get(OrgUnit, unit_id) if unit_id else None
    return await nearest(session, "cases:dispatch", unit.path) if unit else []


async def reporter(session: AsyncSession, news: CaseNews) -> list[StaffAccount]:
    """Return the staff member who reported the case, if staff did and may still read it."""
    report = (
        select(CaseEvent.actor)
        .where(CaseEvent.case_id == news.case_id, CaseEvent.action == "report")
        .order_by(CaseEvent.seq)
        .limit(1)
        .scalar_subquery()
    )
    paths = path_prefixes(news.org_path) + path_prefixes(news.assigned_path or "")
    reads = (
        select(RoleGrant.id)
        .join(OrgUnit, OrgUnit.id == RoleGrant.unit_id)
        .where(
            RoleGrant.account_id == StaffAccount.id,
            RoleGrant.role.in_(roles_with("cases:read")),
            OrgUnit.path.in_(paths),
        )
        .exists()
    )
    found = await session.scalars(
        select(StaffAccount).where(
            report.startswith("staff:"),
            StaffAccount.username == func.substr(report, len("staff:") + 1),
            StaffAccount.active.is_(True),
            reads,
        )
    )
    return list(found)


async def recipients(
    session: AsyncSession,
    news: CaseNews,
    *,
    cache: dict[tuple[object, ...], list[StaffAccount]] | None = None,
) -> list[StaffAccount]:
    """Return who hears of `news`: deduplicated, never its actor, at most `MAX_RECIPIENTS`.

    `cache` keeps the people of each unit and permission for the rest of a batch of events.
    """
    cache = {} if cache is None else cache

    async def kept(
        key: tuple[object, ...], find: Callable[[], Awaitable[list[StaffAccount]]]
    ) -> list[StaffAccount]:
        if key not in cache:
            cache[key] = await find()
        return cache[key]

    found: list[StaffAccount] = []
    what = news.what
    if what in ("assigned", "dispatched", "reopened") and news.assignee_id is not None:
        assignee = news.assignee_id
        found = await kept(("person", assignee), lambda: person(session, assignee))
    if not found and what in ("dispatched", "reopened"):
        key = ("cases:handle", news.assigned_path, news.org_path)
        found = await kept(key, lambda: handlers(session, news))
    elif what in ("returned", "escalated", "overdue"):
        unit_id = news.supervisor_unit_id
        found = await kept(("cases:dispatch", unit_id), lambda: leaders(session, unit_id))
    elif what == "handled":
        path = news.org_path
        found = await kept(("cases:verify", path), lambda: nearest(session, "cases:verify", path))
    elif what in ("closed", "rejected"):
        found = await reporter(session, news)
    return _bounded(found, actor=news.actor)


def _bounded(accounts: Iterable[StaffAccount], *, actor: str | None) -> list[StaffAccount]:
    unique = {a.id: a for a in accounts if actor != f"staff:{a.username}"}
    if len(unique) > MAX_RECIPIENTS:
        log.warning("a case event concerns %d people; telling the first %d", len(unique),
                    MAX_RECIPIENTS)  # fmt: skip
    return sorted(unique.values(), key=lambda a: a.username)[:MAX_RECIPIENTS]
