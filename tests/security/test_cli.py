"""`linli staff …` run as a real process against the test database."""

from __future__ import annotations

import httpx

from factories import bearer, make_district, run_linli
from linli.core import clock as clock_mod
from linli.core.database import session_scope


async def test_first_admin_is_made_from_the_shell(
    db: str, clock: clock_mod.ManualClock, client: httpx.AsyncClient
) -> None:
    async with session_scope() as session:
        await make_district(session)
    code, out = await run_linli(
        db, "staff", "create", "--username", "root", "--role", "admin", "--unit", "T",
        "--display-name", "Root Admin", "--password", "a long enough password",
    )  # fmt: skip
    assert code == 0, out
    code, out = await run_linli(db, "staff", "grant", "--username", "root", "--role", "inspector",
                             "--unit", "T-S1")  # fmt: skip
    assert code == 0, out
    code, out = await run_linli(db, "staff", "token", "--username", "root", "--name", "bootstrap")
    assert code == 0, out
    token = out.strip().splitlines()[-1]
    assert token.startswith("lt_")

    me = await client.get("/api/me", headers=bearer(token))
    assert me.status_code == 200
    assert me.json()["display_name"] == "Root Admin"
    assert sorted(g["role"] for g in me.json()["grants"]) == ["admin", "inspector"]
    login = await client.post(
        "/api/auth/login", json={"username": "root", "password": "a long enough password"}
    )
    assert login.status_code == 200


async def test_shell_errors_are_reported_without_a_traceback(
    db: str, clock: clock_mod.ManualClock
) -> None:
    code, out = await run_linli(
        db, "staff", "create", "--username", "x", "--role", "admin", "--unit", "NOPE",
        "--password", "a long enough password",
    )  # fmt: skip
    assert code == 1
    assert "no org unit with code 'NOPE'" in out and "Traceback" not in out
    code, out = await run_linli(db, "staff", "token", "--username", "ghost")
    assert code == 1 and "no staff account 'ghost'" in out


async def test_the_username_may_be_given_as_an_argument_as_the_docs_write_it(
    db: str, clock: clock_mod.ManualClock, client: httpx.AsyncClient
) -> None:
    async with session_scope() as session:
        await make_district(session)
    code, out = await run_linli(
        db, "staff", "create", "chief", "--role", "admin", "--unit", "T",
        "--password", "a long enough password",
    )  # fmt: skip
    assert code == 0, out
    code, out = await run_linli(db, "staff", "grant", "chief", "--role", "inspector", "--unit", "T")
    assert code == 0, out
    code, out = await run_linli(db, "staff", "token", "chief")  # README: `linli staff token NAME`
    assert code == 0, out
    me = await client.get("/api/me", headers=bearer(out.strip().splitlines()[-1]))
    assert me.status_code == 200 and me.json()["username"] == "chief"
    code, out = await run_linli(db, "staff", "token", "chief", "--username", "other")
    assert code == 2 and "give the username once" in out
    code, out = await run_linli(db, "staff", "token")
    assert code == 2 and "USERNAME" in out
