"""What the rules say an answer must be: the object a route addresses, whether the caller may
see and act on it (from the ROLES table and where the caller's grant sits), and what an answer
says (pass, 401, login, 403, 404).

A route addresses an object through its first path parameter (`/api/cases/{case_id}/…` → a
case) or, for creations, through a unit, point or record named in its body or query (`by_body`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from linli.security.permissions import ROLES

from .authz_world import ROLE_UNITS, AuthzWorld, Obj

PARAM = re.compile(r"\{([^}:]+)(?::[^}]+)?\}")

# The object kind a route addresses, by the name of its first path parameter.
PARAM_KIND = {
    "case_id": "case",
    "device_id": "device",
    "rule_id": "rule",
    "alarm_id": "alarm",
    "incident_id": "incident",
    "unit_id": "unit",
    "building_id": "building",
    "resident_id": "resident",
    "route_id": "notification_route",
    "notification_id": "notification",
    "token_id": "token",
    "account_id": "staff",
    "notice_id": "notice",
    "facility_id": "facility",
    "booking_id": "booking",
    "proposal_id": "proposal",
    "vote_id": "vote",
    "survey_id": "survey",
    "meeting_id": "meeting",
    "decision_id": "decision",
    "resident_account_id": "resident_account",
}
# The permission that makes an object of each kind visible at its org paths.
KIND_READ = {
    "case": "cases:read",
    "device": "devices:read",
    "rule": "rules:read",
    "alarm": "alarms:read",
    "incident": "incidents:read",
    "unit": "org:read",
    "building": "buildings:read",
    "place": "buildings:read",
    "resident": "residents:read",
    "notification_route": "rules:read",
    "staff": "staff:read",
    "command": "devices:read",
    "notice": "notices:read",
    "facility": "bookings:read",
    "booking": "bookings:read",
    "proposal": "participation:read",
    "vote": "participation:ballots",
    "survey": "surveys:read",
    "meeting": "meetings:read",
    "decision": "meetings:read",
    "resident_account": "residents:read",
}
OWNED = frozenset({"token", "notification"})  # only their owner may see or touch them
CASE_KINDS = ("case", "alarm_case", "camera_case", "patrol_case", "hotline_case", "resident_case")


@dataclass(frozen=True)
class Ctx:
    """What a body builder knows: the world, the caller's role, the placement and its object."""

    w: AuthzWorld
    role: str
    placement: str
    obj: Obj | None

    @property
    def o(self) -> Obj:
        assert self.obj is not None
        return self.obj

    @property
    def tag(self) -> str:
        return f"{self.role[:4]}-{self.placement[:3]}".upper().replace(":", "")

    def lonlat(self) -> dict[str, float]:
        lon, lat = self.w.at(self.placement)
        return {"lon": lon, "lat": lat}


Body = Callable[[Ctx], dict[str, Any]]


@dataclass(frozen=True)
class Spec:
    """How to call one route and what its rule means for it."""

    kind: str | None = None  # kind of the addressed object (default: from the path)
    body: Body | None = None  # request keywords (json=, data=, files=, params=…)
    by_body: bool = False  # the object is named in the body or query: refusal is 403 or 404
    act: str | None = None  # permission needed on the object beyond the rule's (e.g. command)
    phase: int = 1  # order: reads 0, changes 1, destructive 8–9 (last)
    judge: Callable[[httpx.Response], str] | None = None  # verdict from a 200 answer


def route_kind(path: str, spec: Spec) -> str | None:
    """Return the kind of object the route addresses."""
    if spec.kind is not None:
        return spec.kind
    params = PARAM.findall(path)
    return PARAM_KIND.get(params[0]) if params else None


def placements(kind: str | None, role: str) -> list[str]:
    """Return the placements to try: none for a global route; mine first for owned things."""
    if kind is None:
        return [""]
    base = ["own", "sibling", "other"]
    return [f"mine:{role}", *base] if kind in OWNED else base


def inside(w: AuthzWorld, role: str, kind: str, obj: Obj, permission: str) -> bool:
    """Say whether the role's grant lets it use `permission` on the object."""
    if permission not in ROLES[role]:
        return False
    if kind in OWNED:
        return obj.owner == w.accounts[role]
    grant = w.path(ROLE_UNITS[role])
    if kind == "incident":  # an incident is seen from its subtree and by those inside its area
        return any(p.startswith(grant) or grant.startswith(p) for p in obj.paths)
    return any(p.startswith(grant) for p in obj.paths)


def expect(
    w: AuthzWorld, role: str, permission: str, kind: str | None, spec: Spec, obj: Obj | None
) -> str:
    """Return the decision the rules call for: pass, 403, 404 or deny (403 or 404)."""
    if permission not in ROLES[role]:
        return "403"
    if kind is None or obj is None:
        return "pass"
    read = KIND_READ.get("case" if kind.endswith("case") else kind, permission)
    if not inside(w, role, kind, obj, read if kind not in OWNED else permission):
        return "deny" if spec.by_body else "404"
    if spec.act is not None and spec.act not in ROLES[role]:
        return "403"
    if not inside(w, role, kind, obj, permission):
        return "403"
    return "pass"


DENIALS = frozenset(
    {"forbidden", "forbidden_scope", "role_escalation", "pii_forbidden", "privacy_out_of_scope"}
)
# A 404 that says something is not set up, not that the caller may not see it.
NOT_SET_UP = frozenset({"push_not_configured"})


def _code(resp: httpx.Response) -> str | None:
    if not resp.headers.get("content-type", "").startswith("application/problem+json"):
        return None
    code = resp.json().get("code")
    return code if isinstance(code, str) else None


def verdict(resp: httpx.Response, spec: Spec) -> str:
    """Return what the answer says: pass, 401, login, 403, 404 or 5xx."""
    status = resp.status_code
    if status >= 500:
        return f"{status}"
    if status == 401:
        return "401"
    if status in (302, 303, 307) and resp.headers.get("location", "").startswith(
        ("/login", "/my/sign-in")  # staff pages, resident pages
    ):
        return "login"
    code = _code(resp)
    if status == 403:
        return "403" if code is None or code in DENIALS else "pass"
    if status == 404:
        return "pass" if code in NOT_SET_UP else "404"
    if status == 422 and code is not None and code.startswith("unknown_"):
        return "404"  # a record named in the body is answered as unknown, like a missing one
    if spec.judge is not None:
        return spec.judge(resp)
    return "pass"


def agrees(expected: str, got: str) -> bool:
    return got == expected or (expected == "deny" and got in ("403", "404"))
