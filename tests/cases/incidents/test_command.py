"""Commanding an incident: tasks for departments, resources, the situation log, linked cases."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from linli.core import clock as clock_mod
from linli.core import events

from .conftest import Room


def later(hours: float) -> str:
    return (clock_mod.now() + timedelta(hours=hours)).isoformat()


async def test_departments_get_tasks_and_their_owners_finish_them(
    room: Room, clock: clock_mod.ManualClock
) -> None:
    fid = (await room.declare())["id"]
    base = f"/api/incidents/{fid}/tasks"
    sandbags = await room.post(base, {
        "unit_id": str(room.unit("D-SAN")), "owner_id": str(room.staff["san"].id),
        "title": "Lay sandbags on the river wall", "deadline_at": later(2),
    })  # fmt: skip
    pumps = await room.post(base, {
        "unit_id": str(room.unit("C11")), "owner_id": str(room.staff["gw11"].id),
        "title": "Check basements", "deadline_at": later(1),
    })  # fmt: skip
    assert sandbags["status"] == pumps["status"] == "open"

    # The sanitation department sits outside the street, yet its owner finishes its own task.
    silent = await room.patch(f"{base}/{sandbags['id']}", {"status": "done"}, by="san", expect=422)
    assert silent["code"] == "note_required"
    cancel = {"status": "cancelled", "note": "not us"}
    assert (await room.patch(f"{base}/{sandbags['id']}", cancel, by="san", expect=403))[
        "code"
    ] == "forbidden_scope"
    rename = {"title": "Something else"}
    await room.patch(f"{base}/{sandbags['id']}", rename, by="san", expect=403)
    clock.advance(timedelta(minutes=90))
    done = await room.patch(
        f"{base}/{sandbags['id']}", {"status": "done", "note": "200 bags laid"}, by="san"
    )
    assert done["status"] == "done" and done["done_note"] == "200 bags laid"
    assert datetime.fromisoformat(done["finished_at"]) == clock.now()
    again = await room.patch(
        f"{base}/{sandbags['id']}", {"status": "done", "note": "twice"}, by="san", expect=409
    )
    assert again["code"] == "task_not_open"

    # Someone who reads the incident but neither owns the task nor commands may not touch it.
    other = await room.patch(
        f"{base}/{pumps['id']}", {"status": "done", "note": "x"}, by="gw12", expect=403
    )
    assert other["code"] == "forbidden_scope"
    outsider = await room.patch(
        f"{base}/{pumps['id']}", {"status": "done", "note": "x"}, by="gw21", expect=404
    )
    assert outsider["code"] == "incident_not_found"
    missing = await room.patch(f"{base}/{uuid.uuid4()}", {"status": "done", "note": "x"},
                               expect=404)  # fmt: skip
    assert missing["code"] == "task_not_found"
    await room.patch(f"{base}/{pumps['id']}", {"status": "cancelled", "note": "Pumps arrived"})

    detail = await room.get(f"/api/incidents/{fid}")
    assert [t["status"] for t in detail["tasks"]] == ["done", "cancelled"]
    assert [e["action"] for e in detail["log"]] == [
        "declare", "task_added", "task_added", "task_done", "task_cancelled",
    ]  # fmt: skip


async def test_tasks_need_a_unit_of_the_tree_and_an_owner_of_that_unit(room: Room) -> None:
    fid = (await room.declare())["id"]
    base = f"/api/incidents/{fid}/tasks"
    foreign = await room.post(base, {"unit_id": str(room.unit("T-TC")), "title": "x"}, expect=422)
    assert foreign["code"] == "unknown_task_unit"
    nowhere = await room.post(base, {"unit_id": str(uuid.uuid4()), "title": "x"}, expect=422)
    assert nowhere["code"] == "unknown_task_unit"
    stranger = {"unit_id": str(room.unit("C11")), "owner_id": str(room.staff["gw21"].id),
                "title": "x"}  # fmt: skip
    assert (await room.post(base, stranger, expect=422))["code"] == "owner_out_of_scope"
    naive = {"unit_id": str(room.unit("C11")), "title": "x", "deadline_at": "2026-03-02T12:00:00"}
    assert (await room.post(base, naive, expect=422))["code"] == "naive_datetime"
    blank = {"unit_id": str(room.unit("C11")), "title": "  "}
    assert (await room.post(base, blank, expect=422))["code"] == "bad_title"
    assert (await room.get(f"/api/incidents/{fid}"))["tasks"] == []


async def test_resources_are_committed_moved_and_released(room: Room) -> None:
    fid = (await room.declare())["id"]
    base = f"/api/incidents/{fid}/resources"
    pumps = await room.post(base, {"kind": "equipment", "name": "Water pumps", "quantity": 4,
                                   "lon": 113.81, "lat": 22.51})  # fmt: skip
    assert pumps["status"] == "requested" and pumps["quantity"] == 4
    moved = await room.patch(f"{base}/{pumps['id']}", {"status": "deployed", "quantity": 6})
    assert moved["status"] == "deployed" and moved["quantity"] == 6

    half = await room.post(base, {"kind": "vehicle", "name": "Boat", "lon": 113.8}, expect=422)
    assert half["code"] == "bad_coordinates"
    zero = await room.post(base, {"kind": "vehicle", "name": "Boat", "quantity": 0}, expect=422)
    assert zero["code"] == "validation_failed"
    alien = await room.post(base, {"kind": "dragon", "name": "Smaug"}, expect=422)
    assert alien["code"] == "validation_failed"
    same = await room.patch(f"{base}/{pumps['id']}", {"status": "deployed"}, expect=422)
    assert same["code"] == "bad_update"
    gone = await room.patch(f"{base}/{uuid.uuid4()}", {"status": "released"}, expect=404)
    assert gone["code"] == "resource_not_found"
    worker = await room.post(base, {"kind": "vehicle", "name": "Van"}, by="gw11", expect=403)
    assert worker["code"] == "forbidden"

    detail = await room.get(f"/api/incidents/{fid}")
    assert [(r["name"], r["quantity"], r["status"]) for r in detail["resources"]] == [
        ("Water pumps", 6, "deployed")
    ]
    assert [e["action"] for e in detail["log"]] == ["declare", "resource_added", "resource_changed"]


async def test_the_situation_log_takes_reports_and_is_append_only(room: Room) -> None:
    fid = (await room.declare())["id"]
    entry = await room.post(f"/api/incidents/{fid}/log", {"text": "Water 40 cm at the market"})
    assert entry["seq"] == 2 and entry["actor"] == "staff:s1op"
    blank = await room.post(f"/api/incidents/{fid}/log", {"text": "   "}, expect=422)
    assert blank["code"] == "text_required"
    empty = await room.post(f"/api/incidents/{fid}/log", {"text": ""}, expect=422)
    assert empty["code"] == "validation_failed"
    # No route edits or deletes a log line.
    edit = await room.client.patch(f"/api/incidents/{fid}/log", json={}, headers=room.h("s1op"))
    assert edit.status_code == 405
    log = (await room.get(f"/api/incidents/{fid}"))["log"]
    assert [(e["seq"], e["text"]) for e in log][1:] == [(2, "Water 40 cm at the market")]


async def test_existing_cases_are_linked_and_unlinked_within_the_callers_scope(
    room: Room,
) -> None:
    # Reported before the incident, so not linked automatically.
    nearby = await room.world.report(where="C12-G1", title="Blocked drain")
    elsewhere = await room.world.report(where="C21-G1", title="Across the street")
    fid = (await room.declare())["id"]
    base = f"/api/incidents/{fid}/cases"

    linked = await room.post(base, {"case_id": str(nearby.id)})
    assert linked["ref"] == nearby.ref and linked["automatic"] is False
    twice = await room.post(base, {"case_id": str(nearby.id)}, expect=409)
    assert twice["code"] == "case_already_linked"
    hidden = await room.post(base, {"case_id": str(elsewhere.id)}, expect=404)
    assert hidden["code"] == "case_not_found"

    resp = await room.client.delete(f"{base}/{nearby.id}", headers=room.h("s1op"))
    assert resp.status_code == 204
    again = await room.client.delete(f"{base}/{nearby.id}", headers=room.h("s1op"))
    assert again.status_code == 404 and again.json()["code"] == "case_not_linked"
    detail = await room.get(f"/api/incidents/{fid}")
    assert detail["cases"] == []
    assert [e["action"] for e in detail["log"]][-2:] == ["case_linked", "case_unlinked"]


async def test_the_commander_commands_though_their_grant_lies_below(room: Room) -> None:
    fid = (await room.declare(commander="c11op"))["id"]
    task = {"unit_id": str(room.unit("C11")), "title": "Evacuate block 3"}
    await room.post(f"/api/incidents/{fid}/tasks", task, by="c11op")
    # Another community's operator reads nothing of it.
    other = await room.get(f"/api/incidents/{fid}", by="s2op", expect=404)
    assert other["code"] == "incident_not_found"


async def test_a_closed_incident_takes_no_more_commands(room: Room) -> None:
    fid = (await room.declare())["id"]
    case = await room.world.report(where="C11-G1")
    await room.post(f"/api/incidents/{fid}/close", {"summary": "Over"}, expect=200)
    refusals = [
        await room.post(f"/api/incidents/{fid}/tasks",
                        {"unit_id": str(room.unit("C11")), "title": "Late"}, expect=409),
        await room.post(f"/api/incidents/{fid}/resources", {"kind": "other", "name": "x"},
                        expect=409),
        await room.post(f"/api/incidents/{fid}/log", {"text": "after"}, expect=409),
        await room.post(f"/api/incidents/{fid}/cases", {"case_id": str(case.id)}, expect=409),
    ]  # fmt: skip
    assert {r["code"] for r in refusals} == {"incident_closed"}


async def test_changes_are_published_with_the_incidents_org_path(room: Room) -> None:
    seen: list[dict[str, Any]] = []

    async def keep(event: events.Event) -> None:
        seen.append(event.envelope())

    sub = events.get_bus().subscribe("incident.*", keep)
    try:
        flood = await room.declare()
        fid = flood["id"]
        await room.post(f"/api/incidents/{fid}/log", {"text": "Rising"})
        await room.post(f"/api/incidents/{fid}/close", {"summary": "Done"}, expect=200)
    finally:
        sub.close()
    assert [(e["subject"], e["action"]) for e in seen] == [
        ("incident.declared", "declare"),
        ("incident.updated", "note"),
        ("incident.closed", "close"),
    ]
    assert {e["org_path"] for e in seen} == {room.world["S1"].path}
    assert {e["incident_id"] for e in seen} == {fid}
