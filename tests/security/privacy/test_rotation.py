"""`linli keys rotate`: every personal field moves to the new field key in committed batches; a
run stopped half-way resumes where it stopped; reads (and lookups) work throughout; nothing is
left under the old key, and nothing is lost."""

from __future__ import annotations

import base64
import os
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import LargeBinary, select, type_coerce, update

from factories import run_linli
from linli.core.database import session_scope
from linli.core.settings import DEV_FIELD_KEY, get_settings
from linli.registry import service as registry
from linli.registry.models import Resident
from linli.registry.schemas import ResidentCreate
from linli.security.crypto import KEY_ID_BYTES, FieldCipher, get_cipher
from linli.security.models import AuditEntry
from linli.security.privacy import repository, rotation, service
from linli.security.privacy.models import KeyRotation
from linli.security.privacy.schemas import SubjectQuery

from .conftest import PHONE, Person

NEW_KEY = base64.b64encode(os.urandom(32)).decode()


class Stop(Exception):
    """Stands for the process being killed."""


def _use_keys(monkeypatch: pytest.MonkeyPatch, current: str, retired: str | None) -> None:
    monkeypatch.setenv("LINLI_FIELD_KEY", current)
    if retired is None:
        monkeypatch.delenv("LINLI_FIELD_KEYS_RETIRED", raising=False)
    else:
        monkeypatch.setenv("LINLI_FIELD_KEYS_RETIRED", retired)
    monkeypatch.setenv("LINLI_LOOKUP_KEY", DEV_FIELD_KEY)  # the key the hashes were made with
    get_settings.cache_clear()
    get_cipher.cache_clear()


@pytest.fixture
def keys(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    yield monkeypatch
    monkeypatch.undo()
    get_settings.cache_clear()
    get_cipher.cache_clear()


async def _plaintexts() -> dict[tuple[str, str], list[Any]]:
    """Return every encrypted column's values (decrypted), by table and column, in key order."""
    values = {}
    async with session_scope() as session:
        for tbl, columns in rotation.encrypted_tables():
            rows = await repository.rows_where(session, tbl, tbl.c[columns[0]].is_(None) | True)
            for column in columns:
                values[(tbl.name, column)] = [row[column] for row in rows]
    return values


async def _make_one_value_legacy(person: Person) -> None:
    """Store one phone as a value from before key ids: version 1, nonce, ciphertext."""
    raw = type_coerce(Resident.phone, LargeBinary)
    async with session_scope() as session:
        blob = await session.scalar(select(raw).where(Resident.id == person.resident_id))
        assert blob is not None
        legacy = b"\x01" + bytes(blob)[1 + KEY_ID_BYTES :]
        await session.execute(
            update(Resident.__table__)  # type: ignore[arg-type]
            .where(Resident.id == person.resident_id)
            .values(phone=type_coerce(legacy, LargeBinary))
        )


async def _more_residents(count: int) -> None:
    async with session_scope() as session:
        building = await session.scalar(select(Resident.building_id))
        assert building is not None
        for n in range(count):
            data = ResidentCreate(
                building_id=building, name=f"Resident {n}", phone=f"+6580000{n:03}"
            )
            await registry.create_resident(session, data=data)


async def test_a_rotation_stopped_half_way_resumes_and_loses_nothing(
    person: Person, keys: pytest.MonkeyPatch
) -> None:
    await _more_residents(9)
    await _make_one_value_legacy(person)
    before = await _plaintexts()
    total = sum(len(v) for v in before.values())
    _use_keys(keys, NEW_KEY, DEV_FIELD_KEY)
    keys.setattr(rotation, "BATCH", 2)
    async with session_scope() as session:
        left_before = await rotation.under_old_keys(session)
    assert sum(left_before.values()) >= 10

    seen: list[str] = []

    async def reads_then_stop(table: str, _rows: int) -> None:
        seen.append(table)
        # Reads work on a half-rotated database: values and lookups alike.
        assert await _plaintexts() == before
        async with session_scope() as session:
            found = await service.find_subject(session, SubjectQuery(phones=[PHONE]))
        assert found.counts()["resident"] == 1 and found.counts()["case_reporter"] == 1
        if len(seen) == 6:  # the application writes a row the rotation has not reached yet
            async with session_scope() as session:
                last = await session.scalar(select(Resident).order_by(Resident.id.desc()))
                assert last is not None
                last.name = "Renamed During Rotation"
            before[("resident", "name")][-1] = "Renamed During Rotation"
        if len(seen) == 7:  # the five one-row tables, then two batches of residents
            raise Stop

    with pytest.raises(Stop):
        await rotation.rotate_keys(on_batch=reads_then_stop)
    async with session_scope() as session:
        progress = list(await session.scalars(select(KeyRotation)))
        half = await rotation.under_old_keys(session)
    assert seen[-1] == "resident"
    assert {p.table_name: p.done for p in progress}["resident"] is False
    assert 0 < sum(half.values()) < sum(left_before.values())

    report = await rotation.rotate_keys()
    assert await _plaintexts() == before
    async with session_scope() as session:
        assert await rotation.under_old_keys(session) == {}
        states = list(await session.scalars(select(KeyRotation)))
        actions = list(await session.scalars(select(AuditEntry.action)))
    assert all(s.done for s in states)
    # The resumed run went on from where the first stopped: each row was rewritten once (the
    # renamed one did not need it; its phone still did).
    assert sum(report.rewritten.values()) == sum(left_before.values())
    assert actions.count("keys.rotation_started") == 2 and actions.count("keys.rotated") == 1
    # The old key can go: everything reads under the new key alone.
    _use_keys(keys, NEW_KEY, None)
    assert await _plaintexts() == before
    assert sum(len(v) for v in before.values()) == total


async def test_keys_rotate_and_check_from_the_command_line(
    person: Person, db: str, keys: pytest.MonkeyPatch
) -> None:
    before = await _plaintexts()
    _use_keys(keys, NEW_KEY, DEV_FIELD_KEY)
    code, output = await run_linli(db, "keys", "check")
    assert code == 1 and "resident: 1" in output
    code, output = await run_linli(db, "keys", "rotate")
    assert code == 0, output
    new_id = FieldCipher(base64.b64decode(NEW_KEY)).key_id.hex()
    assert f"every field is under key {new_id}" in output
    code, output = await run_linli(db, "keys", "check")
    assert code == 0 and "every field is under the current key" in output
    _use_keys(keys, NEW_KEY, None)
    assert await _plaintexts() == before
