"""Migration 0017 fills the new lookup-hash columns from the values already stored, so people who
reported before it are found by their phone or e-mail like everyone after."""

from __future__ import annotations

import sqlite3
import uuid
from contextlib import closing
from pathlib import Path

from linli.core import migrate
from linli.security.crypto import get_cipher


async def test_the_lookup_hashes_are_backfilled(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    url = f"sqlite+aiosqlite:///{path}"
    await migrate.upgrade_async(url, "0017")
    cipher = get_cipher()
    reporter, account = uuid.uuid4(), uuid.uuid4()
    with closing(sqlite3.connect(path)) as conn:  # no foreign-key checks: only these rows matter
        conn.execute(
            "INSERT INTO case_reporter (id, case_id, channel, phone, email, created_at) "
            "VALUES (?, ?, 'resident', ?, ?, '2026-03-02 01:00:00')",
            (
                reporter.hex,
                uuid.uuid4().hex,
                cipher.encrypt("+65 9123 4567", context="case_reporter.phone"),
                cipher.encrypt("Siti@Example.com", context="case_reporter.email"),
            ),
        )
        conn.execute(
            "INSERT INTO notification_preference (account_id, channels, phone) VALUES (?, '{}', ?)",
            (account.hex, cipher.encrypt("+65 8000 0001", context="staff.phone")),
        )
        conn.commit()
    await migrate.upgrade_async(url)
    with closing(sqlite3.connect(path)) as conn:
        phone_hash, email_hash = conn.execute(
            "SELECT phone_hash, email_hash FROM case_reporter"
        ).fetchone()
        staff_phone, staff_email = conn.execute(
            "SELECT phone_hash, email_hash FROM notification_preference"
        ).fetchone()
    assert phone_hash == cipher.contact_hash("+6591234567", context="case_reporter.phone")
    assert email_hash == cipher.contact_hash("siti@example.com", context="case_reporter.email")
    assert staff_phone == cipher.contact_hash("+65 8000-0001", context="staff.phone")
    assert staff_email is None
