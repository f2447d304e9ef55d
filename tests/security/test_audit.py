from __future__ import annotations

import asyncio
import contextlib
import os
import sys

import httpx
import pytest
from sqlalchemy import select, text

from factories import Tree, bearer, make_district, make_staff
from linli.core import clock as clock_mod
from linli.core.database import close_connections, get_engine, session_scope
from linli.security import audit
from linli.security.models import AuditEntry
from list_pages import assert_bad_paging_refused, total, walk

OPEN_AT_ONCE = 8  # within the api class's pool


async def _append(count: int, *, org_path: str | None = None, actor: str = "staff:test") -> None:
    async with session_scope() as session:
        for n in range(count):
            await audit.record(
                session,
                actor=actor,
                action="case.read",
                target_type="case",
                target_id=f"case-{n}",
                org_path=org_path,
                detail={"n": n, "note": "查看 details"},
            )


async def _verify_cli(database_url: str) -> tuple[int, str]:
    """Run `linli audit verify` in its own process against the test database."""
    # Leave the database to the other process alone, as an operator's shell would find it.
    await close_connections()
    env = {**os.environ, "LINLI_DATABASE_URL": database_url, "COLUMNS": "200"}
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        "from linli.cli import app; app()",
        "audit",
        "verify",
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await proc.communicate()
    assert proc.returncode is not None
    return proc.returncode, out.decode()


async def _execute(sql: str) -> None:
    async with get_engine().begin() as conn:
        result = await conn.execute(text(sql))
    assert result.rowcount == 1, f"{sql} changed {result.rowcount} rows"


async def test_verify_command_passes_an_intact_chain(db: str, clock: clock_mod.ManualClock) -> None:
    await _append(5)
    code, out = await _verify_cli(db)
    assert code == 0, out
    assert "intact" in out and "5 entries" in out


async def test_verify_command_names_an_entry_whose_content_was_changed(
    db: str, clock: clock_mod.ManualClock
) -> None:
    await _append(5)
    await _execute("""UPDATE audit_entry SET detail = '{"n": 99}' WHERE seq = 3""")
    code, out = await _verify_cli(db)
    assert code == 1, out
    assert "broken at entry 3" in out and "does not match its hash" in out


async def test_verify_command_names_a_deleted_entry(db: str, clock: clock_mod.ManualClock) -> None:
    await _append(5)
    await _execute("DELETE FROM audit_entry WHERE seq = 2")
    code, out = await _verify_cli(db)
    assert code == 1, out
    assert "broken at entry 2" in out and "missing" in out


async def test_rewriting_an_entry_and_its_hash_breaks_the_next_link(
    db: str, clock: clock_mod.ManualClock
) -> None:
    await _append(4)
    async with session_scope() as session:
        entry = await session.get(AuditEntry, 2)
        assert entry is not None
        entry.actor = "staff:someone-else"
        entry.hash = audit.entry_hash(
            entry.prev_hash,
            entry.seq,
            entry.at,
            entry.actor,
            entry.action,
            entry.target_type,
            entry.target_id,
            entry.org_path,
            entry.detail,
        )
    async with session_scope() as session:
        report = await audit.verify_chain(session)
    assert not report.ok and report.broken_at == 3 and report.checked == 2


async def test_concurrent_appends_keep_one_unbroken_chain(
    db: str, clock: clock_mod.ManualClock
) -> None:
    await asyncio.gather(*(_append(2) for _ in range(20)))
    async with session_scope() as session:
        report = await audit.verify_chain(session, batch=7)
        seqs = list(await session.scalars(select(AuditEntry.seq).order_by(AuditEntry.seq)))
    assert report.ok, report
    assert report.checked == 40
    assert seqs == list(range(1, 41))


async def _auditors() -> tuple[Tree, str, str]:
    async with session_scope() as session:
        tree = await make_district(session)
        _, root = await make_staff(session, username="ivy", role="inspector", unit=tree.district)
        _, local = await make_staff(
            session, username="ian", role="inspector", unit=tree.unit("S1-C1")
        )
    return tree, root, local


async def test_audit_api_lists_only_entries_in_scope(
    db: str, clock: clock_mod.ManualClock, client: httpx.AsyncClient
) -> None:
    tree, root, local = await _auditors()
    await _append(3, org_path=tree.unit("S1-C1-G1").path, actor="staff:ian")
    await _append(2, org_path=tree.unit("S2-C1").path)

    mine = await walk(client, "/api/audit?action=case.read", bearer(local), limit=2)
    assert len(mine) == 3 and {e["org_path"] for e in mine} == {tree.unit("S1-C1-G1").path}
    # Who acted, as people know them (an actor with no account keeps only its key).
    assert {(e["actor"], e["actor_name"]) for e in mine} == {("staff:ian", "Ian")}
    everything = await walk(client, "/api/audit?action=case.read", bearer(root), limit=2)
    assert [e["actor_name"] for e in everything].count(None) == 2
    seqs = [e["seq"] for e in everything]
    assert len(seqs) == 5 and seqs == sorted(set(seqs), reverse=True)  # each once, newest first
    assert await total(client, "/api/audit?action=case.read", bearer(root)) == 5

    # Entries tied to no place (accounts, tokens, sign-ins) are for root-level auditors only.
    assert await total(client, "/api/audit?action=token.issue", bearer(root)) == 2
    hidden = (await client.get("/api/audit?action=token.issue", headers=bearer(local))).json()
    assert hidden["items"] == []


async def test_audit_api_pages_and_needs_audit_read(
    db: str, clock: clock_mod.ManualClock, client: httpx.AsyncClient
) -> None:
    tree, root, _ = await _auditors()
    await _append(7, org_path=tree.district.path)
    first = (await client.get("/api/audit?action=case.read&limit=3", headers=bearer(root))).json()
    assert [e["target_id"] for e in first["items"]] == ["case-6", "case-5", "case-4"]
    page = await client.get(
        "/api/audit", params={"action": "case.read", "limit": 3, "cursor": first["next"]},
        headers=bearer(root),
    )  # fmt: skip
    body = page.json()
    assert [e["target_id"] for e in body["items"]] == ["case-3", "case-2", "case-1"]
    assert body["items"][0]["detail"] == {"n": 3, "note": "查看 details"}
    await assert_bad_paging_refused(client, "/api/audit", bearer(root))

    async with session_scope() as session:
        _, operator = await make_staff(session, username="op", role="operator", unit=tree.district)
    denied = await client.get("/api/audit", headers=bearer(operator))
    assert denied.status_code == 403


@pytest.mark.parametrize("limit", [0, 501])
async def test_audit_api_refuses_silly_page_sizes(
    db: str, clock: clock_mod.ManualClock, client: httpx.AsyncClient, limit: int
) -> None:
    _, root, _ = await _auditors()
    response = await client.get(f"/api/audit?limit={limit}", headers=bearer(root))
    assert response.status_code == 422


async def test_entries_of_a_rolled_back_savepoint_or_transaction_are_not_chained(
    db: str, clock: clock_mod.ManualClock
) -> None:
    async with session_scope() as session:
        await audit.record(session, actor="a", action="kept", target_type="t", target_id="1")
        try:
            async with session.begin_nested():
                await audit.record(
                    session, actor="a", action="undone", target_type="t", target_id="2"
                )
                raise RuntimeError("row refused")
        except RuntimeError:
            pass
    with pytest.raises(RuntimeError):
        async with session_scope() as session:
            await audit.record(session, actor="a", action="failed", target_type="t", target_id="3")
            raise RuntimeError("request failed")
    async with session_scope() as session:
        actions = list(await session.scalars(select(AuditEntry.action).order_by(AuditEntry.seq)))
        report = await audit.verify_chain(session)
    assert actions == ["kept"] and report.ok


async def test_audited_writes_do_not_wait_for_each_other_until_commit(
    db: str, clock: clock_mod.ManualClock
) -> None:
    # Open transactions (as many as the pool holds) each write an audited row; none may wait
    # on another's lock.
    if get_engine().dialect.name != "postgresql":
        pytest.skip("SQLite runs one writer at a time by design")
    async with contextlib.AsyncExitStack() as stack:
        for n in range(OPEN_AT_ONCE):
            session = await stack.enter_async_context(session_scope())
            await session.execute(text("SET LOCAL lock_timeout = '2s'"))
            await audit.record(session, actor="a", action="open", target_type="t", target_id=str(n))
            await session.flush()
    async with session_scope() as session:
        assert (await audit.verify_chain(session)).checked == OPEN_AT_ONCE
