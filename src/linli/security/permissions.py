"""Roles, permissions and the principal: who may do what, and on which org subtree."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, false, or_, true

from linli.core.errors import Forbidden
from linli.core.i18n import N_

PERMISSIONS = frozenset(
    {
        "org:read",
        "org:write",
        "staff:read",
        "staff:write",
        "audit:read",
        # Data-subject requests (export, erasure): only the admin role holds it.
        "privacy:manage",
        "buildings:read",
        "buildings:write",
        "residents:read",
        "residents:pii",
        "residents:write",
        "devices:read",
        "devices:write",
        "rules:read",
        "rules:write",
        "alarms:read",
        "alarms:write",
        "cases:read",
        "cases:report",
        "cases:register",
        "cases:dispatch",
        "cases:arbitrate",
        "cases:handle",
        "cases:verify",
        "cases:close",
        "figures:read",
        "incidents:read",
        "incidents:command",
        # residents.notices: notices to residents (write, schedule, publish, withdraw, calls).
        "notices:read",
        "notices:write",
        # residents.bookings: facilities, their calendars, check-in, fees and no-shows.
        "bookings:read",
        "bookings:write",
        # participation (proposals): read the staff queue, hide comments, answer and track results
        "participation:read",
        "participation:moderate",
        "participation:answer",
        # participation/surveys: build, publish and close surveys of an area; read results.
        "surveys:read",
        "surveys:write",
        # participation/meetings: read meetings, their attendance and decisions; plan and run
        # them (the secretary's console), check residents in, follow decisions up.
        "meetings:read",
        "meetings:run",
        # residents: confirming a resident's account in person, recording a senior's consent
        "residents:verify",
        # participation.ballots: run votes and participatory budgets (phases, paper ballots).
        "participation:ballots",
    }
)

ROLES: dict[str, frozenset[str]] = {
    "admin": PERMISSIONS,
    "operator": frozenset(
        {
            "org:read",
            "staff:read",
            "buildings:read",
            "residents:read",
            "residents:pii",
            "residents:verify",
            "devices:read",
            "rules:read",
            "alarms:read",
            "alarms:write",
            "cases:read",
            "cases:report",
            "cases:register",
            "cases:dispatch",
            "cases:arbitrate",
            "cases:verify",
            "cases:close",
            "figures:read",
            "incidents:read",
            "incidents:command",
            # residents.notices
            "notices:read",
            "notices:write",
            # residents.bookings
            "bookings:read",
            "bookings:write",
            # participation (proposals)
            "participation:read",
            "participation:moderate",
            "participation:answer",
            # participation.ballots
            "participation:ballots",
            # participation/surveys
            "surveys:read",
            "surveys:write",
            # meetings
            "meetings:read",
            "meetings:run",
        }
    ),
    "grid_worker": frozenset(
        {
            "org:read",
            "buildings:read",
            "residents:read",
            "residents:pii",
            "residents:verify",
            "devices:read",
            "alarms:read",
            "cases:read",
            "cases:report",
            "cases:handle",
            "incidents:read",
            # residents.notices: grid workers write their grid's notices and call its seniors.
            "notices:read",
            "notices:write",
            # residents.bookings: the grid worker checks people in on site
            "bookings:read",
            "bookings:write",
            # participation (proposals): grid workers keep their grid's discussion civil
            "participation:read",
            "participation:moderate",
            # meetings
            "meetings:read",
        }
    ),
    "department_staff": frozenset(
        {
            "org:read",
            "buildings:read",
            "devices:read",
            "alarms:read",
            "cases:read",
            "cases:handle",
            "incidents:read",
            # meetings
            "meetings:read",
        }
    ),
    "inspector": frozenset(
        {
            "org:read",
            "audit:read",
            "alarms:read",
            "cases:read",
            "cases:verify",
            "cases:close",
            "figures:read",
            "incidents:read",
            # residents.notices: inspectors read notices and their figures.
            "notices:read",
            # participation (proposals)
            "participation:read",
            # participation/surveys
            "surveys:read",
            # meetings
            "meetings:read",
        }
    ),
}

# What people read for each role (translated where shown: `linli.security.people.role_label`).
ROLE_LABELS: dict[str, str] = {
    "admin": N_("Administrator"),
    "operator": N_("Command-centre operator"),
    "grid_worker": N_("Grid worker"),
    "department_staff": N_("Department staff"),
    "inspector": N_("Inspector"),
}


@dataclass(frozen=True, slots=True)
class Grant:
    role: str
    unit_id: uuid.UUID
    unit_path: str


@dataclass(frozen=True, slots=True)
class Principal:
    """An authenticated staff member and the subtrees their roles cover."""

    account_id: uuid.UUID
    username: str
    display_name: str
    locale: str = "en"
    grants: tuple[Grant, ...] = ()
    via: str = "token"  # "token" or "session"
    csrf_token: str | None = field(default=None, repr=False)

    @property
    def actor(self) -> str:
        """Return the name written to timelines and the audit log."""
        return f"staff:{self.username}"

    def paths_for(self, permission: str) -> list[str]:
        """Return the org paths under which `permission` holds, without nested duplicates."""
        paths = sorted(g.unit_path for g in self.grants if permission in ROLES.get(g.role, ()))
        kept: list[str] = []
        for path in paths:
            if not any(path.startswith(k) for k in kept):
                kept.append(path)
        return kept

    def has(self, permission: str) -> bool:
        """Return whether `permission` holds anywhere."""
        return bool(self.paths_for(permission))

    def can(self, permission: str, org_path: str | None) -> bool:
        """Return whether `permission` holds on the record at `org_path`."""
        if org_path is None:
            return False
        return any(org_path.startswith(p) for p in self.paths_for(permission))

    def require(self, permission: str, org_path: str | None) -> None:
        """Raise Forbidden unless `permission` holds at `org_path`."""
        if not self.can(permission, org_path):
            raise Forbidden(f"you lack '{permission}' here", code="forbidden_scope")

    def scope(self, permission: str, *path_columns: Any) -> ColumnElement[bool]:
        """Return a WHERE clause keeping rows whose path column lies in a granted subtree."""
        paths = self.paths_for(permission)
        if not paths:
            return false()
        return or_(*(col.startswith(p, autoescape=True) for p in paths for col in path_columns))


def actor_of(principal: Principal | None) -> str:
    """Return the actor name of a principal, or "system" for a trusted caller (None)."""
    return principal.actor if principal is not None else "system"


def scope_or_all(principal: Principal | None, permission: str, column: Any) -> ColumnElement[bool]:
    """Return the principal's scope clause, or no restriction for a trusted caller (None)."""
    return true() if principal is None else principal.scope(permission, column)
