"""Loop 1 end to end on the demo sites: reading → alarm → case → dispatch → fix → verify.

Runs on SQLite and on PostgreSQL, through the HTTP API, with the clock under the test's control.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from factories import bearer, tiny_png
from linli.cases import service as cases_service
from linli.core.clock import ManualClock
from linli.core.database import session_scope
from linli.iot.models import Device
from linli.org.models import OrgUnit
from linli.security import service as security_service
from linli.security.models import StaffAccount
from linli.twin import demo
from linli.twin.geography import baoan_district, sengkang_town


@dataclass
class Site:
    devices: list[dict[str, Any]]
    tokens: dict[str, str]  # username -> bearer token

    def auth(self, username: str) -> dict[str, str]:
        return bearer(self.tokens[username])


async def _load(site_spec: Any) -> Site:
    async with session_scope() as session:
        if not await cases_service.list_categories(session):
            await demo.load_categories(session)
        result = await demo.load_site(session, site_spec, password="end-to-end-pw")
        tokens = {}
        for login in result.logins:
            account = await session.scalar(
                select(StaffAccount).where(StaffAccount.username == login.username)
            )
            assert account is not None
            tokens[login.username], _ = await security_service.issue_token(
                session, account_id=account.id, name="e2e", actor="test"
            )
    return Site(result.devices, tokens)


@pytest.fixture
async def baoan(db: str, clock: ManualClock) -> Site:
    return await _load(baoan_district(scale=0.02))


@pytest.fixture
async def sengkang(db: str, clock: ManualClock) -> Site:
    return await _load(sengkang_town(data_dir=None, scale=0.05))


async def _unit_of_device(code: str) -> OrgUnit:
    async with session_scope() as session:
        device = await session.scalar(select(Device).where(Device.code == code))
        assert device is not None
        unit = await session.get(OrgUnit, device.org_unit_id)
        assert unit is not None
        return unit


async def _unit(code: str) -> OrgUnit:
    async with session_scope() as session:
        unit = await session.scalar(select(OrgUnit).where(OrgUnit.code == code))
        assert unit is not None
        return unit


async def _send(client: httpx.AsyncClient, device: dict[str, Any], **values: float) -> None:
    batch = {"readings": [{"metric": m, "value": v} for m, v in values.items()]}
    answer = await client.post(
        "/api/ingest",
        json=batch,
        headers={"X-Device-Id": device["code"], "Authorization": f"Device {device['token']}"},
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["accepted"] == len(values)


async def _alarm_case(client: httpx.AsyncClient, site: Site, user: str, code: str) -> str:
    """Return the case id of the open alarm of device `code`."""
    alarms = (await client.get("/api/alarms?open=true", headers=site.auth(user))).json()
    mine = [a for a in alarms["items"] if a["device_id"] == str(await _device_id(code))]
    assert len(mine) == 1, alarms
    assert mine[0]["status"] == "active"
    case_id: str = mine[0]["case_id"]
    return case_id


async def _device_id(code: str) -> uuid.UUID:
    async with session_scope() as session:
        found = await session.scalar(select(Device.id).where(Device.code == code))
        assert found is not None
        return found


async def _act(
    client: httpx.AsyncClient, site: Site, user: str, case_id: str, action: str, **body: Any
) -> dict[str, Any]:
    answer = await client.post(f"/api/cases/{case_id}/{action}", json=body, headers=site.auth(user))
    assert answer.status_code == 200, f"{action}: {answer.text}"
    result: dict[str, Any] = answer.json()
    return result


async def _photo(client: httpx.AsyncClient, site: Site, user: str, case_id: str) -> str:
    answer = await client.post(
        f"/api/cases/{case_id}/attachments",
        files={"file": ("fixed.png", tiny_png(), "image/png")},
        headers=site.auth(user),
    )
    assert answer.status_code in (200, 201), answer.text
    attachment_id: str = answer.json()["id"]
    return attachment_id


def _bins(site: Site, site_key: str) -> list[dict[str, Any]]:
    return [d for d in site.devices if d["type"] == "WasteContainer" and d["site"] == site_key]


async def test_grid_reading_to_closed_case_with_every_step_on_the_timeline(
    baoan: Site, client: httpx.AsyncClient
) -> None:
    community = await _unit_by_login_scope("baoan.local-operator")
    bins = [d for d in _bins(baoan, "baoan") if await _in(d["code"], community)]
    device = bins[0]

    await _send(client, device, fill_pct=97.0)
    case_id = await _alarm_case(client, baoan, "baoan.operator", device["code"])
    case = (await client.get(f"/api/cases/{case_id}", headers=baoan.auth("baoan.operator"))).json()
    assert case["status"] == "reported"
    assert case["org_path"].startswith(community.path), "the case is in the device's community"

    await _act(client, baoan, "baoan.local-operator", case_id, "register", note="seen on camera")
    dispatched = await _act(client, baoan, "baoan.local-operator", case_id, "dispatch")
    urban = await _unit("BA-D-UM")  # the routing table sends overflowing bins to Urban Mgmt
    assert dispatched["assigned_unit_id"] == str(urban.id)
    await _act(client, baoan, "baoan.dept", case_id, "accept")
    await _act(client, baoan, "baoan.dept", case_id, "start")
    photo = await _photo(client, baoan, "baoan.dept", case_id)
    await _act(client, baoan, "baoan.dept", case_id, "handle", note="emptied", evidence=[photo])
    await _act(client, baoan, "baoan.inspector", case_id, "verify", passed=True, note="clean")
    await _act(client, baoan, "baoan.inspector", case_id, "close")

    final = (await client.get(f"/api/cases/{case_id}", headers=baoan.auth("baoan.admin"))).json()
    assert final["status"] == "closed"
    steps = [(e["action"], e["actor"]) for e in final["timeline"]]
    assert steps == [
        ("report", "system"),
        ("register", "staff:baoan.local-operator"),
        ("dispatch", "staff:baoan.local-operator"),
        ("accept", "staff:baoan.dept"),
        ("start", "staff:baoan.dept"),
        ("handle", "staff:baoan.dept"),
        ("verify", "staff:baoan.inspector"),
        ("close", "staff:baoan.inspector"),
    ]
    handled = next(e for e in final["timeline"] if e["action"] == "handle")
    assert handled["note"] == "emptied" and handled["evidence"] == [photo]
    times = [e["at"] for e in final["timeline"]]
    assert times == sorted(times)


async def test_grid_case_left_alone_escalates_from_community_to_street(
    baoan: Site, client: httpx.AsyncClient, clock: ManualClock
) -> None:
    device = _bins(baoan, "baoan")[0]
    await _send(client, device, fill_pct=95.0)
    case_id = await _alarm_case(client, baoan, "baoan.operator", device["code"])
    before = (await client.get(f"/api/cases/{case_id}", headers=baoan.auth("baoan.admin"))).json()
    community = await _unit_of_device(device["code"])
    while community.kind != "community":
        async with session_scope() as session:
            parent = await session.get(OrgUnit, community.parent_id)
            assert parent is not None
            community = parent
    assert before["supervisor_unit_id"] == str(community.id)

    clock.advance(timedelta(minutes=59))  # the registration limit is 60 working minutes
    async with session_scope() as session:
        assert await cases_service.escalate_overdue(session) == []
    clock.advance(timedelta(minutes=2))
    async with session_scope() as session:
        escalated = await cases_service.escalate_overdue(session)
    assert [str(c.id) for c in escalated] == [case_id]

    after = (await client.get(f"/api/cases/{case_id}", headers=baoan.auth("baoan.admin"))).json()
    assert after["supervisor_unit_id"] == str(community.parent_id), "now the street supervises"
    assert after["escalation_level"] == 1 and after["overdue"] is True
    assert after["timeline"][-1]["action"] == "escalated"


async def test_town_alarm_goes_straight_to_the_first_responder_and_needs_a_photo_to_close(
    sengkang: Site, client: httpx.AsyncClient
) -> None:
    device = _bins(sengkang, "sengkang")[0]
    await _send(client, device, fill_pct=99.0)
    case_id = await _alarm_case(client, sengkang, "sengkang.operator", device["code"])
    case = (
        await client.get(f"/api/cases/{case_id}", headers=sengkang.auth("sengkang.admin"))
    ).json()
    conservancy = await _unit("SK-D-TCC")
    assert case["status"] == "dispatched"
    assert case["assigned_unit_id"] == str(conservancy.id)
    assert [e["action"] for e in case["timeline"]] == ["report", "register", "dispatch"]

    await _act(client, sengkang, "sengkang.dept", case_id, "accept")
    await _act(client, sengkang, "sengkang.dept", case_id, "start")
    refused = await client.post(
        f"/api/cases/{case_id}/handle",
        json={"note": "bin emptied"},
        headers=sengkang.auth("sengkang.dept"),
    )
    assert refused.status_code == 409
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["code"] == "photo_required"

    proof = await _photo(client, sengkang, "sengkang.dept", case_id)  # the handler's proof
    await _act(
        client, sengkang, "sengkang.dept", case_id, "handle", note="bin emptied", evidence=[proof]
    )
    await _act(client, sengkang, "sengkang.inspector", case_id, "verify", passed=True)
    # The inspector, who closes but does not handle, may add their own photo from the site.
    seen = await _photo(client, sengkang, "sengkang.inspector", case_id)
    closed = await _act(client, sengkang, "sengkang.inspector", case_id, "close", evidence=[seen])
    assert closed["status"] == "closed"


async def _unit_by_login_scope(username: str) -> OrgUnit:
    async with session_scope() as session:
        account = await session.scalar(
            select(StaffAccount).where(StaffAccount.username == username)
        )
        assert account is not None
        principal = await security_service.load_principal(session, account, via="token")
        unit = await session.get(OrgUnit, principal.grants[0].unit_id)
        assert unit is not None
        return unit


async def _in(code: str, unit: OrgUnit) -> bool:
    return (await _unit_of_device(code)).path.startswith(unit.path)
