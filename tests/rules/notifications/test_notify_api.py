"""The notifications API at its edges (preferences, routes, inbox, scoping) and the printed
list of residents to phone or visit."""

from __future__ import annotations

from datetime import timedelta

import pytest
from httpx import AsyncClient
from notify_world import NotifyWorld, dispatch, make_notify_world
from sqlalchemy import func, select

from factories import IN_A
from linli.core import clock as clock_mod
from linli.core import i18n
from linli.core.clock import ManualClock
from linli.core.database import session_scope
from linli.registry import service as registry_service
from linli.registry.schemas import BuildingCreate, ResidentCreate
from linli.rules.notifications.config import NotifySettings
from linli.rules.notifications.models import Notification
from linli.security.models import AuditEntry
from list_pages import assert_bad_paging_refused, total, walk


@pytest.fixture
async def nworld(db: str, clock: ManualClock, notify: NotifySettings) -> NotifyWorld:
    return await make_notify_world()


async def test_preferences_are_checked_and_kept(client: AsyncClient, nworld: NotifyWorld) -> None:
    url, auth = "/api/notifications/preferences", nworld.auth("gw_a")
    assert (await client.get(url, headers=auth)).json()["channels"] == {}
    for bad, field in (
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"quiet_start": "22:00"}, "quiet"),
        ({"quiet_start": "25:00", "quiet_end": "07:00"}, "quiet_start"),
        ({"channels": {"major": ["pigeon"]}}, "channels"),
        ({"email": "not-an-address"}, "email"),
    ):
        response = await client.put(url, json=bad, headers=auth)
        assert response.status_code == 422, (field, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
    phone = await client.put(url, json={"phone": "call me"}, headers=auth)
    assert (phone.status_code, phone.json()["code"]) == (422, "bad_phone")
    assert (await client.get(url, headers=auth)).json()["phone"] is None, "nothing half-stored"

    wanted = {
        "channels": {"critical": ["inapp", "sms", "sms"], "minor": ["inapp"]},
        "timezone": "Asia/Singapore",
        "quiet_start": "23:00",
        "quiet_end": "06:30",
        "email": "wang@linli.test",
        "phone": "+65 9123 4567",
    }
    assert (await client.put(url, json=wanted, headers=auth)).status_code == 200
    kept = (await client.get(url, headers=auth)).json()
    assert kept["channels"] == {"critical": ["inapp", "sms"], "minor": ["inapp"]}
    assert kept["phone"] == "+6591234567" and kept["quiet_end"] == "06:30"
    other = (await client.get(url, headers=nworld.auth("gw_a2"))).json()
    assert other["email"] is None, "preferences are each person's own"


async def test_routes_are_checked_scoped_and_audited(
    client: AsyncClient, nworld: NotifyWorld
) -> None:
    route = await nworld.route(client, ["gw_a", "gw_a2"], severity_min="major")
    url = "/api/notifications/routes"
    community_a = str(nworld.tree.unit("S1-C1").id)
    op_b = str((await nworld.account("op_b")).id)
    gw_a = str((await nworld.account("gw_a")).id)

    cases = [
        ("op", {"unit_id": community_a, "staff_ids": [gw_a]}, 403, "forbidden"),
        ("admin", {"unit_id": community_a, "staff_ids": [op_b]}, 422, "staff_cannot_read"),
        ("admin", {"unit_id": community_a, "staff_ids": [gw_a, gw_a]}, 422, "staff_repeated"),
        ("admin", {"unit_id": community_a, "staff_ids": [gw_a], "severity_min": "major"},
         409, "route_exists"),
        ("admin", {"unit_id": str(nworld.devices["AQ-A"].id), "staff_ids": [gw_a]},
         422, "unknown_unit"),
        ("admin", {"unit_id": community_a, "staff_ids": []}, 422, None),
    ]  # fmt: skip
    for user, body, status, code in cases:
        response = await client.post(url, json=body, headers=nworld.auth(user))
        assert response.status_code == status, (body, response.text)
        if code:
            assert response.json()["code"] == code

    assert (await client.get(url, headers=nworld.auth("op_b"))).json()["items"] == []
    hidden = await client.get(f"{url}/{route['id']}", headers=nworld.auth("op_b"))
    assert (hidden.status_code, hidden.json()["code"]) == (404, "route_not_found")
    assert await total(client, url, nworld.auth("op")) == 1
    await assert_bad_paging_refused(client, url, nworld.auth("op"))

    changed = await client.patch(
        f"{url}/{route['id']}", json={"ack_timeout_minutes": 3}, headers=nworld.auth("admin")
    )
    assert changed.json()["ack_timeout_minutes"] == 3
    gone = await client.delete(f"{url}/{route['id']}", headers=nworld.auth("admin"))
    assert gone.status_code == 204
    assert (await client.get(f"{url}/{route['id']}", headers=nworld.auth("op"))).status_code == 404
    async with session_scope() as session:
        actions = list(
            await session.scalars(
                select(AuditEntry.action).where(AuditEntry.target_type == "notification_route")
            )
        )
    expected = ["notification_route.create", "notification_route.update"]
    assert actions == [*expected, "notification_route.delete"]


async def test_the_inbox_is_mine_alone_and_deliveries_are_scoped(
    client: AsyncClient, nworld: NotifyWorld, clock: ManualClock
) -> None:
    await nworld.add_rule(severity="minor")
    await nworld.send(client, "AQ-A", ("pm25", 120.0, clock.now()))
    await dispatch()
    (note,) = await nworld.inbox(client, "gw_a")
    url = f"/api/notifications/inbox/{note['id']}/read"
    other = await client.post(url, headers=nworld.auth("gw_a2"))
    assert (other.status_code, other.json()["code"]) == (404, "notification_not_found")

    inbox = "/api/notifications/inbox"
    assert (await client.get(inbox, headers=nworld.auth("gw_a"))).json()["unread"] == 1
    assert (await client.post(url, headers=nworld.auth("gw_a"))).json()["read_at"] is not None
    mine = (await client.get(inbox, headers=nworld.auth("gw_a"))).json()
    assert mine["unread"] == 0 and len(mine["items"]) == 1
    assert await total(client, inbox, nworld.auth("gw_a")) == 1
    unread_only = await client.get(inbox, params={"unread": "true"}, headers=nworld.auth("gw_a"))
    assert unread_only.json()["items"] == []
    marked = await client.post(f"{inbox}/read-all", headers=nworld.auth("gw_a2"))
    assert marked.json() == {"marked": 1}

    deliveries = "/api/notifications/deliveries"
    assert (await client.get(deliveries, headers=nworld.auth("op_b"))).json()["items"] == []
    assert await total(client, deliveries, nworld.auth("op")) == 3
    walked = await walk(client, deliveries, nworld.auth("op"), limit=2)
    assert len({d["id"] for d in walked}) == 3
    assert [d["created_at"] for d in walked] == sorted(
        (d["created_at"] for d in walked), reverse=True
    )
    await assert_bad_paging_refused(client, deliveries, nworld.auth("op"))
    bad = await client.get(deliveries, params={"status": "lost"}, headers=nworld.auth("op"))
    assert bad.status_code == 422


async def _notes(nworld: NotifyWorld, username: str, n: int, *, read: int = 0) -> None:
    """Put `n` notifications in a person's inbox, three to an instant; the first `read` read."""
    account = await nworld.account(username)
    async with session_scope() as session:
        start = clock_mod.now()
        for i in range(n):
            note = Notification(
                account_id=account.id,
                dedupe_key=f"test:{username}:{i}",
                kind="alarm.raised",
                org_path="/",
                severity="minor",
                locale="en",
                title=f"{username} {i}",
                body="",
                created_at=start - timedelta(seconds=i // 3),
                read_at=start if i < read else None,
            )
            session.add(note)


@pytest.mark.parametrize("limit", [1, 4, 50])
async def test_walking_the_inbox_shows_each_of_mine_once_newest_first(
    client: AsyncClient, nworld: NotifyWorld, limit: int
) -> None:
    await _notes(nworld, "gw_a", 10, read=4)
    await _notes(nworld, "gw_a2", 5)
    inbox = "/api/notifications/inbox"
    walked = await walk(client, inbox, nworld.auth("gw_a"), limit=limit)
    assert len(walked) == len({n["id"] for n in walked}) == 10
    assert {n["title"].split()[0] for n in walked} == {"gw_a"}
    assert [n["created_at"] for n in walked] == sorted(
        (n["created_at"] for n in walked), reverse=True
    )
    unread = await walk(client, f"{inbox}?unread=true", nworld.auth("gw_a"), limit=limit)
    assert sorted(n["title"] for n in unread) == sorted(f"gw_a {i}" for i in range(4, 10))
    counted = (await client.get(f"{inbox}?count=true", headers=nworld.auth("gw_a"))).json()
    assert (counted["total"], counted["unread"], counted["unread_capped"]) == (10, 6, False)
    await assert_bad_paging_refused(client, inbox, nworld.auth("gw_a"))


async def test_the_printed_list_tells_whom_to_phone_or_visit_and_what_to_say(
    client: AsyncClient, nworld: NotifyWorld, clock: ManualClock
) -> None:
    async with session_scope() as session:
        building = await registry_service.create_building(
            session,
            data=BuildingCreate(code="B-1", name="Block 1", lon=IN_A[0], lat=IN_A[1]),
        )
        people = {}
        for name, phone in (("Chen Wei", "+8613811112222"), ("Tan Ah Kow", "+6591234567"),
                            ("Young Li", "+8613900001111")):  # fmt: skip
            resident = await registry_service.create_resident(
                session, data=ResidentCreate(building_id=building.id, name=name, phone=phone)
            )
            people[name] = str(resident.id)
    for name, reach in (
        ("Chen Wei", {"language": "zh_Hans", "method": "phone"}),
        ("Tan Ah Kow", {"language": "en", "method": "visit"}),
        ("Young Li", {"language": "en", "has_smartphone": True}),
    ):
        response = await client.put(
            f"/api/notifications/reach/{people[name]}", json=reach, headers=nworld.auth("admin")
        )
        assert response.status_code == 200, response.text
    denied = await client.put(
        f"/api/notifications/reach/{people['Chen Wei']}", json={}, headers=nworld.auth("op_b")
    )
    assert (denied.status_code, denied.json()["code"]) == (403, "forbidden")

    page = await client.get("/notices/print", headers=nworld.auth("gw_a"))
    assert page.status_code == 200
    assert "data-resident-id" not in page.text, "without an open alarm nobody needs a call"

    await nworld.add_rule(severity="major")
    await nworld.send(client, "AQ-A", ("pm25", 120.0, clock.now()))
    page = await client.get("/notices/print", headers=nworld.auth("gw_a"))
    assert page.status_code == 200, page.text
    assert "Chen **" in page.text and "+86 138****2222" in page.text
    assert "Tan **" in page.text and "+65 ****4567" in page.text
    assert "Young" not in page.text, "residents with a smartphone get the alert themselves"
    zh_row = page.text.split(f'data-resident-id="{people["Chen Wei"]}"')[1].split("</tr>")[0]
    assert i18n.translations("zh_Hans").gettext("Major") in zh_row, "told in their language"
    assert "Chen Wei" not in page.text and "+8613811112222" not in page.text

    async def reads() -> int:
        async with session_scope() as session:
            stmt = select(func.count()).where(AuditEntry.action == "resident.read")
            return int(await session.scalar(stmt) or 0)

    before = await reads()
    revealed = await client.get(
        "/notices/print", params={"reveal": "1"}, headers=nworld.auth("gw_a")
    )
    assert "Chen Wei" in revealed.text and "+8613811112222" in revealed.text
    assert await reads() == before + 2, "each revealed resident is an audited read"

    elsewhere = await client.get("/notices/print", headers=nworld.auth("op_b"))
    assert "Chen" not in elsewhere.text, "community A's residents are not op_b's to call"
    signed_out = await client.get("/notices/print")
    assert signed_out.status_code == 303
    assert signed_out.headers["location"].startswith("/login?next=/notices/print")
