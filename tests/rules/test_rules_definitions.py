"""Rule definitions: checked before saving, visible where they apply; alarms that open cases."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from httpx import AsyncClient
from rules_world import World

from linli.core.clock import ManualClock
from linli.core.database import session_scope
from linli.rules import service
from linli.rules.models import Alarm
from list_pages import assert_bad_paging_refused, total, walk


def _rule(world: World, **change: Any) -> dict[str, Any]:
    return {
        "name": "Noise at night",
        "device_type": "NoiseLevelObserved",
        "metric": "laeq",
        "params": {"op": ">=", "threshold": 70},
        "scope_unit_id": str(world.tree.unit("S1-C1").id),
        "severity": "minor",
        **change,
    }


async def test_a_valid_rule_is_saved_with_its_scope(world: World, client: AsyncClient) -> None:
    response = await client.post("/api/rules", json=_rule(world), headers=world.auth("admin"))
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["scope_path"] == world.tree.unit("S1-C1").path
    assert body["kind"] == "threshold"
    assert body["params"] == {
        "op": ">=",
        "threshold": 70.0,
        "clear_threshold": None,
        "for_seconds": 0,
    }
    assert body["active"] is True
    assert body["created_by"] == "staff:admin"


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"device_type": "Toaster"}, "unknown_device_type"),
        ({"metric": "pm25"}, "unknown_metric"),  # a metric of another device type
        ({"metric": None}, "metric_required"),
        ({"params": {"op": "=>", "threshold": 70}}, "unknown_op"),
        ({"params": {"op": "==", "threshold": 70}}, "unknown_op"),
        ({"severity": "fatal"}, "unknown_severity"),
        ({"params": {"op": ">", "threshold": "loud"}}, "bad_params"),
        ({"params": {"op": ">"}}, "bad_params"),
        ({"params": {"op": ">", "threshold": 70, "for_seconds": -1}}, "bad_params"),
        ({"params": {"op": ">", "threshold": 70, "surprise": 1}}, "bad_params"),
        # Clearing at 80 while firing above 70 could never clear: impossible thresholds.
        ({"params": {"op": ">=", "threshold": 70, "clear_threshold": 80}}, "bad_clear_threshold"),
        ({"params": {"op": "<", "threshold": 10, "clear_threshold": 5}}, "bad_clear_threshold"),
        ({"kind": "rate", "params": {}}, "bad_params"),
        ({"kind": "rate", "params": {"per_minute": 0}}, "bad_rate"),
        ({"kind": "absence", "params": {"silent_seconds": -5}}, "bad_params"),
        ({"kind": "sparkle"}, "validation_failed"),
        ({"scope_unit_id": None}, "validation_failed"),
    ],
)
async def test_invalid_rules_are_refused_before_saving(
    world: World, client: AsyncClient, change: dict[str, Any], code: str
) -> None:
    response = await client.post(
        "/api/rules", json=_rule(world, **change), headers=world.auth("admin")
    )
    assert response.status_code == 422
    assert response.json()["code"] == code
    listed = await client.get("/api/rules", headers=world.auth("admin"))
    assert listed.json()["items"] == []


async def test_rules_need_rules_write_on_their_scope(world: World, client: AsyncClient) -> None:
    response = await client.post("/api/rules", json=_rule(world), headers=world.auth("op"))
    assert response.status_code == 403


async def test_operators_see_the_rules_that_apply_to_their_units(
    world: World, client: AsyncClient
) -> None:
    await world.add_rule(name="district")
    await world.add_rule(name="community A", scope_unit_id=world.tree.unit("S1-C1").id)
    await world.add_rule(name="community B", scope_unit_id=world.tree.unit("S2-C1").id)
    await world.add_rule(name="grid B1", scope_unit_id=world.tree.unit("S2-C1-G1").id)

    seen_by_b = await client.get("/api/rules", headers=world.auth("op_b"))
    assert [r["name"] for r in seen_by_b.json()["items"]] == ["community B", "district", "grid B1"]
    assert await total(client, "/api/rules", world.auth("op")) == 4
    walked = await walk(client, "/api/rules", world.auth("op_b"), limit=1)
    assert [r["name"] for r in walked] == ["community B", "district", "grid B1"]
    await assert_bad_paging_refused(client, "/api/rules", world.auth("op"))
    grid_worker = await client.get("/api/rules", headers=world.auth("gw_a"))
    assert grid_worker.status_code == 403


async def test_an_alarm_with_a_case_category_opens_a_case_and_notes_its_clearing(
    world: World, client: AsyncClient, clock: ManualClock
) -> None:
    from linli.cases import service as cases_service
    from linli.cases.models import Case

    async with session_scope() as session:
        await cases_service.upsert_category(session, code="env.air", name="Air pollution")
    unknown = await client.post(
        "/api/rules",
        json=_rule(world, device_type="AirQualityObserved", metric="pm25", case_category="env.x"),
        headers=world.auth("admin"),
    )
    assert (unknown.status_code, unknown.json()["code"]) == (422, "unknown_category")
    rule = await world.add_rule(case_category="env.air")

    now = clock.now()
    await world.send(client, "AQ-A", ("pm25", 180, now))
    async with session_scope() as session:
        (alarm,) = (await service.list_alarms(session, principal=None)).items
        assert alarm.case_id is not None
        case = await session.get(Case, alarm.case_id)
        assert case is not None
        assert (case.source, case.source_ref) == ("alarm", str(alarm.id))
        assert case.category_code == "env.air"
        assert case.org_path == world.devices["AQ-A"].org_path
        assert (case.lon, case.lat) == (world.devices["AQ-A"].lon, world.devices["AQ-A"].lat)
        # Stored in the site's language (a `grid` site writes Chinese), read in the reader's.
        assert case.title == "空气质量差：PM2.5 180 µg/m³ — Air station A"
        assert cases_service.title_in(case, "en") == "Poor air: PM2.5 180 µg/m³ — Air station A"
        assert rule.name in case.description

    await world.send(client, "AQ-A", ("pm25", 20, now + timedelta(minutes=1)))
    async with session_scope() as session:
        cleared = await session.get(Alarm, alarm.id)
        assert cleared is not None and cleared.status == "cleared"
        case = await session.get(Case, alarm.case_id)
        assert case is not None
        timeline = await cases_service.timeline(session, case)
        assert [e.action for e in timeline][-1] == "alarm_cleared"
        assert timeline[-1].detail["alarm_id"] == str(alarm.id)


async def test_a_change_makes_a_new_version_and_alarms_name_the_version_that_raised_them(
    world: World, client: AsyncClient, clock: ManualClock
) -> None:
    rule = await world.add_rule(threshold=75, for_seconds=600)
    url = f"/api/rules/{rule.id}"
    now = clock.now()
    await world.send(client, "AQ-A", ("pm25", 100, now))  # pending: needs 10 minutes

    bad = await client.patch(
        url,
        json={"params": {"op": ">", "threshold": 75, "clear_threshold": 90}},
        headers=world.auth("admin"),
    )
    assert (bad.status_code, bad.json()["code"]) == (422, "bad_clear_threshold")
    refused = await client.patch(url, json={"severity": "critical"}, headers=world.auth("op"))
    assert refused.status_code == 403
    changed = await client.patch(
        url,
        json={"params": {"op": ">", "threshold": 90}, "severity": "critical"},
        headers=world.auth("admin"),
    )
    assert changed.status_code == 200, changed.text
    assert (changed.json()["version"], changed.json()["severity"]) == (2, "critical")

    clock.advance(timedelta(minutes=1))
    await world.send(client, "AQ-A", ("pm25", 95, clock.now()))
    async with session_scope() as session:
        (alarm,) = (await service.list_alarms(session, principal=None)).items
    # Raised at once by version 2 (no minimum duration), not by version 1's pending breach.
    assert (alarm.rule_version, alarm.severity, alarm.value) == (2, "critical", 95.0)

    versions = await client.get(f"{url}/versions", headers=world.auth("op"))
    assert [(v["version"], v["severity"], v["params"]["threshold"]) for v in versions.json()] == [
        (1, "major", 75.0),
        (2, "critical", 90.0),
    ]
    assert versions.json()[1]["changed_by"] == "staff:admin"
    hidden = await client.get(f"{url}/versions", headers=world.auth("gw_a"))
    assert hidden.status_code == 403
