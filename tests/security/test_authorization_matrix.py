"""The authorization matrix, generated from the route table: every role × every route × an object
in its own subtree, in a sibling subtree and in the other tree, against the decision its rule and
the ROLES table call for; lists hold only rows in the caller's scope; anonymous callers get 401 or
the login page, and public surfaces never show anything internal.

Each role's run collects every disagreement and fails once with a table of them.
"""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi.routing import APIRoute

from linli.core import clock as clock_mod
from linli.security.deps import Rule
from linli.security.permissions import ROLES
from linli.web.app import create_app, iter_routes, route_rules

from .authz_objects import build_world
from .authz_public import NO_CASE_DATA, PUBLIC_CALLS
from .authz_routes import SKIPPED, spec_for
from .authz_rules import (
    CASE_KINDS,
    KIND_READ,
    OWNED,
    PARAM,
    Ctx,
    Spec,
    agrees,
    expect,
    inside,
    placements,
    route_kind,
    verdict,
)
from .authz_world import (
    INTERNAL_NOTE,
    PLACEMENTS,
    PRIVATE_WORDS,
    ROLE_UNITS,
    AuthzWorld,
    Obj,
)

# Lists and the kinds of world objects their rows are.
LISTS = {
    "/api/cases": CASE_KINDS,
    "/api/devices": ("device",),
    "/api/rules": ("rule",),
    "/api/alarms": ("alarm",),
    "/api/incidents": ("incident",),
    "/api/notices": ("notice",),
    "/api/buildings": ("building",),
    "/api/places": ("place",),
    "/api/residents": ("resident",),
    "/api/staff": ("staff",),
    "/api/notifications/routes": ("notification_route",),
    "/api/notifications/inbox": ("notification",),
    "/api/tokens": ("token",),
    "/api/org/units": ("unit",),
    "/api/readings/latest": ("device",),
    "/api/facilities": ("facility",),
    "/api/bookings": ("booking",),
    "/api/proposals": ("proposal",),
    "/api/votes": ("vote",),
    "/api/meetings": ("meeting",),
    "/api/decisions": ("decision",),
    "/api/resident-accounts": ("resident_account",),
}
# Lists whose rows are in scope by other paths than their org path (where a case was sent, an
# incident's area, the caller's own notifications).
PATHS_BY_OTHER_MEANS = frozenset(
    {"/api/cases", "/api/incidents", "/api/notifications/inbox", "/api/overdue", "/api/supervision"}
)


def _routes() -> list[tuple[str, str, Rule]]:
    found = []
    for route in iter_routes(create_app()):
        if isinstance(route.original_route, APIRoute):
            (rule,) = route_rules(route)
            found += [(m, route.path_format or "", rule) for m in sorted(route.methods or ())]
    return found


ROUTES = _routes()


def _url(path: str, kind: str | None, obj: Obj | None) -> str:
    names = PARAM.findall(path)
    values: dict[str, str] = {}
    for i, name in enumerate(names):
        if name == "code":
            values[name] = "env.waste"
        elif obj is not None and i == 0 and kind is not None:
            values[name] = obj.id
        elif obj is not None:
            values[name] = str(obj.extra[name])
    return PARAM.sub(lambda m: values[m.group(1)], path)


def _obj(w: AuthzWorld, kind: str | None, placement: str) -> Obj | None:
    if kind is None:
        return None
    return w.objects[kind][placement]


def _canonical(kind: str) -> str:
    return "case" if kind in CASE_KINDS else kind


def _visible(w: AuthzWorld, role: str, kind: str, obj: Obj) -> bool:
    kind = _canonical(kind)
    return inside(w, role, kind, obj, "" if kind in OWNED else KIND_READ[kind]) or (
        kind in OWNED and obj.owner == w.accounts[role]
    )


async def _rows(
    client: httpx.AsyncClient, url: str, headers: dict[str, str], first: httpx.Response
) -> list[Any]:
    """Return every row of a list answer, following `next` (keyset) or `offset` (paged)."""
    body, rows, seen = first.json(), [], 0
    for _ in range(50):
        items = body.get("items", []) if isinstance(body, dict) else body
        rows += items
        seen += len(items)
        if not isinstance(body, dict) or not items:
            break
        nxt = body.get("next")
        if isinstance(nxt, str) and nxt.startswith(("/", "http")):
            resp = await client.get(nxt, headers=headers)
        elif nxt:
            resp = await client.get(url, headers=headers, params={"cursor": nxt})
        elif isinstance(body.get("total"), int) and seen < body["total"]:
            resp = await client.get(url, headers=headers, params={"offset": seen})
        else:
            break
        assert resp.status_code == 200, resp.text
        body = resp.json()
    return rows


def _list_problems(
    w: AuthzWorld, role: str, path: str, permission: str, rows: list[Any]
) -> list[str]:
    index = w.by_id()
    problems = []
    dicts = [r for r in rows if isinstance(r, dict)]
    key = "device_id" if path == "/api/readings/latest" else "id"
    ids = {str(r.get(key)) for r in dicts}
    if path not in PATHS_BY_OTHER_MEANS:  # rows placed by their org path lie in the caller's
        grants = w.path(ROLE_UNITS[role])
        for row in dicts:
            where = row.get("org_path")
            if isinstance(where, str) and not where.startswith(grants):
                problems.append(f"lists a row at {where} outside its scope")
    for oid in ids & index.keys():
        kind, placement, obj = index[oid]
        if not _visible(w, role, kind, obj):
            problems.append(f"lists {kind}@{placement} outside its scope")
    for kind in LISTS.get(path, ()):
        for placement, obj in w.objects[kind].items():
            if _visible(w, role, kind, obj) and obj.id not in ids:
                problems.append(f"misses {kind}@{placement} inside its scope")
    return problems


def _page_problems(w: AuthzWorld, role: str, text: str) -> list[str]:
    return [
        f"shows {kind}@{placement} outside its scope"
        for oid, (kind, placement, obj) in w.by_id().items()
        if oid in text and not _visible(w, role, kind, obj)
    ]


def _detail(resp: httpx.Response) -> str:
    if resp.headers.get("content-type", "").startswith("application/problem+json"):
        return f"{resp.status_code} {resp.json().get('code')}"
    return f"{resp.status_code} {resp.headers.get('content-type', '').split(';')[0]}"


def _table(rows: list[tuple[str, ...]]) -> str:
    head = ("role", "route", "placement", "expected", "got", "detail")
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]
    lines = ["  ".join(c.ljust(widths[i]) for i, c in enumerate(r)) for r in [head, *rows]]
    return "\n".join(lines)


async def run_role(
    client: httpx.AsyncClient, w: AuthzWorld, role: str
) -> tuple[list[tuple[str, ...]], int]:
    """Call every route as `role` on every placement; return the disagreements and the count."""
    plan = []
    for method, path, rule in ROUTES:
        if rule.permission is None or (method, path) in SKIPPED:
            continue
        spec = spec_for(method, path)
        assert spec is not None, f"{method} {path}: no way to call it (see the completeness test)"
        kind = route_kind(path, spec)
        for placement in placements(kind, role):
            plan.append((spec.phase, method, path, rule.permission, spec, kind, placement))
    plan.sort(key=lambda p: p[0])
    failures: list[tuple[str, ...]] = []
    headers = w.auth(role)
    for _, method, path, permission, spec, kind, placement in plan:
        obj = _obj(w, kind, placement)
        ctx = Ctx(w, role, placement, obj)
        url = _url(path, kind, obj)
        kw = spec.body(ctx) if spec.body else {}
        extra_headers = kw.pop("headers", {})
        resp = await client.request(method, url, headers=headers | extra_headers, **kw)
        want = expect(w, role, permission, kind, spec, obj)
        got = verdict(resp, spec)
        where = placement.split(":")[0]
        if not agrees(want, got):
            failures.append((role, f"{method} {path}", where, want, got, _detail(resp)))
            continue
        if method == "GET" and kind is None and got == "pass" and resp.status_code == 200:
            if resp.headers.get("content-type", "").startswith("application/json"):
                rows = await _rows(client, url, headers, resp)
                problems = _list_problems(w, role, path, permission, rows)
            else:
                problems = _page_problems(w, role, resp.text)
            failures += [(role, f"GET {path}", "list", "scoped", "", p) for p in problems]
    return failures, len(plan)


@pytest.mark.parametrize("role", sorted(ROLES))
async def test_every_route_decides_as_the_roles_table_says(
    role: str, client: httpx.AsyncClient, clock: clock_mod.ManualClock
) -> None:
    started = time.perf_counter()
    w = await build_world(client, clock.now())
    built = time.perf_counter()
    failures, count = await run_role(client, w, role)
    took = time.perf_counter()
    print(f"\n{role}: world {built - started:.1f}s, {count} calls {took - built:.1f}s")
    assert not failures, f"{len(failures)} of {count} decisions disagree:\n" + _table(failures)


def test_every_route_is_in_the_matrix_or_skipped_for_a_reason() -> None:
    missing = [
        f"{method} {path}"
        for method, path, rule in ROUTES
        if rule.permission is not None
        and (method, path) not in SKIPPED
        and spec_for(method, path) is None
    ]
    assert not missing, f"routes the matrix cannot call: add a body to SPECS or a reason: {missing}"
    known = {(m, p) for m, p, _ in ROUTES}
    stale = sorted(set(SKIPPED) - known)
    assert not stale, f"skipped routes that no longer exist: {stale}"


def test_a_new_route_without_a_body_is_caught() -> None:
    assert spec_for("POST", "/api/new-thing") is None
    assert isinstance(spec_for("GET", "/api/new-things"), Spec)
    assert {"own", "sibling", "other"} == set(PLACEMENTS)


async def test_anonymous_callers_get_401_or_the_login_page_and_public_views_stay_public(
    client: httpx.AsyncClient, clock: clock_mod.ManualClock
) -> None:
    w = await build_world(client, clock.now())
    failures: list[tuple[str, ...]] = []
    count = 0
    for method, path, rule in ROUTES:
        if rule.permission is None or (method, path) in SKIPPED:
            continue
        spec = spec_for(method, path)
        assert spec is not None
        kind = route_kind(path, spec)
        placement = placements(kind, "admin")[-3] if kind is not None else ""
        obj = _obj(w, kind, placement)
        kw = spec.body(Ctx(w, "admin", placement, obj)) if spec.body else {}
        extra = kw.pop("headers", {})
        resp = await client.request(method, _url(path, kind, obj), headers=extra, **kw)
        count += 1
        got, want = verdict(resp, spec), "login" if rule.page else "401"
        if want == "401" and got == "401":
            problem = resp.headers["content-type"] == "application/problem+json"
            got = "401" if problem and resp.json()["code"] == "unauthenticated" else "401 (shape)"
        if got != want:
            failures.append(("anonymous", f"{method} {path}", placement, want, got, _detail(resp)))

    hidden = set(w.hidden_refs.values())
    for method, path, rule in ROUTES:
        if rule.permission is not None or (method, path) in NO_CASE_DATA:
            continue
        assert (method, path) in PUBLIC_CALLS, f"{method} {path}: say how it shows cases"
        for verb, url, kw in PUBLIC_CALLS[(method, path)](w):
            if verb == "POST":
                clock.advance(timedelta(minutes=1))  # the public report budget refills
            resp = await client.request(verb, url, **kw)
            count += 1
            # What the caller named (and the reporter's own case, by its token) may come back.
            named = {part.split(".")[0] for part in url.split("/") if part}
            named |= {w.follow[t] for t in named & w.follow.keys()}
            text = resp.text
            leaks = [word for word in (*PRIVATE_WORDS, INTERNAL_NOTE) if word in text]
            leaks += [f"internal case {ref}" for ref in hidden - named if ref in text]
            leaks += [f"staff photo {p}" for p in w.staff_photos - named if p in text]
            asked_hidden = "/media/" in url or named & hidden - w.follow.keys()
            own_report = named & w.follow.keys()  # a reporter may follow their own case
            if asked_hidden and not own_report and resp.status_code != 404:
                leaks.append(f"internal case or photo answered {resp.status_code}, not 404")
            if resp.status_code >= 500:
                leaks.append(f"answered {resp.status_code}")
            failures += [("anonymous", f"{verb} {url}", "", "nothing", leak, "") for leak in leaks]
    print(f"\nanonymous: {count} calls")
    assert not failures, f"{len(failures)} of {count} anonymous answers are wrong:\n" + _table(
        failures
    )


def test_every_public_route_is_read_by_the_anonymous_matrix_or_shows_no_case_data() -> None:
    public = {(m, p) for m, p, rule in ROUTES if rule.permission is None}
    assert public == set(PUBLIC_CALLS) | set(NO_CASE_DATA), sorted(
        public ^ (set(PUBLIC_CALLS) | set(NO_CASE_DATA))
    )
