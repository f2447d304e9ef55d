"""Provisioning: bulk CSV registration, credential rotation and revocation (HTTP and broker)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from httpx import AsyncClient
from iot_world import IN_A, IN_B, World

from factories import run_linli
from linli.core.database import session_scope
from linli.core.settings import Settings
from linli.iot import broker
from linli.iot.models import Device
from linli.iot.repository import device_by_code

HEADER = "code,type,name,lon,lat,building,place,org_unit"


def _csv(*rows: str) -> str:
    return "\n".join((HEADER, *rows)) + "\n"


def _reading(value: float = 12) -> dict[str, list[dict[str, object]]]:
    return {"readings": [{"metric": "laeq", "value": 40 + value}]}


async def _org_code(code: str) -> str:
    async with session_scope() as session:
        device = await device_by_code(session, code)
        assert device is not None
        from linli.org.models import OrgUnit

        unit = await session.get(OrgUnit, device.org_unit_id)
        assert unit is not None
        return unit.code


async def test_csv_import_keeps_good_rows_and_reports_bad_ones(
    world: World, client: AsyncClient
) -> None:
    text = _csv(
        f"NL-1,NoiseLevelObserved,Noise 1,{IN_A[0]},{IN_A[1]},,,",
        f"NL-2,NoiseLevelObserved,Noise 2,{IN_B[0]},{IN_B[1]},,,T-S2-C1",
        "NL-3,Teapot,Noise 3,113.82,22.52,,,",
        f"NL-4,NoiseLevelObserved,,{IN_A[0]},{IN_A[1]},,,",
        f"NL-5,NoiseLevelObserved,Noise 5,{IN_B[0]},{IN_B[1]},,,T-S1-C1",
        f"NL-1,NoiseLevelObserved,Again,{IN_A[0]},{IN_A[1]},,,",
        "NL-6,NoiseLevelObserved,Noise 6,east,22.52,,,",
        "NL-7,NoiseLevelObserved,Noise 7,,,,,",
    )
    response = await client.post(
        "/api/devices/import",
        content=text.encode(),
        headers={"Content-Type": "text/csv", **world.auth("admin")},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert [(c["line"], c["device"]["code"]) for c in body["created"]] == [(2, "NL-1"), (3, "NL-2")]
    assert {e["line"]: e["code"] for e in body["errors"]} == {
        4: "unknown_device_type",
        5: "missing_name",
        6: "outside_org_unit",
        7: "device_code_taken",
        8: "bad_lon",
        9: "location_required",
    }
    assert await _org_code("NL-1") == "T-S1-C1-G1"
    assert (await _org_code("NL-2")).startswith("T-S2-C1-G")  # a grid of community S2-C1
    async with session_scope() as session:
        assert await device_by_code(session, "NL-5") is None  # rolled back with its row

    # The credentials handed back work at once, over HTTP and (derived) over MQTT.
    created = body["created"][0]
    ok = await client.post(
        "/api/ingest", json=_reading(), headers=world.device_auth("NL-1", created["token"])
    )
    assert ok.status_code == 200 and ok.json()["accepted"] == 1
    async with session_scope() as session:
        device = await device_by_code(session, "NL-1")
        assert device is not None
        assert broker.mqtt_password(device) == created["mqtt_password"]


async def test_csv_import_answers_a_credentials_file_and_respects_scope(
    world: World, client: AsyncClient
) -> None:
    text = _csv(
        f"NL-A,NoiseLevelObserved,Noise A,{IN_A[0]},{IN_A[1]},,,",
        f"NL-B,NoiseLevelObserved,Noise B,{IN_B[0]},{IN_B[1]},,,",
    )
    # A grid worker may not register devices at all; an admin's upload is a form file.
    refused = await client.post(
        "/api/devices/import", content=text.encode(), headers=world.auth("gw_a")
    )
    assert refused.status_code == 403
    response = await client.post(
        "/api/devices/import?format=csv",
        files={"file": ("devices.csv", text.encode(), "text/csv")},
        headers=world.auth("admin"),
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [(r["line"], r["code"], r["status"]) for r in rows] == [
        ("2", "NL-A", "created"),
        ("3", "NL-B", "created"),
    ]
    for row in rows:
        ok = await client.post(
            "/api/ingest", json=_reading(), headers=world.device_auth(row["code"], row["token"])
        )
        assert ok.status_code == 200

    bad_header = await client.post(
        "/api/devices/import", content=b"id,kind\n1,2\n", headers=world.auth("admin")
    )
    assert bad_header.status_code == 422
    assert bad_header.json()["code"] == "bad_csv_header"


async def test_cli_import_writes_credentials(world: World, db: str, tmp_path: Path) -> None:
    source = tmp_path / "devices.csv"
    source.write_text(
        _csv(
            f"NL-C,NoiseLevelObserved,Noise C,{IN_A[0]},{IN_A[1]},,,",
            "NL-D,Teapot,Noise D,113.82,22.52,,,",
        )
    )
    out = tmp_path / "creds.csv"
    code, stdout = await run_linli(db, "iot", "import", str(source), "--credentials", str(out))
    assert code == 2, stdout  # some rows refused
    assert "line 3" in stdout and "registered 1" in " ".join(stdout.split())
    assert oct(out.stat().st_mode & 0o777) == "0o600"
    rows = list(csv.DictReader(out.open()))
    assert [(r["code"], r["status"]) for r in rows] == [
        ("NL-C", "created"),
        ("NL-D", "unknown_device_type"),
    ]


@pytest.fixture
def broker_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    out = tmp_path / "broker"
    configured = Settings(mqtt_url="mqtt://linli:svc-pw@127.0.0.1:1", mqtt_broker_dir=out)
    monkeypatch.setattr(broker, "get_settings", lambda: configured)
    return out


def _broker_users(out: Path) -> list[str]:
    return [line.split(":")[0] for line in (out / "passwd").read_text().splitlines()]


async def test_revocation_refuses_ingest_at_once_and_rotation_restores(
    world: World, client: AsyncClient, broker_dir: Path
) -> None:
    device_id = world.devices["AQ-A"].id
    body = {"readings": [{"metric": "pm25", "value": 12}]}
    assert (
        await client.post("/api/ingest", json=body, headers=world.device_auth("AQ-A"))
    ).status_code == 200

    forbidden = await client.post(f"/api/devices/{device_id}/revoke", headers=world.auth("op"))
    assert forbidden.status_code == 403  # operators read devices, only admins write them
    revoked = await client.post(f"/api/devices/{device_id}/revoke", headers=world.auth("admin"))
    assert revoked.status_code == 200, revoked.text
    assert revoked.json()["revoked_at"] is not None

    refused = await client.post("/api/ingest", json=body, headers=world.device_auth("AQ-A"))
    assert refused.status_code == 401
    assert refused.json()["code"] == "device_revoked"
    assert _broker_users(broker_dir) == ["linli", "AQ-B"]
    assert "AQ-A" not in (broker_dir / "acl").read_text()

    rotated = await client.post(f"/api/devices/{device_id}/token", headers=world.auth("admin"))
    assert rotated.status_code == 200
    fresh = rotated.json()
    assert fresh["device"]["revoked_at"] is None
    assert fresh["mqtt_username"] == "AQ-A"
    assert _broker_users(broker_dir) == ["linli", "AQ-A", "AQ-B"]
    old = await client.post("/api/ingest", json=body, headers=world.device_auth("AQ-A"))
    assert old.status_code == 401 and old.json()["code"] == "bad_device_token"
    new = await client.post(
        "/api/ingest", json=body, headers=world.device_auth("AQ-A", fresh["token"])
    )
    assert new.status_code == 200
    async with session_scope() as session:
        device = await session.get(Device, device_id)
        assert device is not None
        assert broker.mqtt_password(device) == fresh["mqtt_password"]


async def _revoke(code: str) -> None:
    from linli.iot import provisioning

    async with session_scope() as session:
        device = await device_by_code(session, code)
        assert device is not None
        await provisioning.revoke_credentials(session, device)


async def test_an_api_process_without_the_service_password_refreshes_the_broker_files(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # The documented topology: LINLI_MQTT_URL only in one ingest process, the directory in all.
    out = tmp_path / "broker"
    async with session_scope() as session:
        files = await broker.broker_files(session, service_user="svc", service_password="pw")
    broker.write_broker_files(out, files)
    service_line = (out / "passwd").read_text().splitlines()[0]
    monkeypatch.setattr(broker, "get_settings", lambda: Settings(mqtt_broker_dir=out))
    caplog.set_level("WARNING", logger="linli.iot.broker")

    await _revoke("AQ-A")

    assert (
        (out / "passwd").read_text().splitlines()
        == [
            service_line,  # the service account's entry, kept as it was
            *(out / "passwd").read_text().splitlines()[1:],
        ]
    )
    assert _broker_users(out) == ["svc", "AQ-B"]
    assert (out / "acl").read_text().startswith("# Generated") and "user AQ-A" not in (
        out / "acl"
    ).read_text()
    (warning,) = [r.getMessage() for r in caplog.records]
    assert "rewritten, but no broker pid" in warning  # the broker is not running here


async def test_a_refresh_that_cannot_happen_says_so(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("WARNING", logger="linli.iot.broker")
    empty = tmp_path / "never-configured"
    monkeypatch.setattr(broker, "get_settings", lambda: Settings(mqtt_broker_dir=empty))
    await _revoke("AQ-A")
    monkeypatch.setattr(broker, "get_settings", lambda: Settings(mqtt_url="mqtt://a:b@h:1883"))
    await _revoke("AQ-B")
    messages = [r.getMessage() for r in caplog.records]
    assert len(messages) == 2, messages
    assert "hold no service account (run `linli iot broker-config`)" in messages[0]
    assert "LINLI_MQTT_BROKER_DIR is not set here" in messages[1]
    assert not empty.exists()
