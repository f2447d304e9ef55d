"""`linli demo load` and `linli demo logins`, run as the demo runs them."""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from factories import run_linli
from linli.core.database import session_scope
from linli.security.models import StaffAccount


async def test_demo_loads_both_sites_once_and_prints_logins(
    db: str, client: httpx.AsyncClient, tmp_path: Path
) -> None:
    devices_file = tmp_path / "devices.json"
    args = ("demo", "load", "--scale", "0.02", "--devices-file", str(devices_file),
            "--data-dir", str(tmp_path / "absent"), "--no-history",
            "--no-triage-model")  # fmt: skip
    code, out = await run_linli(db, *args)
    assert code == 0, out
    assert "Bao'an District (grid)" in out and "Sengkang (town)" in out
    assert "history" not in out, "the month of history is played only when asked"
    assert "triage model" not in out, "the model is fitted ahead only when asked"
    assert "not found: Sengkang is built from the compact subset" in out
    devices = json.loads(devices_file.read_text())
    assert {d["site"] for d in devices} == {"baoan", "sengkang"}
    assert oct(devices_file.stat().st_mode & 0o777) == "0o600"

    device = next(d for d in devices if d["type"] == "AirQualityObserved")
    answer = await client.post(
        "/api/ingest",
        json={"readings": [{"metric": "pm25", "value": 20.0}]},
        headers={"X-Device-Id": device["code"], "Authorization": f"Device {device['token']}"},
    )
    assert answer.status_code == 200, "the written token authenticates its device"

    code, out = await run_linli(db, *args)
    assert code == 0 and "already loaded" in out

    code, out = await run_linli(db, "demo", "logins")
    assert code == 0, out
    for username in ("baoan.operator", "baoan.worker", "baoan.dept", "baoan.inspector",
                     "sengkang.operator", "sengkang.dept"):  # fmt: skip
        assert username in out
    assert "password for all: linli-demo" in out

    # Staff go by people's names in the site's language (the pages show them, never the
    # username): Chinese in Bao'an, Singaporean in Sengkang; the logins list them too.
    async with session_scope() as session:
        names = dict(
            (await session.execute(select(StaffAccount.username, StaffAccount.display_name))).all()
        )
    baoan = {u: n for u, n in names.items() if u.startswith("baoan.")}
    sengkang = {u: n for u, n in names.items() if u.startswith("sengkang.")}
    assert len(baoan) >= 6 and len(sengkang) >= 5
    assert all(re.fullmatch(r"[\u4e00-\u9fff]{2,3}", n) for n in baoan.values()), baoan
    assert all(re.fullmatch(r"[A-Z][A-Za-z' /-]+", n) for n in sengkang.values()), sengkang
    assert len(set(baoan.values())) == len(baoan), "no two colleagues share a name"
    assert re.search(rf"baoan\.operator +│ {baoan['baoan.operator']} ", out)


async def test_demo_refuses_production(
    db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LINLI_ENV", "production")
    monkeypatch.setenv("LINLI_SECRET_KEY", "x" * 40)
    monkeypatch.setenv("LINLI_FIELD_KEY", base64.b64encode(b"k" * 32).decode())
    monkeypatch.setenv("LINLI_COOKIE_SECURE", "true")
    code, out = await run_linli(db, "demo", "load", "--scale", "0.02")
    assert code == 2 and "refused with LINLI_ENV=production" in out


async def test_the_demo_seeds_without_the_shared_reference_data(
    db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from linli.core import database
    from linli.twin import demo_cli

    monkeypatch.setattr(demo_cli, "DEFAULT_DATA", tmp_path / "no-shared" / "singapore")
    devices_file = tmp_path / "devices.json"
    try:
        # `linli demo load` with no option but --no-history (tests/twin/test_history.py plays it)
        await demo_cli._load(0.02, None, devices_file, False, history=False, triage_model=False)
    finally:
        database.init_engine(db)  # the loader let go of the test's database
    out = capsys.readouterr().out
    assert "not found: Sengkang is built from the compact subset" in out
    assert "Sengkang (town)" in out and "shipped subset linli/twin/data/sengkang.csv" in out
    devices = json.loads(devices_file.read_text())
    assert any(d["site"] == "sengkang" for d in devices)
