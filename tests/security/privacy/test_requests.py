"""Data-subject requests: a person's export finds them in every table that holds their data;
erasure leaves the unit's figures as they were and no trace of their contacts in the database."""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select, text
from sqlalchemy.engine import make_url

from factories import run_linli
from linli.cases.evaluation import figures
from linli.cases.intake.models import CaseReporter
from linli.core.database import Base, get_engine, session_scope
from linli.registry.models import Resident
from linli.security.audit import verify_chain
from linli.security.models import AuditEntry
from linli.security.privacy import service
from linli.security.privacy.schemas import SubjectQuery

from .conftest import EMAIL, NAME, PHONE, PLAINTEXTS, STAFF_EMAIL, STAFF_PHONE, Person

START = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)

RESIDENT_TABLES = {
    "resident",
    "resident_reach",
    "incident_notice_message",
    "case_reporter",
    "case_record",
    "case_public_report",
    "case_event",
    "case_rating",
}
STAFF_TABLES = {"staff_account", "notification_preference", "notification_delivery"}


def _subject(**kwargs: Any) -> SubjectQuery:
    return SubjectQuery(**kwargs)


async def _figures(person: Person) -> dict[str, Any]:
    period = figures.Period(START - timedelta(days=1), START + timedelta(days=2))
    units = [person.world["D"], person.world["C11"], person.world["C11-G1"]]
    async with session_scope() as session:
        found = await figures.figures(session, units, period)
    return {u.code: found[u.id] for u in units}


async def _plaintext_left(database_url: str) -> list[str]:
    """Return the contact spellings still readable anywhere in the database."""
    engine = get_engine()
    if engine.dialect.name == "sqlite":
        await engine.dispose()  # a checkpoint runs outside every transaction
        path = Path(make_url(database_url).database or "")
        with closing(sqlite3.connect(path)) as conn:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        stored = b"".join(p.read_bytes() for p in (path, Path(f"{path}-wal")) if p.exists())
        return [p for p in PLAINTEXTS if p.casefold().encode() in stored.lower()]
    # PostgreSQL: every text and bytea value of every table, as stored.
    found: list[str] = []
    async with engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            for row in await conn.execute(text(f"SELECT * FROM {table.name}")):
                blob = " ".join(
                    v.decode("utf-8", "replace") if isinstance(v, bytes) else json.dumps(v)
                    if isinstance(v, dict | list) else str(v)
                    for v in row
                ).casefold()  # fmt: skip
                found += [f"{table.name}: {p}" for p in PLAINTEXTS if p.casefold() in blob]
    return found


async def test_the_export_finds_the_resident_in_every_table_holding_their_data(
    person: Person,
) -> None:
    async with session_scope() as session:
        export = await service.export_subject(session, _subject(phones=[PHONE]))
    assert set(export["found"]) == RESIDENT_TABLES
    assert export["locale"] == "ms"  # the language they asked to be reached in
    sections = {s["table"]: s["rows"] for s in export["sections"]}
    assert sections["resident"][0]["name"] == NAME
    assert "phone_hash" not in sections["resident"][0]
    assert sections["case_reporter"][0]["email"] == EMAIL
    (report,) = sections["case_record"]  # as they follow it: their words, public notes
    assert report["status"] == "closed" and "9123-4567" in report["report"]
    assert [n["note"] for n in report["notes"]] == ["Spoke to the neighbour"]
    # The e-mail address alone finds the report, in any case of letters.
    async with session_scope() as session:
        by_email = await service.find_subject(session, _subject(emails=[EMAIL.upper()]))
    assert {"case_reporter", "case_record"} <= set(by_email.counts())
    # A staff member is found through their notification settings.
    async with session_scope() as session:
        staff = await service.export_subject(
            session, _subject(phones=[STAFF_PHONE], emails=[STAFF_EMAIL])
        )
    assert set(staff["found"]) == STAFF_TABLES
    (account,) = {s["table"]: s["rows"] for s in staff["sections"]}["staff_account"]
    assert account["username"] == "ops" and "password_hash" not in account


async def test_erasure_keeps_the_figures_and_leaves_no_trace_of_the_contacts(
    person: Person, db: str
) -> None:
    before = await _figures(person)
    assert before["D"].cases_closed == 1 and before["D"].ratings == 1
    assert await _plaintext_left(db)  # the check sees them while they are there
    async with session_scope() as session:
        result = await service.erase_subject(session, _subject(phones=[PHONE], emails=[EMAIL]))
    assert set(result.found) == RESIDENT_TABLES
    assert {"resident", "case_reporter", "case_record", "case_rating"} <= set(result.erased)
    assert await _figures(person) == before
    assert await _plaintext_left(db) == []
    async with session_scope() as session:
        resident = await session.get(Resident, person.resident_id)
        reporter = await session.scalar(select(CaseReporter))
        assert resident is not None and resident.name == "[erased]" and resident.phone is None
        assert resident.phone_hash is None
        assert reporter is not None and (reporter.name, reporter.phone, reporter.email) == (
            None, None, None
        )  # fmt: skip
        entry = await session.scalar(select(AuditEntry).where(AuditEntry.action == "privacy.erase"))
        assert entry is not None and entry.actor == "system"
        assert entry.detail["erased"]["resident"] == 1
        assert PHONE not in json.dumps(entry.detail) and "9123" not in json.dumps(entry.detail)
        assert (await verify_chain(session)).ok
    # Nothing is left to find; the case itself, its status and times remain.
    async with session_scope() as session:
        again = await service.find_subject(session, _subject(phones=[PHONE], emails=[EMAIL]))
    assert again.counts() == {}


async def test_the_api_needs_privacy_manage_over_where_the_data_lies(
    person: Person, client: httpx.AsyncClient
) -> None:
    body = {"phones": [PHONE]}
    refused = await client.post("/api/privacy/export", json=body, headers=person.ops.headers)
    assert refused.status_code == 403 and refused.json()["code"] == "forbidden"
    street = await person.world.staff("street-admin", "admin", "S2")
    outside = await client.post("/api/privacy/export", json=body, headers=street.headers)
    assert outside.status_code == 403 and outside.json()["code"] == "privacy_out_of_scope"
    html = await client.post(
        "/api/privacy/export", params={"format": "html"}, json=body, headers=person.admin.headers
    )
    assert html.status_code == 200 and html.headers["content-type"].startswith("text/html")
    assert '<html lang="ms">' in html.text and NAME in html.text
    unconfirmed = await client.post("/api/privacy/erase", json=body, headers=person.admin.headers)
    assert unconfirmed.status_code == 422
    assert unconfirmed.json()["code"] == "confirmation_required"
    empty = await client.post("/api/privacy/export", json={}, headers=person.admin.headers)
    assert empty.status_code == 422
    erased = await client.post(
        "/api/privacy/erase", json={**body, "confirm": True}, headers=person.admin.headers
    )
    assert erased.status_code == 200, erased.text
    assert erased.json()["erased"]["case_reporter"] == 1
    async with session_scope() as session:
        actions = list(await session.scalars(select(AuditEntry.actor).where(
            AuditEntry.action.in_(["privacy.export", "privacy.erase"])
        )))  # fmt: skip
    assert actions == ["staff:dpo", "staff:dpo"]  # the refused requests left no export


async def test_the_cli_exports_a_document_and_erases_only_when_confirmed(
    person: Person, db: str, tmp_path: Path
) -> None:
    out = tmp_path / "siti.html"
    code, output = await run_linli(db, "privacy", "export", "--phone", PHONE, "--out", str(out))
    assert code == 0, output
    document = out.read_text(encoding="utf-8")
    assert '<html lang="ms">' in document and NAME in document and "Data peribadi" in document
    code, output = await run_linli(db, "privacy", "erase", "--phone", PHONE)
    assert code == 1 and "--yes" in output
    code, output = await run_linli(db, "privacy", "erase", "--phone", PHONE, "--yes")
    assert code == 0, output
    assert "case_reporter: 1" in output
    code, output = await run_linli(db, "privacy", "export", "--phone", PHONE, "--out",
                                   str(tmp_path / "after.json"))  # fmt: skip
    assert code == 0, output
    assert json.loads((tmp_path / "after.json").read_text())["found"] == {}
