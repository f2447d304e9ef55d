"""Closing an incident and its report: duration, task figures, resources, cases, log, notices."""

from __future__ import annotations

from datetime import timedelta

from linli.cases import service as cases
from linli.core import clock as clock_mod
from linli.core.database import session_scope

from .conftest import IN_FLOOD, Room


async def test_closing_with_open_tasks_needs_force_and_a_reason_and_the_report_adds_up(
    room: Room, clock: clock_mod.ManualClock
) -> None:
    start = clock.now()
    old = await room.world.report(where="C11-G2", title="Old drain complaint")
    fid = (await room.declare())["id"]
    tasks = f"/api/incidents/{fid}/tasks"

    def task(title: str, hours: float) -> dict[str, str]:
        deadline = (start + timedelta(hours=hours)).isoformat()
        return {"unit_id": str(room.unit("C11")), "title": title, "deadline_at": deadline}

    on_time = await room.post(tasks, task("Pump the car park", 1))
    late = await room.post(tasks, task("Clear the culvert", 1))
    left = await room.post(tasks, task("Inspect the wall", 3))
    dropped = await room.post(tasks, task("Hire boats", 3))
    resources = f"/api/incidents/{fid}/resources"
    await room.post(resources, {"kind": "equipment", "name": "Pumps", "quantity": 4})
    await room.post(resources, {"kind": "vehicle", "name": "Boats", "quantity": 2})
    await room.post(resources, {"kind": "equipment", "name": "Generators", "quantity": 3})
    await room.post(f"/api/incidents/{fid}/cases", {"case_id": str(old.id)})
    lon, lat = IN_FLOOD
    async with session_scope() as session:
        new = await cases.report_case(
            session, actor="system", category_code="public.order.noise", title="Pump noise",
            lon=lon, lat=lat,
        )  # fmt: skip
    async with session_scope() as session:
        await cases.register_case(session, new.id, principal=room.staff["dop"].principal)

    clock.advance(timedelta(minutes=30))
    await room.patch(f"{tasks}/{on_time['id']}", {"status": "done", "note": "Dry"})
    clock.advance(timedelta(minutes=90))
    await room.patch(f"{tasks}/{late['id']}", {"status": "done", "note": "Cleared at last"})
    await room.patch(f"{tasks}/{dropped['id']}", {"status": "cancelled", "note": "Not needed"})
    clock.advance(timedelta(hours=2))

    close = f"/api/incidents/{fid}/close"
    refused = await room.post(close, {"summary": "Water receded"}, expect=409)
    assert refused["code"] == "open_tasks" and refused["open_tasks"] == 1
    no_reason = await room.post(close, {"summary": "Water receded", "force": True}, expect=422)
    assert no_reason["code"] == "reason_required"
    no_summary = await room.post(close, {"summary": "  "}, expect=422)
    assert no_summary["code"] == "summary_required"
    assert (await room.get(f"/api/incidents/{fid}"))["status"] == "active"

    closed = await room.post(close, {"summary": "Water receded", "force": True,
                                     "reason": "Wall inspection handed to housing"},
                             expect=200)  # fmt: skip
    assert closed["forced_close_reason"] == "Wall inspection handed to housing"
    clock.advance(timedelta(hours=5))  # the report of a closed incident no longer changes

    report = await room.get(f"/api/incidents/{fid}/report", by="gw11")
    assert report["duration_minutes"] == 240
    assert report["tasks"] == {"total": 4, "done": 2, "late": 2, "open": 1, "cancelled": 1}
    assert [t["title"] for t in report["task_list"]][2] == left["title"]
    assert report["resource_totals"] == {"equipment": 7, "vehicle": 2}
    assert {c["ref"]: c["automatic"] for c in report["cases"]} == {old.ref: False, new.ref: True}
    assert report["case_statuses"] == {"registered": 1, "reported": 1}
    assert report["unit_name"] == room.world["S1"].name
    assert report["commander"] == "S1Op"
    assert report["log"][0]["action"] == "declare" and report["log"][-1]["action"] == "close"
    assert len(report["log"]) == 1 + 4 + 3 + 2 + 3 + 1  # declare, tasks, resources, cases…
    assert report["notices"] == []
