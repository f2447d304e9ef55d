"""The catalogue of personal data is checked against the schema: a table that holds personal
data (an encrypted column, or one flagged personal) fails until the export and erasure cover it."""

from __future__ import annotations

from sqlalchemy import Column, Integer, MetaData, String, Table

from linli.core.database import Base
from linli.runtime.extensions import load_extensions
from linli.security.crypto import EncryptedText
from linli.security.lookup import lookup_hash_of
from linli.security.privacy.catalogue import PersonalTable, registered, uncovered


def test_every_table_holding_personal_data_is_catalogued() -> None:
    load_extensions()
    assert uncovered(Base.metadata) == []
    names = {spec.table for spec in registered()}
    assert {"resident", "case_reporter", "notification_preference"} <= names


def test_a_new_table_with_personal_data_fails_the_check_until_it_is_covered() -> None:
    metadata = MetaData()
    Table(
        "volunteer",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("name", EncryptedText("volunteer.name")),
        Column("phone", EncryptedText("volunteer.phone")),
        Column("phone_hash", String(64), info=lookup_hash_of("phone")),
        Column("skills", String(200), info={"personal": True}),
    )
    assert uncovered(metadata, []) == ["volunteer: holds name, phone, skills but is not catalogued"]
    partial = PersonalTable("volunteer", "Volunteers", clear=("phone",))
    assert uncovered(metadata, [partial]) == [
        "volunteer.name: personal but erasure leaves it",
        "volunteer.skills: personal but erasure leaves it",
    ]
    covered = PersonalTable("volunteer", "Volunteers", clear=("phone", "skills"), replace=("name",))
    assert uncovered(metadata, [covered]) == []


def test_a_table_nobody_can_be_found_in_fails_the_check() -> None:
    metadata = MetaData()
    Table(
        "carer_note",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("text", EncryptedText("carer_note.text")),
    )
    spec = PersonalTable("carer_note", "Care notes", clear=("text",))
    assert uncovered(metadata, [spec]) == [
        "carer_note: no lookup-hash column and no link finds a person's rows"
    ]
