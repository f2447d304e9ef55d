"""A resident's account: the route rule, home and verification levels, staff verification in
person (scoped, audited), preferences, and messages in the resident's language."""

from __future__ import annotations

import httpx
from fastapi import APIRouter, Depends
from sqlalchemy import select

from linli.core.database import session_scope
from linli.residents import service
from linli.residents.deps import CurrentResident, resident
from linli.residents.models import ResidentAccount, ResidentMessage
from linli.residents.types import Level, Need, ResidentActor
from linli.security.models import AuditEntry
from linli.web.app import create_app

from .conftest import Outbox
from .helpers import make_account, sign_in_resident, sign_out_resident
from .world import ResidentWorld


def _app_with_probe() -> tuple[object, APIRouter]:
    app = create_app()
    probe = APIRouter()

    @probe.get("/api/my/probe")
    async def who(actor: CurrentResident) -> dict[str, str]:
        return {"actor": actor.actor, "level": actor.level.name}

    @probe.post("/api/my/probe/vote")
    async def vote(
        actor: ResidentActor = Depends(resident(Need(Level.REGISTRY))),
    ) -> dict[str, str]:
        return {"voted": actor.actor}

    @probe.get("/my/probe")
    async def page(actor: ResidentActor = Depends(resident(page=True))) -> dict[str, str]:
        return {"actor": actor.actor}

    app.include_router(probe)
    return app, probe


async def test_the_resident_rule_gives_the_actor_and_checks_level_and_csrf(
    world: ResidentWorld,
) -> None:
    app, _ = _app_with_probe()
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://linli.test") as client:
        anonymous = await client.get("/api/my/probe")
        assert anonymous.status_code == 401 and anonymous.json()["code"] == "unauthenticated"
        page = await client.get("/my/probe?x=1")
        assert page.status_code == 303
        assert page.headers["location"] == "/my/sign-in?next=/my/probe%3Fx%3D1"
        staff = await client.get("/api/my/probe", headers=world.auth("admin"))
        assert staff.status_code == 403

        actor = await sign_in_resident(client, level=Level.PHONE, building=world.buildings["A"])
        mine = await client.get("/api/my/probe")
        assert mine.json() == {"actor": f"resident:{actor.account_id}", "level": "PHONE"}
        refused = await client.post("/api/my/probe/vote")
        assert refused.status_code == 403 and refused.json()["code"] == "verification_needed"
        csrf = client.headers.pop("X-CSRF-Token")
        sign_out_resident(client)
        verified = await sign_in_resident(client, level=Level.REGISTRY)
        assert csrf != client.headers["X-CSRF-Token"]
        forged = await client.post("/api/my/probe/vote", headers={"X-CSRF-Token": csrf})
        assert forged.status_code == 403 and forged.json()["code"] == "csrf_failed"
        voted = await client.post("/api/my/probe/vote")
        assert voted.json() == {"voted": f"resident:{verified.account_id}"}


async def test_a_resident_never_reaches_staff_routes(
    client: httpx.AsyncClient, world: ResidentWorld
) -> None:
    await sign_in_resident(client, level=Level.IN_PERSON, building=world.buildings["A"])
    for path in ("/api/me", "/api/residents", "/api/resident-accounts", "/api/cases"):
        assert (await client.get(path)).status_code == 401, path
    page = await client.get("/workbench")
    assert page.status_code == 303 and page.headers["location"].startswith("/login")


async def test_registry_match_verifies_the_account_through_hashes(
    client: httpx.AsyncClient, world: ResidentWorld
) -> None:
    actor = await sign_in_resident(client, level=Level.PHONE)
    building = str(world.buildings["A"].id)
    wrong = await client.post(
        "/api/my/verification/registry",
        json={
            "building_id": building,
            "unit": "05-123",
            "name": "Tan Mei Ling",
            "id_suffix": "999Z",
        },
    )
    assert wrong.status_code == 422 and wrong.json()["code"] == "no_match"
    other_unit = await client.post(
        "/api/my/verification/registry",
        json={
            "building_id": building,
            "unit": "05-124",
            "name": "Tan Mei Ling",
            "id_suffix": "123A",
        },
    )
    assert other_unit.json()["code"] == "no_match"
    matched = await client.post(
        "/api/my/verification/registry",
        json={
            "building_id": building,
            "unit": "#05-123",
            "name": "tan mei ling ",
            "id_suffix": "123a",
        },
    )
    assert matched.status_code == 200, matched.text
    body = matched.json()
    assert body["level"] == int(Level.REGISTRY) and body["unit"] == "05-123"
    assert body["org_path"] == world.buildings["A"].org_path
    async with session_scope() as session:
        account = await session.get(ResidentAccount, actor.account_id)
        actions = list(await session.scalars(select(AuditEntry.action)))
    assert account is not None and account.registry_resident_id == world.registered["A"].id
    assert actions.count("resident.match_failed") == 2 and "resident.matched" in actions


async def test_registry_matches_are_limited_per_account(
    client: httpx.AsyncClient, world: ResidentWorld
) -> None:
    await sign_in_resident(client, level=Level.PHONE)
    attempt = {
        "building_id": str(world.buildings["A"].id),
        "unit": "05-123",
        "name": "Tan Mei Ling",
        "id_suffix": "0000",
    }
    codes = []
    for suffix in ("0001", "0002", "0003", "0004", "0005", "123A"):
        answer = await client.post(
            "/api/my/verification/registry", json=attempt | {"id_suffix": suffix}
        )
        codes.append(answer.json().get("code"))
    assert codes == ["no_match"] * 5 + ["sign_in_throttled"]


async def test_staff_verify_in_person_within_their_subtree_and_it_is_audited(
    client: httpx.AsyncClient, world: ResidentWorld
) -> None:
    in_a = await make_account(level=Level.PHONE, building=world.buildings["A"], name="Lim Ah Kow")
    in_b = await make_account(level=Level.PHONE, building=world.buildings["B"])
    url = f"/api/resident-accounts/{in_a.id}/verify"
    done = await client.post(url, json={"note": "saw NRIC"}, headers=world.auth("gw_a"))
    assert done.status_code == 200 and done.json()["level"] == int(Level.IN_PERSON)
    assert done.json()["verified_by"] == "staff:gw_a"
    outside = await client.post(
        f"/api/resident-accounts/{in_b.id}/verify", json={}, headers=world.auth("gw_a")
    )
    assert outside.status_code == 404
    lacking = await client.post(url, json={}, headers=world.auth("dept"))
    assert lacking.status_code == 403

    listed = await client.get("/api/resident-accounts", headers=world.auth("gw_a"))
    assert [a["id"] for a in listed.json()["items"]] == [str(in_a.id)]
    assert listed.json()["items"][0]["display_name"] is None  # names only when revealed
    revealed = await client.get(
        f"/api/resident-accounts/{in_a.id}?reveal=true", headers=world.auth("gw_a")
    )
    assert revealed.json()["display_name"] == "Lim Ah Kow"
    async with session_scope() as session:
        reads = list(
            await session.scalars(
                select(AuditEntry).where(AuditEntry.action == "resident_account.read")
            )
        )
    assert [(r.actor, r.target_id) for r in reads] == [("staff:gw_a", str(in_a.id))]


async def test_a_new_home_ends_a_verification_made_for_the_old_one(
    client: httpx.AsyncClient, world: ResidentWorld
) -> None:
    await sign_in_resident(client, level=Level.REGISTRY, building=world.buildings["A"])
    moved = await client.put(
        "/api/my/home", json={"building_id": str(world.buildings["B"].id), "unit": "01-01"}
    )
    assert moved.status_code == 200
    assert moved.json()["level"] == int(Level.PHONE)
    assert moved.json()["org_path"] == world.buildings["B"].org_path


async def test_preferences_and_a_bad_language_is_refused(
    client: httpx.AsyncClient, world: ResidentWorld
) -> None:
    await sign_in_resident(client)
    changed = await client.patch(
        "/api/my/account", json={"locale": "ta", "large_text": True, "high_contrast": True}
    )
    assert changed.status_code == 200
    body = changed.json()
    assert (body["locale"], body["large_text"], body["high_contrast"]) == ("ta", True, True)
    assert body["level_name"] != "Verified resident"  # read in Tamil
    bad = await client.patch("/api/my/account", json={"locale": "xx"})
    assert bad.status_code == 422 and bad.json()["code"] == "unsupported_language"


async def test_notify_tells_a_resident_in_their_language_on_every_channel(
    client: httpx.AsyncClient, world: ResidentWorld, outbox: Outbox
) -> None:
    account = await make_account(level=Level.PHONE, locale="zh_Hans", email="mei@example.org")
    async with session_scope() as session:
        made = await service.notify(
            session,
            account.id,
            subject="Your Linli sign-in code",
            body="Your code is {code}. It works for {minutes} minutes. "
            "Nobody from Linli will ask you for it.",
            params={"code": "424242", "minutes": 10},
            link="/my/reports",
            dedupe_key="probe",
        )
    assert sorted(m.channel for m in made) == ["email", "inapp", "sms"]
    (sms,) = outbox.messages("sms")
    assert "424242" in sms["body"] and "分钟" in sms["body"] and sms["locale"] == "zh_Hans"
    assert sms["body"].endswith("/my/reports")
    (mail,) = outbox.messages("email")
    assert mail["to"] == "mei@example.org"
    async with session_scope() as session:
        again = await service.notify(session, account.id, subject="x", body="y", dedupe_key="probe")
        statuses = {m.channel: m.status for m in await session.scalars(select(ResidentMessage))}
    assert again == [] and statuses == {"inapp": "sent", "sms": "sent", "email": "sent"}
    await sign_in_resident(client)  # another resident sees none of it
    assert (await client.get("/api/my/messages")).json()["items"] == []
