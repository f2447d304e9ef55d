"""Those offline: the phone list (masked; full names and numbers only for `residents:pii`, each
read audited), calls recorded with their outcome, a reached call counted as delivered; and a
staff member of another subtree never sees the notice."""

from __future__ import annotations

from httpx import AsyncClient
from sqlalchemy import func, select

from linli.core.database import session_scope
from linli.security.models import AuditEntry

from .notices_world import World, notice


async def _published(client: AsyncClient, w: World) -> str:
    created = await client.post(
        "/api/notices", json=notice(w.unit("S1-C1")), headers=w.auth("gw_a")
    )
    notice_id = str(created.json()["id"])
    published = await client.post(
        f"/api/notices/{notice_id}/publish", json={}, headers=w.auth("gw_a")
    )
    assert published.status_code == 200, published.text
    return notice_id


async def _reads_audited() -> int:
    async with session_scope() as session:
        found = await session.scalar(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "resident.read")
        )
    return int(found or 0)


async def test_the_phone_list_is_masked_unless_revealed_by_pii_holders(
    world: World, client: AsyncClient
) -> None:
    notice_id = await _published(client, world)
    url = f"/api/notices/{notice_id}/phone-list"
    masked = await client.get(url, params={"method": "phone"}, headers=world.auth("gw_a"))
    assert masked.status_code == 200, masked.text
    rows = masked.json()["items"]
    assert sorted(r["name"] for r in rows) == ["Chen **", "Kumar **", "Wong **"]
    assert all("****" in r["phone"] and not r["revealed"] for r in rows)
    assert await _reads_audited() == 0

    # An inspector reads notices but not the register: nobody is listed, nothing revealed.
    unlisted = await client.get(url, headers=world.auth("insp"))
    assert unlisted.status_code == 200
    assert unlisted.json()["items"] == []
    refused = await client.get(url, params={"reveal": True}, headers=world.auth("insp"))
    assert refused.status_code == 403
    assert refused.json()["code"] == "pii_forbidden"
    assert await _reads_audited() == 0

    revealed = await client.get(
        url, params={"reveal": True, "method": "visit"}, headers=world.auth("gw_a")
    )
    assert [r["name"] for r in revealed.json()["items"]] == ["Lim Ah Kow"]
    assert revealed.json()["items"][0]["language"] == "ms"
    assert await _reads_audited() == 1


async def test_a_reached_call_counts_as_delivered(world: World, client: AsyncClient) -> None:
    notice_id = await _published(client, world)
    chen, wong = world.residents["Chen Wei"], world.residents["Wong Siu"]
    calls = f"/api/notices/{notice_id}/calls"
    for resident, outcome in ((chen, "no_answer"), (chen, "reached"), (wong, "wrong_number")):
        made = await client.post(
            calls,
            json={"resident_id": str(resident.id), "outcome": outcome, "note": "called"},
            headers=world.auth("gw_a"),
        )
        assert made.status_code == 201, made.text

    figures = (
        await client.get(f"/api/notices/{notice_id}/figures", headers=world.auth("gw_a"))
    ).json()
    assert (figures["reached"], figures["delivered"], figures["audience"]) == (1, 1, 6)
    a1 = next(t for t in figures["targets"] if t["building"] == "Block A1")
    a2 = next(t for t in figures["targets"] if t["building"] == "Block A2")
    assert (a1["reached"], a1["share"]) == (1, round(1 / 3, 4))
    assert (a2["reached"], a2["share"]) == (0, 0.0)

    listed = await client.get(f"/api/notices/{notice_id}/phone-list", headers=world.auth("gw_a"))
    latest = {r["resident_id"]: r["last_outcome"] for r in listed.json()["items"]}
    assert latest[str(chen.id)] == "reached"
    assert latest[str(wong.id)] == "wrong_number"
    history = await client.get(calls, headers=world.auth("gw_a"))
    assert [c["outcome"] for c in history.json()["items"]] == [
        "wrong_number",
        "reached",
        "no_answer",
    ]


async def test_a_call_to_someone_outside_the_audience_is_refused(
    world: World, client: AsyncClient
) -> None:
    notice_id = await _published(client, world)
    made = await client.post(
        f"/api/notices/{notice_id}/calls",
        json={"resident_id": str(world.residents["Ong Bee"].id), "outcome": "reached"},
        headers=world.auth("gw_a"),
    )
    assert made.status_code == 422
    assert made.json()["code"] == "unknown_resident"
    figures = await client.get(f"/api/notices/{notice_id}/figures", headers=world.auth("gw_a"))
    assert figures.json()["reached"] == 0


async def test_staff_of_another_subtree_see_nothing(world: World, client: AsyncClient) -> None:
    notice_id = await _published(client, world)
    for path in ("", "/figures", "/phone-list", "/calls", "/audience"):
        response = await client.get(f"/api/notices/{notice_id}{path}", headers=world.auth("gw_b"))
        assert response.status_code == 404, path
        assert response.json()["code"] == "notice_not_found"
    withdraw = await client.post(f"/api/notices/{notice_id}/withdraw", headers=world.auth("gw_b"))
    assert withdraw.status_code == 404
    listed = await client.get("/api/notices", headers=world.auth("gw_b"))
    assert listed.json()["items"] == []
    mine = await client.get("/api/notices", headers=world.auth("gw_a"))
    assert [n["id"] for n in mine.json()["items"]] == [notice_id]


async def test_staff_without_the_permission_are_refused(world: World, client: AsyncClient) -> None:
    notice_id = await _published(client, world)
    read = await client.get(f"/api/notices/{notice_id}", headers=world.auth("dept"))
    assert read.status_code == 403
    write = await client.post(f"/api/notices/{notice_id}/withdraw", headers=world.auth("insp"))
    assert write.status_code == 403
