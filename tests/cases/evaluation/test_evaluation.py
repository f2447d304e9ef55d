"""Figures per unit and side by side, computed from case histories driven through the real API.

The histories (minutes after Monday 09:00 in Shenzhen; noise limits: register 60, dispatch 60,
accept 120, handle 480, verify 240 working minutes; working hours 09:00–18:00 on weekdays):

* A (C11-G1, a resident's report with a token), Monday: register +10, dispatch +10, accept +10,
  handle +60, verify +30, closed at 120; the resident rates it 5 at 130. Every step on time.
* B (C11-G1, reported by the grid worker), Monday from 150: register +10, dispatch +10, accept
  only at 350 (180 minutes against 120: late, deadline 13:50 missed), handle at 410 (60),
  verification failed at 440 (30), handled again at 500 (60), verified and closed at 530 (30);
  the worker rates it 2 at 540.
* C (C12-G1, reported by the operator), Tuesday from 09:00: register +10, dispatch +10, handed
  back by the grid +20 (the accept step ends by the return, on time), dispatched again +10,
  accepted +10, handled +30, verified and closed +30.
* D (C11-G1), reported Tuesday 11:10 and left alone: its register deadline (12:10) has passed
  when the figures are read at 13:00; not dispatched, it counts where it happened.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import event

from linli.cases.evaluation import figures
from linli.cases.models import Case, CaseEvent
from linli.core import clock as clock_mod
from linli.core.database import get_engine, session_scope
from linli.core.ids import new_id

from ..conftest import Staff, World

START = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # Monday 09:00 in Shenzhen
TUESDAY = START + timedelta(days=1)
MONDAY_MIDNIGHT_LOCAL = "2026-03-02T00:00:00"  # no offset: the unit's zone (Asia/Shanghai)
WEDNESDAY_MIDNIGHT_LOCAL = "2026-03-04T00:00:00"


class Driver:
    """Moves cases through the API at given minutes after Monday 09:00."""

    def __init__(self, client: httpx.AsyncClient, clock: clock_mod.ManualClock) -> None:
        self.client, self.clock = client, clock

    def at(self, minutes: int, base: datetime = START) -> None:
        self.clock.set(base + timedelta(minutes=minutes))

    async def act(
        self, cid: str, action: str, who: Any, body: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        resp = await self.client.post(f"/api/cases/{cid}/{action}", json=body, headers=who.headers)
        assert resp.status_code == 200, resp.text
        data: dict[str, Any] = resp.json()
        return data

    async def report(self, who: Any, lon: float, lat: float) -> str:
        resp = await self.client.post(
            "/api/cases",
            json={"category_code": "public.order.noise", "title": "Noise", "lon": lon, "lat": lat},
            headers=who.headers,
        )
        assert resp.status_code == 201, resp.text
        return str(resp.json()["id"])


@pytest.fixture
async def histories(
    world: World, clock: clock_mod.ManualClock, client: httpx.AsyncClient
) -> dict[str, Any]:
    operator = await world.staff("op", "operator", "D")
    worker11 = await world.staff("gw11", "grid_worker", "C11")
    worker12 = await world.staff("gw12", "grid_worker", "C12")
    drive = Driver(client, clock)
    lon, lat = world.at("C11-G1")

    # A: a resident's report, followed with the token.
    drive.at(0)
    resp = await client.post(
        "/api/public/reports",
        data={
            "text": "Karaoke at block 3",
            "lon": lon,
            "lat": lat,
            "category_code": "public.order.noise",
        },
    )
    assert resp.status_code == 201, resp.text
    token = resp.json()["token"]
    listed = await client.get(
        "/api/cases", params={"q": resp.json()["ref"]}, headers=operator.headers
    )
    a = listed.json()["items"][0]["id"]
    for minutes, action, who, body in (
        (10, "register", operator, None),
        (20, "dispatch", operator, None),
        (30, "accept", worker11, None),
        (30, "start", worker11, None),
        (90, "handle", worker11, {"note": "asked them to stop"}),
        (120, "verify", operator, {"passed": True}),
        (120, "close", operator, None),
    ):
        drive.at(minutes)
        await drive.act(a, action, who, body)
    drive.at(130)
    rated = await client.post(f"/api/public/reports/{token}/rating", json={"score": 5})
    assert rated.status_code == 201, rated.text

    # B: one late step, one failed verification, rated by the worker who reported it.
    drive.at(150)
    b = await drive.report(worker11, lon, lat)
    steps_b: tuple[tuple[int, str, Staff, dict[str, Any] | None], ...] = (
        (160, "register", operator, None),
        (170, "dispatch", operator, None),
        (350, "accept", worker11, None),
        (350, "start", worker11, None),
        (410, "handle", worker11, {"note": "done"}),
        (440, "verify", operator, {"passed": False, "note": "still loud"}),
        (500, "handle", worker11, {"note": "speaker removed"}),
        (530, "verify", operator, {"passed": True}),
        (530, "close", operator, None),
    )
    for minutes, action, who, body in steps_b:
        drive.at(minutes)
        await drive.act(b, action, who, body)
    drive.at(540)
    rated = await client.post(f"/api/cases/{b}/rating", json={"score": 2}, headers=worker11.headers)
    assert rated.status_code == 201, rated.text

    # C: in the other community of street S1, handed back once by its grid.
    drive.at(0, TUESDAY)
    c = await drive.report(operator, *world.at("C12-G1"))
    for minutes, action, who, body in (
        (10, "register", operator, None),
        (20, "dispatch", operator, None),
        (40, "return", worker12, {"reason": "it is on the other side of the road"}),
        (50, "dispatch", operator, {"unit_id": str(world["C12-G1"].id)}),
        (60, "accept", worker12, None),
        (60, "start", worker12, None),
        (90, "handle", worker12, {"note": "done"}),
        (120, "verify", operator, {"passed": True}),
        (120, "close", operator, None),
    ):
        drive.at(minutes, TUESDAY)
        await drive.act(c, action, who, body)

    # D: reported at 11:10 Tuesday and left alone past its register deadline (12:10).
    drive.at(130, TUESDAY)
    d = await drive.report(worker11, lon, lat)
    drive.at(240, TUESDAY)  # 13:00
    return {"operator": operator, "worker": worker11, "cases": (a, b, c, d)}


def steps(figures: dict[str, Any]) -> dict[str, tuple[int, float | None, int, int, int]]:
    return {
        s["step"]: (
            s["finished"],
            s["mean_minutes"],
            s["with_deadline"],
            s["on_time"],
            s["overdue"],
        )
        for s in figures["steps"]
    }


async def test_a_community_rollup_matches_the_hand_computed_figures(
    world: World, histories: dict[str, Any], client: httpx.AsyncClient
) -> None:
    resp = await client.get(
        f"/api/figures/units/{world['C11'].id}",
        params={"from": MONDAY_MIDNIGHT_LOCAL, "to": WEDNESDAY_MIDNIGHT_LOCAL},
        headers=histories["operator"].headers,
    )
    assert resp.status_code == 200, resp.text
    body = resp.json()
    # Local midnights in Shenzhen are 16:00 UTC the day before.
    assert body["start"].startswith("2026-03-01T16:00:00")
    assert body["end"].startswith("2026-03-03T16:00:00")
    assert body["minutes_basis"] == "wall"
    assert body["unit"]["code"] == "C11"
    rollup = body["rollup"]
    assert rollup["cases_closed"] == 2  # A and B
    assert rollup["first_time_fixed"] == 1  # B failed its first verification
    assert rollup["first_time_fix_rate"] == 0.5
    assert steps(rollup) == {
        "register": (2, 10.0, 2, 2, 1),  # A, B; D's running register step missed 12:10
        "dispatch": (2, 10.0, 2, 2, 0),
        "accept": (2, 95.0, 2, 1, 1),  # A 10, B 180 (late)
        "handle": (3, 60.0, 3, 3, 0),  # A 60, B 60 and 60
        "verify": (3, 30.0, 3, 3, 0),  # A 30, B 30 (failed) and 30
    }
    assert rollup["steps_finished"] == 12 and rollup["steps_with_deadline"] == 12
    assert rollup["steps_on_time"] == 11
    assert rollup["on_time_rate"] == pytest.approx(11 / 12)
    assert rollup["mean_handle_minutes"] == 60.0
    assert rollup["overdue"] == 2
    assert (rollup["ratings"], rollup["satisfaction"]) == (2, 3.5)
    assert (rollup["returns"], rollup["disputes"]) == (0, 0)
    # The community itself is responsible for none of them: its grid is.
    own = body["own"]
    assert own["cases_closed"] == 0 and own["steps_finished"] == 0 and own["ratings"] == 0
    assert own["on_time_rate"] is None and own["satisfaction"] is None

    grid = await client.get(
        f"/api/figures/units/{world['C11-G1'].id}",
        params={"from": MONDAY_MIDNIGHT_LOCAL, "to": WEDNESDAY_MIDNIGHT_LOCAL},
        headers=histories["operator"].headers,
    )
    assert grid.json()["own"] == rollup  # every case of C11 is its grid's


async def test_children_side_by_side_sorted_by_a_figure(
    world: World, histories: dict[str, Any], client: httpx.AsyncClient
) -> None:
    params = {
        "parent": str(world["S1"].id),
        "from": MONDAY_MIDNIGHT_LOCAL,
        "to": WEDNESDAY_MIDNIGHT_LOCAL,
    }
    resp = await client.get(
        "/api/figures/compare",
        params={**params, "sort": "on_time_rate", "order": "desc"},
        headers=histories["operator"].headers,
    )
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert [r["unit"]["code"] for r in body["children"]] == ["C12", "C11"]
    c12, c11 = (r["figures"] for r in body["children"])
    assert c12["cases_closed"] == 1 and c12["first_time_fix_rate"] == 1.0
    assert steps(c12) == {
        "register": (1, 10.0, 1, 1, 0),
        "dispatch": (2, 10.0, 2, 2, 0),  # before and after the return
        "accept": (2, 15.0, 2, 2, 0),  # 20 (ended by the return) and 10
        "handle": (1, 30.0, 1, 1, 0),
        "verify": (1, 30.0, 1, 1, 0),
    }
    assert c12["on_time_rate"] == 1.0 and c12["returns"] == 1
    assert c12["ratings"] == 0 and c12["satisfaction"] is None
    assert c11["on_time_rate"] == pytest.approx(11 / 12)
    total = body["total"]
    assert total["cases_closed"] == 3 and total["first_time_fixed"] == 2
    assert (total["steps_with_deadline"], total["steps_on_time"]) == (19, 18)
    assert (total["returns"], total["overdue"], total["ratings"]) == (1, 2, 2)

    by_satisfaction = await client.get(
        "/api/figures/compare",
        params={**params, "sort": "satisfaction", "order": "asc"},
        headers=histories["operator"].headers,
    )
    # C12 has no rating: it comes last whichever the order.
    assert [r["unit"]["code"] for r in by_satisfaction.json()["children"]] == ["C11", "C12"]

    street2 = await client.get(
        "/api/figures/compare",
        params={
            "parent": str(world["D"].id),
            "from": MONDAY_MIDNIGHT_LOCAL,
            "to": WEDNESDAY_MIDNIGHT_LOCAL,
        },
        headers=histories["operator"].headers,
    )
    rows = {r["unit"]["code"]: r["figures"] for r in street2.json()["children"]}
    assert set(rows) == {"S1", "S2", "D-SAN"}
    assert rows["S1"] == total
    assert rows["S2"]["cases_closed"] == 0 and rows["S2"]["steps_finished"] == 0


async def test_a_shorter_period_counts_only_what_happened_in_it(
    world: World, histories: dict[str, Any], client: httpx.AsyncClient
) -> None:
    # Monday until noon: A entirely; B registered (11:40) and dispatched (11:50); nothing late yet.
    resp = await client.get(
        f"/api/figures/units/{world['C11'].id}",
        params={"from": "2026-03-02T00:00:00+08:00", "to": "2026-03-02T12:00:00+08:00"},
        headers=histories["operator"].headers,
    )
    rollup = resp.json()["rollup"]
    assert rollup["cases_closed"] == 1 and rollup["first_time_fix_rate"] == 1.0
    assert steps(rollup)["register"] == (2, 10.0, 2, 2, 0)
    assert steps(rollup)["accept"] == (1, 10.0, 1, 1, 0)
    assert rollup["steps_finished"] == 7 and rollup["on_time_rate"] == 1.0
    assert rollup["overdue"] == 0 and (rollup["ratings"], rollup["satisfaction"]) == (1, 5.0)


async def test_figures_are_scoped_to_the_callers_subtree(
    world: World, histories: dict[str, Any], client: httpx.AsyncClient
) -> None:
    street2 = await world.staff("op_s2", "operator", "S2")
    inspector = await world.staff("insp_s1", "inspector", "S1")
    period = {"from": MONDAY_MIDNIGHT_LOCAL, "to": WEDNESDAY_MIDNIGHT_LOCAL}

    outside = await client.get(
        f"/api/figures/units/{world['C11'].id}", params=period, headers=street2.headers
    )
    assert outside.status_code == 404 and outside.json()["code"] == "unit_not_found"
    above = await client.get(
        "/api/figures/compare", params={"parent": str(world["D"].id)}, headers=inspector.headers
    )
    assert above.status_code == 404
    inside = await client.get(
        "/api/figures/compare",
        params={"parent": str(world["S1"].id), **period},
        headers=inspector.headers,
    )
    assert inside.status_code == 200 and len(inside.json()["children"]) == 2
    worker = await client.get(
        f"/api/figures/units/{world['C11'].id}", headers=histories["worker"].headers
    )
    assert worker.status_code == 403  # grid workers do not read figures
    anonymous = await client.get(f"/api/figures/units/{world['C11'].id}")
    assert anonymous.status_code == 401


async def test_bad_periods_and_sort_keys_are_refused(
    world: World, histories: dict[str, Any], client: httpx.AsyncClient
) -> None:
    headers = histories["operator"].headers
    backwards = await client.get(
        f"/api/figures/units/{world['C11'].id}",
        params={"from": "2026-03-04T00:00:00", "to": "2026-03-02T00:00:00"},
        headers=headers,
    )
    assert backwards.status_code == 422 and backwards.json()["code"] == "bad_period"
    garbage = await client.get(
        f"/api/figures/units/{world['C11'].id}", params={"from": "yesterday"}, headers=headers
    )
    assert garbage.status_code == 422 and garbage.json()["code"] == "validation_failed"
    sort = await client.get(
        "/api/figures/compare",
        params={"parent": str(world["S1"].id), "sort": "vibes"},
        headers=headers,
    )
    assert sort.status_code == 422 and sort.json()["code"] == "bad_sort"
    # Without a period: the 30 days up to now, which hold every history above.
    default = await client.get(f"/api/figures/units/{world['S1'].id}", headers=headers)
    assert default.status_code == 200 and default.json()["rollup"]["cases_closed"] == 3


async def test_hundreds_of_cases_take_a_fixed_number_of_queries(
    world: World, clock: clock_mod.ManualClock
) -> None:
    """Figures of 400 cases built straight into the tables: counts match, queries do not grow."""
    grids = [world[code] for code in ("C11-G1", "C11-G2", "C12-G1", "C12-G2")]
    expected = {g.code: {"closed": 0, "late": 0, "fixed": 0} for g in grids}
    async with session_scope() as session:
        rows: list[Case] = []
        timeline: list[CaseEvent] = []
        for n in range(400):
            grid = grids[n % 4]
            opened = START + timedelta(minutes=n)
            late = n % 3 == 0
            failed = n % 5 == 0
            case = Case(
                id=new_id(),
                ref=f"C-BULK-{n:04d}",
                title="Noise",
                description="",
                category_code="public.order.noise",
                source="staff",
                profile="grid",
                status="closed",
                priority=3,
                org_unit_id=grid.id,
                org_path=grid.path,
                supervisor_unit_id=world["C11"].id,
                assigned_unit_id=grid.id,
                assigned_path=grid.path,
                created_at=opened,
                updated_at=opened,
            )
            statuses = ["reported", "registered", "dispatched", "accepted", "handled"]
            if failed:
                statuses += ["in_progress", "handled"]
            statuses += ["verified", "closed"]
            at = opened
            for seq, (before, after) in enumerate(
                zip([None, *statuses[:-1]], statuses, strict=True), start=1
            ):
                minutes = 200 if (late and after == "dispatched") else 10
                due = at + timedelta(minutes=120 if before == "registered" else 60)
                timeline.append(
                    CaseEvent(
                        case_id=case.id,
                        seq=seq,
                        at=at,
                        actor="system",
                        action="bulk",
                        from_status=before,
                        to_status=after,
                        note=None,
                        evidence=[],
                        detail={"deadline_set": {"due_at": due.isoformat()}},
                    )
                )
                if after == "in_progress":
                    timeline[-1].action = "fail_verification"
                at += timedelta(minutes=minutes)
            case.closed_at = timeline[-1].at
            rows.append(case)
            expected[grid.code]["closed"] += 1
            expected[grid.code]["late"] += late
            expected[grid.code]["fixed"] += not failed
        session.add_all(rows)
        await session.flush()
        session.add_all(timeline)

    statements: list[str] = []

    def count(*args: Any) -> None:
        if str(args[2]).lstrip().upper().startswith("SELECT"):
            statements.append(args[2])

    period = figures.Period(START - timedelta(days=1), START + timedelta(days=2))
    sync_engine = get_engine().sync_engine
    event.listen(sync_engine, "before_cursor_execute", count)
    try:
        async with session_scope() as session:
            found = await figures.figures(session, grids, period)
    finally:
        event.remove(sync_engine, "before_cursor_execute", count)
    assert len(statements) == 5  # closed, steps, ratings, returns, disputes: one query each
    for grid in grids:
        got, want = found[grid.id], expected[grid.code]
        assert got.cases_closed == want["closed"] == 100
        assert got.first_time_fixed == want["fixed"]
        accept = got.steps["accept"]
        assert accept.with_deadline == 100 and accept.on_time == 100 - want["late"]
        assert got.steps["register"].mean_minutes == pytest.approx(10.0)
