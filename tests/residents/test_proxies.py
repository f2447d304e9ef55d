"""Acting for a senior: only on the senior's recorded consent (given by the senior, or to staff in
person), chosen by the session, on the record as such, and stopped at once by a revocation."""

from __future__ import annotations

import uuid

import httpx
from fastapi import APIRouter, Depends
from sqlalchemy import select

from linli.core.database import session_scope
from linli.residents.deps import resident
from linli.residents.models import ProxyConsent, ResidentSession
from linli.residents.types import Level, Need, ResidentActor
from linli.security import audit
from linli.security.deps import DbSession
from linli.security.models import AuditEntry
from linli.web.app import create_app

from .helpers import act_as, make_account
from .world import ResidentWorld


def _app() -> object:
    """The app with a resident action that writes who acted to the audit log."""
    app = create_app()
    probe = APIRouter()

    @probe.post("/api/my/probe/report")
    async def report(
        session: DbSession,
        actor: ResidentActor = Depends(resident(Need(Level.SIGNED_IN))),
    ) -> dict[str, str]:
        await audit.record(
            session, actor=actor.actor, action="probe.report", target_type="probe", target_id="1"
        )
        return {"actor": actor.actor}

    app.include_router(probe)
    return app


async def _client() -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=_app())  # type: ignore[arg-type]
    return httpx.AsyncClient(transport=transport, base_url="http://linli.test")


async def _probes() -> list[str]:
    async with session_scope() as session:
        return list(
            await session.scalars(
                select(AuditEntry.actor).where(AuditEntry.action == "probe.report")
            )
        )


async def test_a_senior_gives_consent_and_the_proxy_acts_for_them_on_the_record(
    world: ResidentWorld,
) -> None:
    senior = await make_account(
        level=Level.REGISTRY, building=world.buildings["A"], name="Ah Ma", email="ahma@example.org"
    )
    son = await make_account(level=Level.PHONE, email="son@example.org", name="Kumar")
    async with await _client() as senior_client, await _client() as son_client:
        await act_as(senior_client, senior)
        await act_as(son_client, son)

        refused = await son_client.put("/api/my/acting-for", json={"senior_id": str(senior.id)})
        assert refused.status_code == 403 and refused.json()["code"] == "no_consent"
        assert "consent" in refused.json()["detail"]

        given = await senior_client.post(
            "/api/my/consents", json={"proxy_contact": "SON@example.org"}
        )
        assert given.status_code == 201, given.text
        assert (
            given.json()["proxy_name"] == "Kumar"
            and given.json()["recorded_by"] == f"resident:{senior.id}"
        )
        listed = await son_client.get("/api/my/consents")
        assert [c["senior_name"] for c in listed.json()] == ["Ah Ma"]

        switched = await son_client.put("/api/my/acting-for", json={"senior_id": str(senior.id)})
        assert switched.status_code == 200 and switched.json()["acting_for"] == str(senior.id)
        done = await son_client.post("/api/my/probe/report")
        assert done.json() == {"actor": f"resident:{son.id} for resident:{senior.id}"}

        # The senior revokes: the son's very next action is refused, and nothing is stored.
        consent_id = given.json()["id"]
        revoked = await senior_client.delete(f"/api/my/consents/{consent_id}")
        assert revoked.status_code == 204
        after = await son_client.post("/api/my/probe/report")
        assert after.status_code == 403 and after.json()["code"] == "no_consent"
        assert await _probes() == [f"resident:{son.id} for resident:{senior.id}"]
        # Their own pages still open, and switching back lets them act as themselves.
        assert (await son_client.get("/api/my/account")).status_code == 200
        back = await son_client.put("/api/my/acting-for", json={"senior_id": None})
        assert back.status_code == 200 and back.json()["acting_for"] is None
        mine = await son_client.post("/api/my/probe/report")
        assert mine.json() == {"actor": f"resident:{son.id}"}


async def test_a_proxy_cannot_manage_the_seniors_account(world: ResidentWorld) -> None:
    senior = await make_account(level=Level.REGISTRY, building=world.buildings["A"])
    son = await make_account(level=Level.PHONE, email="son2@example.org")
    async with session_scope() as session:
        session.add(ProxyConsent(senior_id=senior.id, proxy_id=son.id, recorded_by="test"))
    async with await _client() as son_client:
        await act_as(son_client, son)
        await son_client.put("/api/my/acting-for", json={"senior_id": str(senior.id)})
        # Account routes are the son's own, whoever he acts for.
        me = await son_client.get("/api/my/account")
        assert me.json()["id"] == str(son.id)
        other = await make_account(level=Level.PHONE, email="friend@example.org")
        await son_client.post("/api/my/consents", json={"proxy_contact": "friend@example.org"})
        async with session_scope() as session:
            given = list(await session.scalars(select(ProxyConsent.senior_id)))
        assert senior.id in given and son.id in given and other.id not in given


async def test_staff_record_and_revoke_consent_in_person_within_their_subtree(
    client: httpx.AsyncClient, world: ResidentWorld
) -> None:
    senior = await make_account(level=Level.IN_PERSON, building=world.buildings["A"])
    helper = await make_account(level=Level.PHONE)
    url = f"/api/resident-accounts/{senior.id}/consents"
    outside = await client.post(url, json={"proxy_id": str(helper.id)}, headers=world.auth("gw_b"))
    assert outside.status_code == 404
    recorded = await client.post(url, json={"proxy_id": str(helper.id)}, headers=world.auth("gw_a"))
    assert recorded.status_code == 201 and recorded.json()["recorded_by"] == "staff:gw_a"
    consent_id = recorded.json()["id"]
    async with await _client() as helper_client:
        await act_as(helper_client, helper)
        assert (
            await helper_client.put("/api/my/acting-for", json={"senior_id": str(senior.id)})
        ).status_code == 200
        gone = await client.delete(f"{url}/{consent_id}", headers=world.auth("gw_a"))
        assert gone.status_code == 204
        assert (await helper_client.post("/api/my/probe/report")).json()["code"] == "no_consent"
    async with session_scope() as session:
        consent = await session.get(ProxyConsent, uuid.UUID(consent_id))
        sessions = list(await session.scalars(select(ResidentSession)))
    assert consent is not None and consent.revoked_by == "staff:gw_a"
    assert [s.acting_for_id for s in sessions] == [senior.id]  # kept, so nothing runs as self
