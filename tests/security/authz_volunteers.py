"""The volunteers domain in the authorization matrix: a volunteer with leave, a programme and a
shift with a sign-up per placement (the volunteer role's own profile at home), and how to call
each of its routes."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import httpx

from .authz_rules import Body, Ctx, Spec
from .authz_world import PLACEMENTS, AuthzWorld, Obj, call_ok

ALWAYS = [{"weekday": d, "start": "00:00", "end": "24:00"} for d in range(7)]


def _profile(unit_id: str, lon: float, lat: float, name: str) -> dict[str, Any]:
    return {
        "unit_id": unit_id, "name": name, "lon": lon, "lat": lat, "languages": ["en"],
        "windows": ALWAYS,
    }  # fmt: skip


def _shift_body(now: datetime) -> dict[str, Any]:
    start = now + timedelta(days=3)
    return {
        "starts_at": start.isoformat(), "ends_at": (start + timedelta(hours=2)).isoformat(),
        "place": "Hall", "needed": 3,
    }  # fmt: skip


async def build_volunteers(client: httpx.AsyncClient, w: AuthzWorld, now: datetime) -> None:
    """Add each placement's volunteer, leave, programme, shift and sign-up to the world."""

    async def call(method: str, url: str, **kw: Any) -> Any:
        return await call_ok(client, method, url, w.root, **kw)

    for placement, code in PLACEMENTS.items():
        unit = w.units[code]
        lon, lat = w.at(placement)
        body = _profile(str(unit.id), lon, lat, f"Volunteer {placement}")
        if placement == "own":  # the volunteer role's own profile
            body["account_id"] = w.accounts["volunteer"]
        volunteer = await call("POST", "/api/volunteers", json=body)
        leave = await call(
            "POST", f"/api/volunteers/{volunteer['id']}/leave",
            json={"starts_at": (now + timedelta(days=30)).isoformat(),
                  "ends_at": (now + timedelta(days=31)).isoformat()},
        )  # fmt: skip
        programme = await call(
            "POST", "/api/programmes", json={"unit_id": str(unit.id), "name": {"en": "Meals"}}
        )
        shift = await call(
            "POST", f"/api/programmes/{programme['id']}/shifts", json=_shift_body(now)
        )
        signup = await call(
            "POST", f"/api/shifts/{shift['id']}/signups", json={"volunteer_id": volunteer["id"]}
        )
        w.put("volunteer", placement, Obj(volunteer["id"], (unit.path,),
                                          extra={"leave_id": leave["id"]}))  # fmt: skip
        w.put("programme", placement, Obj(programme["id"], (unit.path,)))
        w.put("shift", placement, Obj(shift["id"], (unit.path,), extra={"signup_id": signup["id"]}))


def _unit(c: Ctx) -> str:
    return c.o.id


def _volunteer_of(c: Ctx) -> dict[str, Any]:
    return {"json": {"volunteer_id": c.w.objects["volunteer"][c.placement].id}}


def _json(body: dict[str, Any]) -> Body:
    return lambda c: {"json": body}


def _now() -> datetime:
    from linli.core import clock

    return clock.now()


SPECS: dict[tuple[str, str], Spec] = {
    ("POST", "/api/volunteers"): Spec(
        kind="unit",
        by_body=True,
        body=lambda c: {"json": _profile(_unit(c), *c.w.at(c.placement), f"New {c.tag}")},
    ),
    ("PATCH", "/api/volunteers/{volunteer_id}"): Spec(body=_json({"active": True})),
    ("POST", "/api/volunteers/{volunteer_id}/leave"): Spec(
        body=lambda c: {
            "json": {
                "starts_at": (_now() + timedelta(days=40)).isoformat(),
                "ends_at": (_now() + timedelta(days=41)).isoformat(),
            }
        }
    ),
    ("DELETE", "/api/volunteers/{volunteer_id}/leave/{leave_id}"): Spec(phase=9),
    ("POST", "/api/programmes"): Spec(
        kind="unit",
        by_body=True,
        body=lambda c: {"json": {"unit_id": _unit(c), "name": {"en": f"Programme {c.tag}"}}},
    ),
    ("POST", "/api/programmes/{programme_id}/shifts"): Spec(
        body=lambda c: {"json": _shift_body(_now())}
    ),
    ("POST", "/api/shifts/{shift_id}/signups"): Spec(body=_volunteer_of),
    ("POST", "/api/shifts/{shift_id}/signups/{signup_id}/confirm"): Spec(),
    ("POST", "/api/shifts/{shift_id}/signups/{signup_id}/check-in"): Spec(),
    ("POST", "/api/shifts/{shift_id}/signups/{signup_id}/check-out"): Spec(),
    ("POST", "/api/shifts/{shift_id}/signups/{signup_id}/cancel"): Spec(phase=9),
}
QUERY_TARGETS: dict[str, tuple[str, Body]] = {
    "/api/volunteers/match": ("unit", lambda c: {"params": {"unit_id": _unit(c), **c.lonlat()}}),
    "/api/volunteers/figures/hours": ("unit", lambda c: {"params": {"unit_id": _unit(c)}}),
}
SKIPPED: dict[tuple[str, str], str] = {
    ("POST", "/api/shifts/{shift_id}/signup"): (
        "a volunteer's own sign-up: reached by their branch, not a subtree grant; the rule and "
        "its scope are tested in volunteers/test_api"
    ),
    ("DELETE", "/api/shifts/{shift_id}/signup"): (
        "a volunteer's own cancellation: tested with the sign-up in volunteers/test_api"
    ),
}
