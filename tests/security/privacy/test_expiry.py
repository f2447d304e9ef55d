"""Reporters' contacts are erased LINLI_REPORTER_CONTACT_DAYS after their case closed, by the
periodic task, a batch per transaction; open cases and recently closed ones keep theirs."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select

from linli.cases.intake.models import CaseReporter
from linli.cases.intake.tasks import expire_reporter_contacts
from linli.cases.models import Case
from linli.core import clock as clock_mod
from linli.core.database import session_scope
from linli.core.settings import get_settings
from linli.runtime.extensions import periodic_tasks
from linli.security.models import AuditEntry
from linli.security.privacy import service
from linli.security.privacy.schemas import SubjectQuery

from .conftest import PHONE, Person


async def _contacts() -> dict[str, tuple[str | None, str | None, str | None]]:
    async with session_scope() as session:
        rows = await session.execute(
            select(Case.ref, CaseReporter.name, CaseReporter.phone, CaseReporter.email).join(
                Case, Case.id == CaseReporter.case_id
            )
        )
        return {ref: (name, phone, email) for ref, name, phone, email in rows}


async def test_contacts_expire_a_configured_time_after_the_case_closed(
    person: Person,
    client: httpx.AsyncClient,
    clock: clock_mod.ManualClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert "cases.expire_reporter_contacts" in {t.name for t in periodic_tasks()}
    monkeypatch.setenv("LINLI_REPORTER_CONTACT_DAYS", "30")
    get_settings.cache_clear()
    try:
        lon, lat = person.world.at("C11-G1")
        for n in range(3):  # still open: kept whatever their age
            resp = await client.post(
                "/api/public/reports",
                data={"text": f"Broken lamp {n}", "category_code": "public.order.noise",
                      "lon": str(lon), "lat": str(lat), "reporter_phone": f"+65 8111 000{n}"},
            )  # fmt: skip
            assert resp.status_code == 201
        closed_at = clock.now()
        clock.set(closed_at + timedelta(days=29))
        assert await expire_reporter_contacts(batch=2) == 0
        assert sum(v != (None, None, None) for v in (await _contacts()).values()) == 4
        clock.set(closed_at + timedelta(days=30, minutes=1))
        assert await expire_reporter_contacts(batch=2) == 1
    finally:
        get_settings.cache_clear()
    contacts = await _contacts()
    assert sorted(v == (None, None, None) for v in contacts.values()) == [False] * 3 + [True]
    async with session_scope() as session:
        found = await service.find_subject(session, SubjectQuery(phones=[PHONE]))
        entry = await session.scalar(
            select(AuditEntry).where(AuditEntry.action == "privacy.reporter_contacts_expired")
        )
    assert "case_reporter" not in found.counts()  # the lookup hashes went with the contact
    assert entry is not None and entry.detail["count"] == 1


async def test_the_task_works_in_batches_each_its_own_transaction(
    person: Person, client: httpx.AsyncClient, clock: clock_mod.ManualClock
) -> None:
    admin = person.admin
    lon, lat = person.world.at("C11-G1")
    for n in range(5):
        resp = await client.post(
            "/api/public/reports",
            data={"text": f"Lamp {n}", "category_code": "public.order.noise", "lon": str(lon),
                  "lat": str(lat), "reporter_email": f"r{n}@example.com"},
        )  # fmt: skip
        ref = resp.json()["ref"]
        async with session_scope() as session:
            cid = await session.scalar(select(Case.id).where(Case.ref == ref))
        reject = await client.post(
            f"/api/cases/{cid}/reject",
            json={"reason": "not a problem of ours"},
            headers=admin.headers,
        )
        assert reject.status_code == 200, reject.text
    clock.advance(timedelta(days=181))
    assert await expire_reporter_contacts(batch=2) == 6
    async with session_scope() as session:
        batches = list(
            await session.scalars(
                select(AuditEntry.detail).where(
                    AuditEntry.action == "privacy.reporter_contacts_expired"
                )
            )
        )
    assert [b["count"] for b in batches] == [2, 2, 2]
    assert set((await _contacts()).values()) == {(None, None, None)}
