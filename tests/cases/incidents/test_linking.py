"""New cases reported inside an active incident's area are linked to it automatically."""

from __future__ import annotations

from linli.cases import service as cases
from linli.core.database import session_scope

from .conftest import FLOOD_AREA, IN_FLOOD, OUTSIDE_FLOOD_IN_C11, Room


async def report_at(room: Room, point: tuple[float, float], title: str) -> str:
    async with session_scope() as session:
        case = await cases.report_case(
            session, actor="system", category_code="public.order.noise", title=title,
            lon=point[0], lat=point[1],
        )  # fmt: skip
        return str(case.id)


async def linked(room: Room, fid: str) -> list[tuple[str, bool]]:
    detail = await room.get(f"/api/incidents/{fid}")
    return [(c["title"], c["automatic"]) for c in detail["cases"]]


async def test_cases_inside_the_polygon_are_linked_and_others_are_not(room: Room) -> None:
    before = await report_at(room, IN_FLOOD, "Before the flood")
    fid = (await room.declare(area=FLOOD_AREA))["id"]

    await report_at(room, IN_FLOOD, "Water in the car park")
    await report_at(room, OUTSIDE_FLOOD_IN_C11, "Same community, dry corner")
    await room.world.report(where="C21-G1", title="Other street")

    assert await linked(room, fid) == [("Water in the car park", True)]
    log = (await room.get(f"/api/incidents/{fid}"))["log"]
    assert log[-1]["action"] == "case_linked" and log[-1]["actor"] == "system"
    assert before not in {c["case_id"] for c in (await room.get(f"/api/incidents/{fid}"))["cases"]}


async def test_a_case_reported_over_the_api_inside_a_whole_unit_incident_is_linked(
    room: Room,
) -> None:
    fid = (await room.declare(unit="C12", by="dop", commander="dop"))["id"]
    lon, lat = room.world.at("C12-G2")
    body = {"category_code": "public.order.noise", "title": "Generator noise",
            "lon": lon, "lat": lat}  # fmt: skip
    resp = await room.client.post("/api/cases", json=body, headers=room.h("gw12"))
    assert resp.status_code == 201, resp.text
    # A case given by unit (no point) inside the incident's unit is linked too.
    unit_only = {"category_code": "public.order.noise", "title": "Somewhere in C12",
                 "unit_id": str(room.unit("C12-G1"))}  # fmt: skip
    resp = await room.client.post("/api/cases", json=unit_only, headers=room.h("gw12"))
    assert resp.status_code == 201, resp.text
    assert await linked(room, fid) == [("Generator noise", True), ("Somewhere in C12", True)]


async def test_a_case_without_a_point_is_linked_when_its_unit_meets_the_polygon(
    room: Room,
) -> None:
    fid = (await room.declare(area=FLOOD_AREA))["id"]
    for code, title in (("C11-G1", "In the flooded grid"), ("C12-G1", "In the dry community")):
        async with session_scope() as session:
            await cases.report_case(
                session, actor="system", category_code="public.order.noise", title=title,
                unit=room.world[code],
            )  # fmt: skip
    assert await linked(room, fid) == [("In the flooded grid", True)]


async def test_closed_incidents_link_nothing_and_each_active_one_links_once(room: Room) -> None:
    street = (await room.declare(title="Street-wide outage"))["id"]
    community = (await room.declare(by="c11op", unit="C11", commander="c11op",
                                    title="Community flood"))["id"]  # fmt: skip
    closed = (await room.declare(by="dop", unit="D", commander="dop", title="Old"))["id"]
    await room.post(f"/api/incidents/{closed}/close", {"summary": "Over"}, by="dop", expect=200)

    await report_at(room, IN_FLOOD, "Lift stuck")

    assert await linked(room, street) == [("Lift stuck", True)]
    assert await linked(room, community) == [("Lift stuck", True)]
    assert (await room.get(f"/api/incidents/{closed}", by="dop"))["cases"] == []
