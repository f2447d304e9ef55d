"""A new install builds its org tree from the shell: `linli org create`."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
from sqlalchemy import func, select

from factories import bearer, run_linli, square
from linli.core import clock as clock_mod
from linli.core.database import session_scope
from linli.org.models import OrgUnit


async def test_a_new_install_gets_its_tree_and_first_admin_from_the_shell(
    db: str, clock: clock_mod.ManualClock, client: httpx.AsyncClient, tmp_path: Path
) -> None:
    boundary = tmp_path / "d.geojson"
    boundary.write_text(json.dumps(square(113.8, 22.5, 113.9, 22.6)))
    code, out = await run_linli(db, "org", "create", "--kind", "district", "--code", "N",
                                "--name", "New District", "--boundary", str(boundary))  # fmt: skip
    assert code == 0, out
    inner = tmp_path / "s.geojson"
    inner.write_text(json.dumps({"type": "Feature", "geometry": square(113.8, 22.5, 113.85, 22.6)}))
    code, out = await run_linli(db, "org", "create", "--kind", "street", "--code", "N-W",
                                "--name", "West", "--parent", "N",
                                "--boundary", str(inner))  # fmt: skip
    assert code == 0, out
    code, out = await run_linli(db, "staff", "create", "--username", "boss", "--role", "admin",
                                "--unit", "N", "--password", "a long enough password")  # fmt: skip
    assert code == 0, out
    code, out = await run_linli(db, "staff", "token", "--username", "boss", "--name", "setup")
    token = out.strip().splitlines()[-1]

    located = await client.get("/api/org/locate?lon=113.82&lat=22.55", headers=bearer(token))
    assert located.status_code == 200 and located.json()["code"] == "N-W"


async def test_a_unit_under_an_unknown_parent_is_refused_and_nothing_is_made(
    db: str, client: httpx.AsyncClient
) -> None:
    code, out = await run_linli(db, "org", "create", "--kind", "street", "--code", "X",
                                "--name", "X", "--parent", "NOPE")  # fmt: skip
    assert code == 1 and "no org unit with code 'NOPE'" in out
    code, out = await run_linli(db, "org", "create", "--kind", "planet", "--code", "P",
                                "--name", "P")  # fmt: skip
    assert code == 1 and "unknown unit kind" in out
    async with session_scope() as session:
        assert await session.scalar(select(func.count()).select_from(OrgUnit)) == 0
