"""Declaring an incident: who may, over which area, and the peacetime/wartime answer."""

from __future__ import annotations

import uuid

from ..conftest import square
from .conftest import FLOOD_AREA, Room


async def mode(room: Room, code: str, by: str = "dop") -> str:
    answer = await room.get(f"/api/incidents/mode?unit={room.unit(code)}", by=by)
    return str(answer["mode"])


async def test_a_declared_flood_puts_its_area_in_wartime_until_it_closes(room: Room) -> None:
    assert await mode(room, "C11") == "peacetime"

    flood = await room.declare(area=FLOOD_AREA, commander="c11op")

    assert flood["status"] == "active" and flood["kind"] == "flood"
    assert flood["commander_id"] == str(room.staff["c11op"].id)
    assert flood["declared_by"] == "staff:s1op"
    assert [e["action"] for e in flood["log"]] == ["declare"]
    # The polygon lies in C11's western grid and reaches into its eastern one.
    for code in ("D", "S1", "C11", "C11-G1", "C11-G2"):
        assert await mode(room, code) == "wartime", code
    for code in ("C12", "S2", "C21"):
        assert await mode(room, code) == "peacetime", code
    # Staff inside the area see which incident it is.
    answer = await room.get(f"/api/incidents/mode?unit={room.unit('C11')}", by="gw11")
    assert answer["incidents"] == [flood["id"]]

    closed = await room.post(
        f"/api/incidents/{flood['id']}/close", {"summary": "Water receded"}, expect=200
    )
    assert closed["status"] == "closed"
    assert await mode(room, "C11") == "peacetime"


async def test_an_incident_over_a_whole_unit_covers_all_of_it(room: Room) -> None:
    await room.declare(unit="C12", by="dop", commander="dop", title="Power cut")
    assert await mode(room, "C12-G2") == "wartime"
    assert await mode(room, "S1") == "wartime"
    assert await mode(room, "C11") == "peacetime"


async def test_an_area_outside_the_unit_or_not_a_polygon_is_refused(room: Room) -> None:
    outside = await room.declare(area=square(113.85, 22.51, 113.86, 22.52), expect=422)
    assert outside["code"] == "area_outside_unit"
    straddling = await room.declare(area=square(113.83, 22.51, 113.85, 22.52), expect=422)
    assert straddling["code"] == "area_outside_unit"
    bowtie = {
        "type": "Polygon",
        "coordinates": [[[113.81, 22.51], [113.82, 22.52], [113.82, 22.51], [113.81, 22.52],
                         [113.81, 22.51]]],
    }  # fmt: skip
    assert (await room.declare(area=bowtie, expect=422))["code"] == "bad_area"
    point = {"type": "Point", "coordinates": [113.81, 22.51]}
    assert (await room.declare(area=point, expect=422))["code"] == "bad_area"
    garbage = {"type": "Polygon", "coordinates": "here"}
    assert (await room.declare(area=garbage, expect=422))["code"] == "bad_area"
    no_boundary = await room.declare(by="dop", unit="D-SAN", commander="san", area=FLOOD_AREA,
                                     expect=422)  # fmt: skip
    assert no_boundary["code"] == "area_outside_unit"

    listed = await room.get("/api/incidents?count=true", by="dop")
    assert listed == {"items": [], "next": None, "total": 0, "total_capped": False}


async def test_bad_fields_are_refused_with_a_stable_code(room: Room) -> None:
    wrong_kind = await room.declare(kind="meteor", expect=422)
    assert wrong_kind["code"] == "validation_failed"
    wrong_severity = await room.declare(severity="apocalyptic", expect=422)
    assert wrong_severity["code"] == "validation_failed"
    blank = await room.declare(title="   ", expect=422)
    assert blank["code"] == "bad_title"
    assert (await room.get("/api/incidents?count=true", by="dop"))["total"] == 0


async def test_the_commander_must_hold_a_role_in_the_area(room: Room) -> None:
    other_street = await room.declare(commander="s2op", expect=422)
    assert other_street["code"] == "commander_out_of_scope"
    department = await room.declare(commander="san", expect=422)
    assert department["code"] == "commander_out_of_scope"
    worker = await room.declare(commander="gw11", expect=422)  # inside, but no operator
    assert worker["code"] == "commander_out_of_scope"
    await room.declare(commander="dop", title="District commands")  # covers the street
    await room.declare(commander="c11op", title="Community operator inside")
    assert (await room.get("/api/incidents?count=true", by="dop"))["total"] == 2


async def test_only_operators_over_the_unit_declare(room: Room) -> None:
    other_street = await room.declare(by="s2op", expect=404)
    assert other_street["code"] == "unit_not_found"
    worker = await room.declare(by="gw11", unit="C11", commander="gw11", expect=403)
    assert worker["code"] == "forbidden"
    community_op = await room.declare(by="c11op", expect=404)  # S1 lies above C11
    assert community_op["code"] == "unit_not_found"
    town = await room.declare(by="townop", expect=404)
    assert town["code"] == "unit_not_found"
    await room.declare(by="c11op", unit="C11", commander="c11op")


async def test_a_street_operator_cannot_see_or_command_another_streets_incident(
    room: Room,
) -> None:
    flood = await room.declare()
    fid = flood["id"]
    for path in (f"/api/incidents/{fid}", f"/api/incidents/{fid}/report"):
        hidden = await room.get(path, by="s2op", expect=404)
        assert hidden["code"] == "incident_not_found"
    missing = await room.get(f"/api/incidents/{uuid.uuid4()}", by="s2op", expect=404)
    assert missing["code"] == hidden["code"]
    assert (await room.get("/api/incidents?count=true", by="s2op"))["total"] == 0
    assert (await room.get("/api/incidents?count=true", by="gw21"))["total"] == 0
    task = {"unit_id": str(room.unit("D-SAN")), "title": "Sandbags"}
    refused = await room.post(f"/api/incidents/{fid}/tasks", task, by="s2op", expect=404)
    assert refused["code"] == "incident_not_found"
    closing = await room.post(f"/api/incidents/{fid}/close", {"summary": "x"}, by="s2op",
                              expect=404)  # fmt: skip
    assert closing["code"] == "incident_not_found"
    out_of_scope_mode = await room.get(
        f"/api/incidents/mode?unit={room.unit('C11')}", by="s2op", expect=404
    )
    assert out_of_scope_mode["code"] == "unit_not_found"

    # Staff inside the street read it, but only operators over it command it.
    seen = await room.get(f"/api/incidents/{fid}", by="gw11")
    assert seen["title"] == flood["title"] and seen["can_command"] is False
    assert (await room.get(f"/api/incidents/{fid}", by="dop"))["can_command"] is True
    assert (await room.get(f"/api/incidents/{fid}", by="c11op"))["can_command"] is False
    assert (await room.get("/api/incidents?count=true", by="gw11"))["total"] == 1
    worker = await room.post(f"/api/incidents/{fid}/tasks", task, by="gw11", expect=403)
    assert worker["code"] == "forbidden"
    assert (await room.get(f"/api/incidents/{fid}", by="s1op"))["tasks"] == []


async def test_changing_an_incident_is_logged_and_stops_at_closing(room: Room) -> None:
    flood = await room.declare()
    fid = flood["id"]
    changed = await room.patch(f"/api/incidents/{fid}", {"severity": "critical"})
    assert changed["severity"] == "critical"
    assert changed["log"][-1]["action"] == "update" and "severity" in changed["log"][-1]["text"]
    bad_commander = await room.patch(
        f"/api/incidents/{fid}", {"commander_id": str(room.staff["gw21"].id)}, expect=422
    )
    assert bad_commander["code"] == "commander_out_of_scope"
    emptied = await room.patch(f"/api/incidents/{fid}", {"title": None}, expect=422)
    assert emptied["code"] == "bad_update"
    await room.post(f"/api/incidents/{fid}/close", {"summary": "Done"}, expect=200)
    late = await room.patch(f"/api/incidents/{fid}", {"severity": "minor"}, expect=409)
    assert late["code"] == "incident_closed"
    again = await room.post(f"/api/incidents/{fid}/close", {"summary": "Again"}, expect=409)
    assert again["code"] == "incident_closed"
    detail = await room.get(f"/api/incidents/{fid}")
    assert detail["severity"] == "critical"
    assert [e["action"] for e in detail["log"]] == ["declare", "update", "close"]
