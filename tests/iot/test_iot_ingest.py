"""Ingest: item-by-item checks, device authentication, idempotent storage, latest values."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from httpx import AsyncClient
from iot_world import World
from sqlalchemy import select

from linli.core.clock import ManualClock
from linli.core.database import session_scope
from linli.core.settings import get_settings
from linli.iot import service
from linli.iot.models import Device, LatestReading, Reading
from linli.iot.schemas import ReadingIn


async def _stored(code: str = "AQ-A") -> list[tuple[str, datetime, float]]:
    async with session_scope() as session:
        rows = await session.execute(
            select(Reading.metric, Reading.ts, Reading.value)
            .join(Device, Device.id == Reading.device_id)
            .where(Device.code == code)
            .order_by(Reading.ts, Reading.metric)
        )
        return [(m, ts, v) for m, ts, v in rows]


async def _latest(code: str = "AQ-A") -> dict[str, tuple[datetime, float]]:
    async with session_scope() as session:
        rows = await session.execute(
            select(LatestReading.metric, LatestReading.ts, LatestReading.value)
            .join(Device, Device.id == LatestReading.device_id)
            .where(Device.code == code)
        )
        return {m: (ts, v) for m, ts, v in rows}


async def test_malformed_items_are_rejected_and_the_valid_ones_stored(
    world: World, client: AsyncClient, clock: ManualClock
) -> None:
    now = clock.now()
    yesterday = now - timedelta(days=1)
    batch = [
        {"metric": "pm25", "value": 80.5, "ts": "2026-03-02T01:00:00Z"},
        {"value": 3},
        {"metric": "co2", "value": 400},
        {"metric": "pm10", "value": "high"},
        {"metric": "pm25", "value": 1500},
        {"metric": "pm25", "value": 20, "ts": (now + timedelta(minutes=10)).isoformat()},
        {"metric": "pm25", "value": 20, "ts": (now - timedelta(days=31)).isoformat()},
        {"metric": "pm25", "value": 20, "ts": "yesterday"},
        {"metric": "pm10", "value": 40},
        42,
        {"metric": "pm25", "value": 20, "ts": "2026-03-02T00:59:00"},
        {"metric": "no2", "value": 31, "ts": yesterday.isoformat()},
        {"metric": "pm10", "value": True},
        {"metric": "pm10"},
    ]
    response = await client.post(
        "/api/ingest", json={"readings": batch}, headers=world.device_auth("AQ-A")
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["accepted"], body["duplicates"]) == (3, 0)
    codes = {r["index"]: r["code"] for r in body["rejected"]}
    assert codes == {
        1: "missing_metric",
        2: "unknown_metric",
        3: "bad_value",
        4: "out_of_range",
        5: "ts_in_future",
        6: "ts_too_old",
        7: "bad_ts",
        9: "bad_item",
        10: "bad_ts",
        12: "bad_value",
        13: "missing_value",
    }
    assert all(r["reason"] for r in body["rejected"])
    assert "between 0 and 1000" in next(r["reason"] for r in body["rejected"] if r["index"] == 4)

    assert await _stored() == [("no2", yesterday, 31.0), ("pm10", now, 40.0), ("pm25", now, 80.5)]
    assert await _stored("AQ-B") == []


async def test_unknown_device_and_wrong_token_store_nothing(
    world: World, client: AsyncClient
) -> None:
    body = {"readings": [{"metric": "pm25", "value": 12}]}
    unknown = await client.post(
        "/api/ingest", json=body, headers=world.device_auth("AQ-ZZ", world.device_tokens["AQ-A"])
    )
    assert unknown.status_code == 404
    assert unknown.json()["code"] == "unknown_device"

    wrong = await client.post(
        "/api/ingest", json=body, headers=world.device_auth("AQ-A", world.device_tokens["AQ-B"])
    )
    assert wrong.status_code == 401
    assert wrong.json()["code"] == "bad_device_token"
    assert wrong.headers["content-type"].startswith("application/problem+json")

    anonymous = await client.post("/api/ingest", json=body)
    assert anonymous.status_code == 401
    bearer = await client.post(
        "/api/ingest", json=body, headers={"X-Device-Id": "AQ-A", **world.auth("admin")}
    )
    assert bearer.status_code == 401

    assert await _stored() == []
    async with session_scope() as session:
        device = await session.get(Device, world.devices["AQ-A"].id)
        assert device is not None and device.last_seen_at is None


async def test_redelivered_readings_are_stored_once(
    world: World, client: AsyncClient, clock: ManualClock
) -> None:
    ts = clock.now().isoformat()
    batch = {
        "readings": [
            {"metric": "pm25", "value": 35, "ts": ts},
            {"metric": "pm10", "value": 50, "ts": ts},
            {"metric": "pm10", "value": 50, "ts": ts},  # repeated inside the batch too
        ]
    }
    first = await client.post("/api/ingest", json=batch, headers=world.device_auth("AQ-A"))
    assert first.json() == {"accepted": 2, "duplicates": 1, "rejected": []}
    again = await client.post("/api/ingest", json=batch, headers=world.device_auth("AQ-A"))
    assert again.status_code == 200
    assert again.json() == {"accepted": 0, "duplicates": 3, "rejected": []}
    assert len(await _stored()) == 2


async def test_an_older_reading_never_replaces_a_newer_latest_value(
    world: World, client: AsyncClient, clock: ManualClock
) -> None:
    t0 = clock.now()
    clock.advance(timedelta(minutes=10))

    async def send(minutes: int, value: float) -> None:
        ts = (t0 + timedelta(minutes=minutes)).isoformat()
        response = await client.post(
            "/api/ingest",
            json={"readings": [{"metric": "pm25", "value": value, "ts": ts}]},
            headers=world.device_auth("AQ-A"),
        )
        assert response.json()["accepted"] == 1

    await send(5, 60)
    await send(2, 30)  # late delivery of an older reading
    assert await _latest() == {"pm25": (t0 + timedelta(minutes=5), 60.0)}
    await send(8, 70)
    assert await _latest() == {"pm25": (t0 + timedelta(minutes=8), 70.0)}
    assert [v for _, _, v in await _stored()] == [30.0, 60.0, 70.0]


async def test_readings_a_little_ahead_of_the_clock_are_accepted(
    world: World, client: AsyncClient, clock: ManualClock
) -> None:
    ahead = (clock.now() + timedelta(minutes=4)).isoformat()
    response = await client.post(
        "/api/ingest",
        json={"readings": [{"metric": "pm25", "value": 5, "ts": ahead}]},
        headers=world.device_auth("AQ-A"),
    )
    assert response.json()["accepted"] == 1


async def test_batch_over_the_limit_is_refused_whole(
    world: World, client: AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(get_settings(), "max_ingest_batch", 3)
    batch = {"readings": [{"metric": "pm25", "value": i} for i in range(4)]}
    response = await client.post("/api/ingest", json=batch, headers=world.device_auth("AQ-A"))
    assert response.status_code == 413
    assert response.json()["code"] == "batch_too_large"
    assert await _stored() == []


async def test_body_that_is_not_a_batch_is_refused(world: World, client: AsyncClient) -> None:
    headers = {**world.device_auth("AQ-A"), "Content-Type": "application/json"}
    not_json = await client.post("/api/ingest", content=b"{nope", headers=headers)
    assert (not_json.status_code, not_json.json()["code"]) == (422, "bad_json")
    no_list = await client.post("/api/ingest", json={"readings": 3}, headers=headers)
    assert (no_list.status_code, no_list.json()["code"]) == (422, "bad_batch")


async def test_service_ingest_takes_parsed_readings(world: World, clock: ManualClock) -> None:
    now = clock.now()
    async with session_scope() as session:
        device = await session.get(Device, world.devices["AQ-B"].id)
        assert device is not None
        result = await service.ingest(
            session,
            device=device,
            readings=[
                ReadingIn(metric="pm25", value=42.0, ts=now),
                ReadingIn(metric="pm25", value=-1.0, ts=now),
                ReadingIn(metric="laeq", value=60.0),
                ReadingIn(metric="no2", value=float("nan")),
            ],
        )
    assert result.accepted == 1
    assert [(r.index, r.code) for r in result.rejected] == [
        (1, "out_of_range"),
        (2, "unknown_metric"),
        (3, "bad_value"),
    ]
    assert await _stored("AQ-B") == [("pm25", now, 42.0)]


async def test_deactivated_device_is_refused(world: World, client: AsyncClient) -> None:
    async with session_scope() as session:
        device = await session.get(Device, world.devices["AQ-A"].id)
        assert device is not None
        device.active = False
    response = await client.post(
        "/api/ingest",
        json={"readings": [{"metric": "pm25", "value": 5}]},
        headers=world.device_auth("AQ-A"),
    )
    assert (response.status_code, response.json()["code"]) == (403, "device_inactive")
    assert await _stored() == []
