"""Staged notices: staff of the area, then its residents, then the all-clear on closing."""

from __future__ import annotations

import uuid

from linli.cases.incidents import service as incidents
from linli.cases.incidents.schemas import NoticeText
from linli.core.database import session_scope

from .conftest import FLOOD_AREA, IN_FLOOD, IN_S2, OUTSIDE_FLOOD_IN_C11, Room


async def buildings(room: Room) -> None:
    await room.building("B-WET", IN_FLOOD, residents=3)
    await room.building("B-DRY", OUTSIDE_FLOOD_IN_C11, residents=2)
    await room.building("B-S2", IN_S2, residents=4)


def notice(
    stage: int, en: str = "Move to higher floors", zh: str | None = None
) -> dict[str, object]:
    return {"stage": stage, "text": {"en": en, **({"zh": zh} if zh else {})}}


async def test_stages_reach_the_staff_then_the_residents_inside_the_polygon(room: Room) -> None:
    await buildings(room)
    fid = (await room.declare(area=FLOOD_AREA))["id"]
    base = f"/api/incidents/{fid}/notices"

    early = await room.post(base, notice(2), expect=409)
    assert early["code"] == "stage_out_of_order"
    not_yet = await room.post(base, notice(3), expect=409)
    assert not_yet["code"] == "incident_active"
    # The schema bounds the stage (1–3), so the answer says which field is wrong.
    refused = await room.post(base, notice(4), expect=422)
    assert refused["code"] == "validation_failed" and refused["errors"][0]["loc"][-1] == "stage"
    assert (await room.post(base, {"stage": 1, "text": {"en": ""}}, expect=422))[
        "code"
    ] == "validation_failed"
    worker = await room.post(base, notice(1), by="gw11", expect=403)
    assert worker["code"] == "forbidden"

    staff = await room.post(base, notice(1, "Stand by", "待命"))
    # S1's operator, C11's operator and C11's grid worker; C12's grid worker is dry.
    assert (staff["audience"], staff["recipients"]) == ("staff", 3)
    assert staff["text_zh"] == "待命" and staff["sent_by"] == "staff:s1op"
    twice = await room.post(base, notice(1), expect=409)
    assert twice["code"] == "notice_already_sent"
    residents = await room.post(base, notice(2))
    assert (residents["audience"], residents["recipients"]) == ("residents", 3)

    closed = await room.post(f"/api/incidents/{fid}/close", {
        "summary": "Water receded", "all_clear": {"en": "All clear", "zh": "解除警报"},
    }, expect=200)  # fmt: skip
    stages = [(n["stage"], n["audience"], n["recipients"]) for n in closed["notices"]]
    assert stages == [(1, "staff", 3), (2, "residents", 3), (3, "all", 6)]
    assert [e["action"] for e in closed["log"]][-4:] == ["notice", "notice", "close", "notice"]
    late = await room.post(base, notice(2), expect=409)
    assert late["code"] == "notice_already_sent"


async def test_a_whole_unit_incident_counts_everyone_in_it(room: Room) -> None:
    await buildings(room)
    fid = (await room.declare())["id"]
    base = f"/api/incidents/{fid}/notices"
    assert (await room.post(base, notice(1)))["recipients"] == 4  # s1op, c11op, gw11, gw12
    assert (await room.post(base, notice(2)))["recipients"] == 5  # both C11 buildings
    await room.post(f"/api/incidents/{fid}/close", {"summary": "Over"}, expect=200)
    assert (await room.post(base, notice(3, "All clear")))["recipients"] == 9


async def test_other_code_stages_notices_through_the_service(room: Room) -> None:
    await buildings(room)
    fid = (await room.declare(area=FLOOD_AREA))["id"]
    async with session_scope() as session:
        incident = await incidents.get_incident(
            session, uuid.UUID(fid), principal=room.staff["s1op"].principal
        )
        staged = await incidents.send_notice(
            session, incident, 1, NoticeText(en="Sirens at noon"), actor="system"
        )
        assert (staged.stage, staged.recipients, staged.sent_by) == (1, 3, "system")
    detail = await room.get(f"/api/incidents/{fid}")
    assert [n["text_en"] for n in detail["notices"]] == ["Sirens at noon"]
