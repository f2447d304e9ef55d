"""Data-subject requests: find everything held about a person (by the lookup hashes of their
phone numbers and e-mail addresses, then by links), export it, or erase it; each request is
audited with what was found and erased, never with the data itself."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import RowMapping, text
from sqlalchemy.ext.asyncio import AsyncSession

from linli.core import clock, i18n
from linli.core.errors import Forbidden
from linli.core.ids import new_id
from linli.core.settings import get_settings
from linli.security import audit
from linli.security.crypto import get_cipher
from linli.security.lookup import hash_columns, hash_context, is_personal
from linli.security.permissions import Principal, actor_of
from linli.security.privacy import repository
from linli.security.privacy.catalogue import PersonalTable, registered
from linli.security.privacy.schemas import ErasureRead, SubjectQuery
from linli.security.privacy.scrub import ERASED, needles, scrub

PERMISSION = "privacy:manage"
SCAN_BATCH = 500


@dataclass
class Found:
    """A person's rows, per catalogued table (encrypted columns decrypted)."""

    tables: dict[str, list[RowMapping]] = field(default_factory=dict)

    def counts(self) -> dict[str, int]:
        """Return how many rows each table holds about the person (tables holding none left out)."""
        return {name: len(rows) for name, rows in self.tables.items() if rows}


async def secure_delete(session: AsyncSession) -> None:
    """Have SQLite overwrite what this unit of work deletes or rewrites (no-op elsewhere)."""
    if session.get_bind().dialect.name == "sqlite":
        await session.execute(text("PRAGMA secure_delete=ON"))


def subject_hashes(spec: PersonalTable, subject: SubjectQuery) -> dict[str, set[str]]:
    """Return, per lookup-hash column of the table, the hashes the person's contacts have."""
    tbl = repository.table(spec.table)
    cipher = get_cipher()
    return {
        col: {cipher.contact_hash(v, context=hash_context(tbl, col)) for v in subject.values()}
        for col in hash_columns(tbl)
    }


async def find_subject(session: AsyncSession, subject: SubjectQuery) -> Found:
    """Return every catalogued row about the person: matched by hash, then by links, until
    no table gains a row."""
    specs = [s for s in registered() if not s.scan]
    found = Found({s.table: [] for s in specs})
    for spec in specs:
        hashes = subject_hashes(spec, subject)
        if hashes:
            tbl = repository.table(spec.table)
            found.tables[spec.table] = await repository.rows_where(
                session, tbl, repository.hash_condition(tbl, hashes)
            )
    for _ in range(len(specs)):
        grew = False
        for spec in specs:
            if not spec.links:
                continue
            tbl = repository.table(spec.table)
            pk = repository.primary_key(tbl)
            have = {row[pk] for row in found.tables[spec.table]}
            linked = await repository.rows_where(
                session, tbl, repository.link_condition(tbl, spec.links, found.tables)
            )
            new = [row for row in linked if row[pk] not in have]
            if new:
                found.tables[spec.table] += new
                grew = True
        if not grew:
            break
    return found


def _is_root(path: str) -> bool:
    return path.strip("/").count("/") == 0


def check_scope(principal: Principal | None, found: Found) -> None:
    """Raise Forbidden unless `principal` holds privacy:manage over every place the person's
    data lies (data placed nowhere, such as staff settings, needs it on a top-level unit)."""
    if principal is None:
        return
    paths: set[str] = set()
    placeless = False
    for spec in registered():
        rows = found.tables.get(spec.table, [])
        if spec.org_path is None:
            placeless = placeless or bool(rows)
        else:
            paths |= {row[spec.org_path] for row in rows if row[spec.org_path]}
    if any(not principal.can(PERMISSION, p) for p in paths):
        raise Forbidden(
            "this person's data lies partly outside the units you manage",
            code="privacy_out_of_scope",
        )
    if placeless and not paths and not any(_is_root(p) for p in principal.paths_for(PERMISSION)):
        raise Forbidden(
            "data placed in no unit needs privacy:manage on a top-level unit",
            code="privacy_out_of_scope",
        )


def _plain(value: Any) -> Any:
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


async def _section(
    session: AsyncSession, spec: PersonalTable, rows: list[RowMapping]
) -> list[dict[str, Any]]:
    if spec.present is not None:
        return [_plain(r) for r in await spec.present(session, rows)]
    # Hashes (lookup hashes, password and token hashes) say nothing to the person; bytes neither.
    hidden = {c.name for c in repository.table(spec.table).columns if c.name.endswith("_hash")}
    return [
        {k: _plain(v) for k, v in row.items() if k not in hidden and not isinstance(v, bytes)}
        for row in rows
    ]


def _locale_of(found: Found, requested: str | None) -> str:
    for tag in (requested, *_languages(found)):
        chosen = i18n.normalise(tag)
        if chosen:
            return chosen
    return i18n.normalise(get_settings().default_locale) or "en"


def _languages(found: Found) -> list[str]:
    return [
        str(row[col])
        for rows in found.tables.values()
        for row in rows
        for col in ("language", "locale")
        if row.get(col)
    ]


def subject_ref(subject: SubjectQuery) -> str:
    """Return the keyed hash naming a person in the audit log (never their contact data)."""
    joined = "\x1f".join(sorted({v.strip().casefold() for v in subject.values()}))
    return get_cipher().contact_hash(joined, context="privacy.subject")


async def export_subject(
    session: AsyncSession,
    subject: SubjectQuery,
    *,
    principal: Principal | None = None,
    locale: str | None = None,
) -> dict[str, Any]:
    """Return everything held about the person, section by section, in their language."""
    found = await find_subject(session, subject)
    check_scope(principal, found)
    sections = []
    for spec in registered():
        rows = found.tables.get(spec.table, [])
        if rows and spec.exported:
            shown = await _section(session, spec, rows)
            sections.append({"table": spec.table, "title": spec.title, "rows": shown})
    request_id = new_id()
    await audit.record(
        session,
        actor=actor_of(principal),
        action="privacy.export",
        target_type="data_subject",
        target_id=str(request_id),
        detail={"subject": subject_ref(subject), "found": found.counts()},
    )
    return {
        "request_id": str(request_id),
        "generated_at": clock.now().isoformat(),
        "locale": _locale_of(found, locale),
        "subject": {"phones": subject.phones, "emails": subject.emails},
        "found": found.counts(),
        "sections": sections,
    }


def _contact_values(found: Found, subject: SubjectQuery) -> list[str]:
    values = list(subject.values())
    for name, rows in found.tables.items():
        tbl = repository.table(name)
        personal = [c.name for c in tbl.columns if is_personal(c)]
        values += [row[c] for row in rows for c in personal if isinstance(row[c], str)]
    return [v for v in values if v and v != ERASED]


def _changes(
    spec: PersonalTable, row: RowMapping, pattern: re.Pattern[str] | None
) -> dict[str, Any]:
    changes: dict[str, Any] = {c: None for c in spec.clear if row[c] is not None}
    changes |= {c: ERASED for c in spec.replace if row[c] not in (None, ERASED)}
    for col in spec.scrub:
        cleaned = scrub(row[col], pattern)
        if cleaned != row[col]:
            changes[col] = cleaned
    for hashed, source in hash_columns(repository.table(spec.table)).items():
        if source in changes and row[hashed] is not None:
            changes[hashed] = None
    return changes


async def _scrub_everywhere(
    session: AsyncSession, spec: PersonalTable, pattern: re.Pattern[str] | None
) -> int:
    """Scrub the person's contact data from every row of a log-like table; return how many."""
    if pattern is None:
        return 0
    tbl = repository.table(spec.table)
    changed, after = 0, None
    while rows := await repository.batch_after(session, tbl, spec.scrub, after, limit=SCAN_BATCH):
        for row in rows:
            stored: tuple[Any, ...] = tuple(row[1:])
            values = {
                col: cleaned
                for col, old in zip(spec.scrub, stored, strict=True)
                if (cleaned := scrub(old, pattern)) != old
            }
            if values:
                await repository.update_row(session, tbl, row[0], values)
                changed += 1
        after = rows[-1][0]
    return changed


async def erase_subject(
    session: AsyncSession, subject: SubjectQuery, *, principal: Principal | None = None
) -> ErasureRead:
    """Clear or replace the person's personal fields, scrub their contact data from the free
    text kept for the cases, and leave every figure (counts, times, categories) as it was."""
    await secure_delete(session)
    found = await find_subject(session, subject)
    check_scope(principal, found)
    pattern = needles(_contact_values(found, subject))
    erased: dict[str, int] = {}
    for spec in registered():
        if spec.scan:
            count = await _scrub_everywhere(session, spec, pattern)
        else:
            tbl = repository.table(spec.table)
            pk = repository.primary_key(tbl)
            count = 0
            for row in found.tables.get(spec.table, []):
                changes = _changes(spec, row, pattern)
                if changes:
                    await repository.update_row(session, tbl, row[pk], changes)
                    count += 1
        if count:
            erased[spec.table] = count
    request_id = new_id()
    await audit.record(
        session,
        actor=actor_of(principal),
        action="privacy.erase",
        target_type="data_subject",
        target_id=str(request_id),
        detail={"subject": subject_ref(subject), "found": found.counts(), "erased": erased},
    )
    return ErasureRead(request_id=request_id, found=found.counts(), erased=erased)
