"""Residents: personal data encrypted at rest, found by phone, masked unless revealed (audited)."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
from httpx import AsyncClient
from registry_world import World
from sqlalchemy import select, text
from sqlalchemy.engine import make_url

from linli.core.database import session_scope
from linli.core.errors import Forbidden
from linli.registry import service
from linli.registry.models import Resident
from linli.registry.schemas import ResidentCreate
from linli.security import service as security_service
from linli.security.models import AuditEntry
from linli.security.permissions import ROLES
from list_pages import assert_bad_paging_refused, total, walk

PHONE = "+86 138 1234 5678"


async def _add_resident(
    world: World, building: str = "A", *, name: str = "Chen Wei", phone: str | None = PHONE
) -> Resident:
    async with session_scope() as session:
        return await service.create_resident(
            session,
            data=ResidentCreate(
                building_id=world.buildings[building].id,
                name=name,
                phone=phone,
                birth_year=1941,
                lives_alone=True,
            ),
        )


async def _reads_audited() -> list[AuditEntry]:
    async with session_scope() as session:
        stmt = select(AuditEntry).where(AuditEntry.action == "resident.read")
        return list(await session.scalars(stmt.order_by(AuditEntry.seq)))


async def test_phone_and_name_are_never_stored_in_plaintext(db: str, world: World) -> None:
    resident = await _add_resident(world, name="Zhang Xiuying", phone="+86 13987654321")
    url = make_url(db)
    if url.get_backend_name() == "sqlite":
        assert url.database is not None
        files = [Path(url.database), Path(url.database + "-wal")]
        # Read in another process: closing a handle on the file in this one would drop
        # SQLite's locks (POSIX advisory locks are per process) and corrupt the open database.
        cat = await asyncio.create_subprocess_exec(
            "cat", *[str(f) for f in files if f.exists()], stdout=asyncio.subprocess.PIPE
        )
        raw, _ = await cat.communicate()
        assert b"BLK-A" in raw, "the committed rows should be in the files read"
        for secret in ("13987654321", "+8613987654321", "Zhang Xiuying", "Xiuying"):
            assert secret.encode() not in raw
            assert secret.encode("utf-16-le") not in raw
    async with session_scope() as session:
        row = (
            await session.execute(
                text("SELECT name, phone, phone_hash FROM resident WHERE id = :id"),
                {"id": resident.id if url.get_backend_name() == "postgresql" else resident.id.hex},
            )
        ).one()
        for column in (row.name, row.phone):
            assert isinstance(column, bytes | memoryview)
            assert b"13987654321" not in bytes(column)
            assert b"Zhang" not in bytes(column)
        assert "13987654321" not in row.phone_hash
        if url.get_backend_name() == "postgresql":
            dump = await session.scalar(
                text("SELECT string_agg(resident::text, ' ') FROM resident")
            )
            assert dump is not None and "13987654321" not in dump and "Zhang" not in dump
        stored = await session.get(Resident, resident.id)
        assert stored is not None
        assert (stored.name, stored.phone) == ("Zhang Xiuying", "+8613987654321")


async def test_residents_are_found_by_exact_phone_however_it_is_written(
    world: World, client: AsyncClient
) -> None:
    chen = await _add_resident(world)
    await _add_resident(world, name="Li Na", phone="+86 13900000000")
    async with session_scope() as session:
        found = await service.find_residents_by_phone(session, "+86-138-1234-5678")
        assert [r.id for r in found] == [chen.id]
        assert await service.find_residents_by_phone(session, "+86 138 1234 5679") == []

    response = await client.get(
        "/api/residents", params={"phone": "+8613812345678"}, headers=world.auth("gw_a")
    )
    assert response.status_code == 200
    assert [r["id"] for r in response.json()["items"]] == [str(chen.id)]
    assert response.json()["items"][0]["phone"] == "+86 138****5678"


async def test_personal_data_is_masked_by_default_and_reveal_is_audited(
    world: World, client: AsyncClient
) -> None:
    chen = await _add_resident(world)
    await _add_resident(world, name="陈秀英", phone="13987654321")

    listed = await client.get("/api/residents", headers=world.auth("gw_a"))
    assert listed.status_code == 200
    masked = {(r["name"], r["phone"], r["revealed"]) for r in listed.json()["items"]}
    assert masked == {("Chen **", "+86 138****5678", False), ("陈**", "139****4321", False)}
    one = await client.get(f"/api/residents/{chen.id}", headers=world.auth("gw_a"))
    assert (one.json()["name"], one.json()["phone"]) == ("Chen **", "+86 138****5678")
    assert await _reads_audited() == []

    revealed = await client.get(
        f"/api/residents/{chen.id}", params={"reveal": "true"}, headers=world.auth("gw_a")
    )
    assert revealed.status_code == 200
    body = revealed.json()
    assert (body["name"], body["phone"], body["revealed"]) == ("Chen Wei", "+8613812345678", True)
    (entry,) = await _reads_audited()
    assert entry.actor == "staff:gw_a"
    assert entry.target_id == str(chen.id)
    assert entry.org_path == world.buildings["A"].org_path

    everyone = await client.get(
        "/api/residents", params={"reveal": "true"}, headers=world.auth("op")
    )
    assert {r["name"] for r in everyone.json()["items"]} == {"Chen Wei", "陈秀英"}
    assert len(await _reads_audited()) == 3  # one more entry per resident shown


async def test_without_pii_permission_names_stay_masked(
    world: World, client: AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(ROLES, "clerk", frozenset({"residents:read"}))
    async with session_scope() as session:
        account = await security_service.create_account(
            session, username="clerk", display_name="Clerk", password="long enough pw"
        )
        await security_service.grant_role(
            session, account_id=account.id, role="clerk", unit_id=world.tree.district.id
        )
        token, _ = await security_service.issue_token(
            session, account_id=account.id, name="t", actor="test"
        )
    chen = await _add_resident(world)
    headers = {"Authorization": f"Bearer {token}"}

    listed = await client.get("/api/residents", headers=headers)
    assert listed.json()["items"][0]["name"] == "Chen **"
    refused = await client.get(f"/api/residents/{chen.id}?reveal=true", headers=headers)
    assert refused.status_code == 403
    assert refused.json()["code"] == "pii_forbidden"
    by_phone = await client.get("/api/residents", params={"phone": PHONE}, headers=headers)
    assert by_phone.status_code == 403
    assert await _reads_audited() == []


async def test_grid_worker_of_another_community_gets_404(world: World, client: AsyncClient) -> None:
    theirs = await _add_resident(world, "B", name="Tan Ah Kow", phone="+65 91234567")
    mine = await _add_resident(world, "A")

    response = await client.get(f"/api/residents/{theirs.id}", headers=world.auth("gw_a"))
    assert response.status_code == 404
    revealing = await client.get(
        f"/api/residents/{theirs.id}?reveal=true", headers=world.auth("gw_a")
    )
    assert revealing.status_code == 404
    listed = await client.get("/api/residents", headers=world.auth("gw_a"))
    assert [r["id"] for r in listed.json()["items"]] == [str(mine.id)]
    by_phone = await client.get(
        "/api/residents", params={"phone": "+65 91234567"}, headers=world.auth("gw_a")
    )
    assert by_phone.json()["items"] == []
    assert await _reads_audited() == []

    seen_by_b = await client.get(f"/api/residents/{theirs.id}", headers=world.auth("gw_b"))
    assert seen_by_b.status_code == 200
    assert seen_by_b.json()["phone"] == "+65 ****4567"


@pytest.mark.parametrize("limit", [1, 3])
async def test_walking_the_resident_pages_shows_each_resident_in_scope_once(
    world: World, client: AsyncClient, limit: int
) -> None:
    # One household's phone, shared in community A and, by chance, in community B.
    mine = [(await _add_resident(world, "A", name=f"Chen {i}")).id for i in range(5)]
    theirs = [(await _add_resident(world, "B", name=f"Tan {i}")).id for i in range(2)]
    mine.append((await _add_resident(world, "A", name="Li Na", phone=None)).id)

    walked = await walk(client, "/api/residents", world.auth("gw_a"), limit=limit)
    assert [r["id"] for r in walked] == [str(i) for i in mine], "oldest record first"
    everyone = await walk(client, "/api/residents", world.auth("op"), limit=limit)
    assert sorted(r["id"] for r in everyone) == sorted(str(i) for i in mine + theirs)
    by_phone_url = f"/api/residents?phone={quote(PHONE)}"
    by_phone = await walk(client, by_phone_url, world.auth("gw_a"), limit=limit)
    assert [r["id"] for r in by_phone] == [str(i) for i in mine[:5]]
    assert await total(client, by_phone_url, world.auth("op")) == 7
    assert await total(client, "/api/residents", world.auth("gw_a")) == 6
    await assert_bad_paging_refused(client, by_phone_url, world.auth("op"))


async def test_registering_residents_needs_residents_write(
    world: World, client: AsyncClient
) -> None:
    payload = {"building_id": str(world.buildings["A"].id), "name": "Wong Mei", "phone": PHONE}
    refused = await client.post("/api/residents", json=payload, headers=world.auth("gw_a"))
    assert refused.status_code == 403

    created = await client.post("/api/residents", json=payload, headers=world.auth("admin"))
    assert created.status_code == 201, created.text
    assert (created.json()["name"], created.json()["phone"]) == ("Wong **", "+86 138****5678")
    assert created.json()["org_path"] == world.buildings["A"].org_path

    unknown = {**payload, "building_id": str(uuid.uuid4())}
    response = await client.post("/api/residents", json=unknown, headers=world.auth("admin"))
    assert response.status_code == 422
    assert response.json()["code"] == "unknown_building"
    bad_phone = {**payload, "phone": "call me"}
    response = await client.post("/api/residents", json=bad_phone, headers=world.auth("admin"))
    assert response.json()["code"] == "bad_phone"


async def test_department_staff_cannot_read_residents(world: World, client: AsyncClient) -> None:
    response = await client.get("/api/residents", headers=world.auth("dept"))
    assert response.status_code == 403


def test_masks_keep_only_what_identifies_nobody() -> None:
    assert service.mask_name("Chen Wei") == "Chen **"
    assert service.mask_name("Nurul Aisyah binti Ahmad") == "Nurul **"
    assert service.mask_name("王芳") == "王**"
    assert service.mask_phone("+8613812345678") == "+86 138****5678"
    assert service.mask_phone("+6591234567") == "+65 ****4567"
    assert service.mask_phone("+85291234567") == "+852 ****4567"
    assert service.mask_phone("13812345678") == "138****5678"


async def test_service_refuses_reveal_without_pii(world: World) -> None:
    from linli.security.permissions import Grant, Principal

    chen = await _add_resident(world)
    inspector = Principal(
        uuid.uuid4(), "insp", "Insp", grants=(Grant("inspector", uuid.uuid4(), "/"),)
    )
    async with session_scope() as session:
        with pytest.raises(Forbidden):
            await service.view_residents(session, [chen], principal=inspector, reveal=True)
        (view,) = await service.view_residents(session, [chen], principal=inspector)
        assert view.name == "Chen **"
