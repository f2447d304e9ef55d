"""The readings store: the COPY fast path, bucketed queries, downsampling, latest values, CSV,
retention."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from httpx import AsyncClient
from iot_world import World

from linli.core.clock import ManualClock
from linli.core.database import session_scope
from linli.iot import rollups, service, store
from linli.iot.models import Device
from linli.iot.schemas import ReadingIn


async def _ingest(world: World, code: str, readings: list[ReadingIn]) -> tuple[int, int]:
    async with session_scope() as session:
        device = await session.get(Device, world.devices[code].id)
        assert device is not None
        result = await service.ingest(session, device=device, readings=readings)
    return result.accepted, result.duplicates


async def _count(world: World, code: str = "AQ-A") -> int:
    async with session_scope() as session:
        return await rollups.count_readings(session, world.devices[code].id)


async def test_a_large_batch_is_stored_once_even_when_redelivered(
    world: World, clock: ManualClock
) -> None:
    t0 = clock.now() - timedelta(days=1)
    batch = [
        ReadingIn(metric="pm25", value=float(i % 90), ts=t0 + timedelta(seconds=10 * i))
        for i in range(store.COPY_MIN + 50)
    ]
    assert await _ingest(world, "AQ-A", batch) == (len(batch), 0)
    # Half old, half new: only the new half is stored and counted.
    more = [
        ReadingIn(metric="pm25", value=1.0, ts=t0 + timedelta(seconds=10 * i))
        for i in range(len(batch) // 2, len(batch) + len(batch) // 2)
    ]
    assert await _ingest(world, "AQ-A", more) == (len(batch) // 2, len(batch) - len(batch) // 2)
    assert await _count(world) == len(batch) + len(batch) // 2


async def test_bucketed_aggregates_per_minute_and_hour(
    world: World, client: AsyncClient, clock: ManualClock
) -> None:
    t0 = clock.now() - timedelta(hours=2)  # 2026-03-01 23:00 UTC, a whole hour
    values = [10.0, 20.0, 60.0, 30.0]  # 00:00, 00:20, 00:40 of one minute each, then next minute
    offsets = [timedelta(seconds=0), timedelta(seconds=20), timedelta(seconds=40)]
    readings = [
        ReadingIn(metric="pm25", value=v, ts=t0 + off)
        for v, off in zip(values[:3], offsets, strict=True)
    ]
    readings.append(ReadingIn(metric="pm25", value=values[3], ts=t0 + timedelta(minutes=1)))
    readings.append(ReadingIn(metric="pm10", value=5.0, ts=t0 + timedelta(hours=1, minutes=5)))
    await _ingest(world, "AQ-A", readings)
    device_id = world.devices["AQ-A"].id
    params = {"start": t0.isoformat(), "end": clock.now().isoformat(), "metric": "pm25"}

    minute = await client.get(
        f"/api/devices/{device_id}/readings",
        params={**params, "bucket": "1m", "agg": "max"},
        headers=world.auth("op"),
    )
    assert minute.status_code == 200, minute.text
    body = minute.json()
    assert (body["bucket"], body["agg"]) == ("1m", "max")
    assert [(i["ts"][11:16], i["value"]) for i in body["items"]] == [
        ("23:00", 60.0),
        ("23:01", 30.0),
    ]
    first = body["buckets"][0]
    assert (first["min"], first["max"], first["avg"], first["count"], first["last"]) == (
        10.0,
        60.0,
        30.0,
        3,
        60.0,
    )

    hour = await client.get(
        f"/api/devices/{device_id}/readings",
        params={
            "start": t0.isoformat(),
            "end": clock.now().isoformat(),
            "bucket": "1h",
            "agg": "last",
        },
        headers=world.auth("op"),
    )
    items = [(i["metric"], i["ts"][11:16], i["value"]) for i in hour.json()["items"]]
    assert items == [("pm25", "23:00", 30.0), ("pm10", "00:00", 5.0)]

    bad = await client.get(
        f"/api/devices/{device_id}/readings", params={"bucket": "5m"}, headers=world.auth("op")
    )
    assert (bad.status_code, bad.json()["code"]) == (422, "bad_bucket")


async def test_long_series_are_downsampled_to_max_points(
    world: World, client: AsyncClient, clock: ManualClock
) -> None:
    start = clock.now() - timedelta(hours=3)
    readings = [
        ReadingIn(metric="pm25", value=float(i % 50), ts=start + timedelta(seconds=30 * i))
        for i in range(360)
    ]
    await _ingest(world, "AQ-A", readings)
    url = f"/api/devices/{world.devices['AQ-A'].id}/readings"
    window = {"metric": "pm25", "start": start.isoformat(), "end": clock.now().isoformat()}

    short = await client.get(url, params={**window, "max_points": 500}, headers=world.auth("op"))
    assert short.json()["bucket"] is None and len(short.json()["items"]) == 360

    chart = await client.get(url, params={**window, "max_points": 100}, headers=world.auth("op"))
    body = chart.json()
    assert body["bucket"] == "1h" and len(body["items"]) == 3
    assert sum(b["count"] for b in body["buckets"]) == 360


async def test_latest_values_of_chosen_devices_or_an_area_within_scope(
    world: World, client: AsyncClient, clock: ManualClock
) -> None:
    now = clock.now()
    await _ingest(world, "AQ-A", [ReadingIn(metric="pm25", value=41.0, ts=now)])
    await _ingest(world, "AQ-B", [ReadingIn(metric="pm10", value=12.0, ts=now)])
    a, b = world.devices["AQ-A"].id, world.devices["AQ-B"].id

    both = await client.get(
        "/api/readings/latest",
        params={"device_ids": [str(a), str(b)]},
        headers=world.auth("op"),
    )
    assert both.status_code == 200, both.text
    assert [
        (i["device_code"], i["metric"], i["value"], i["unit"]) for i in both.json()["items"]
    ] == [
        ("AQ-A", "pm25", 41.0, "µg/m³"),
        ("AQ-B", "pm10", 12.0, "µg/m³"),
    ]
    area = await client.get(
        "/api/readings/latest",
        params={"unit_id": str(world.tree.unit("S2-C1").id)},
        headers=world.auth("op"),
    )
    assert [i["device_code"] for i in area.json()["items"]] == ["AQ-B"]

    # A grid worker of community A never sees B's values, even when asking for them by id.
    mine = await client.get(
        "/api/readings/latest",
        params={"device_ids": [str(a), str(b)]},
        headers=world.auth("gw_a"),
    )
    assert [i["device_code"] for i in mine.json()["items"]] == ["AQ-A"]
    neither = await client.get("/api/readings/latest", headers=world.auth("op"))
    assert (neither.status_code, neither.json()["code"]) == (422, "devices_required")
    anonymous = await client.get("/api/readings/latest", params={"device_ids": [str(a)]})
    assert anonymous.status_code == 401


async def test_csv_export_streams_every_reading_in_range(
    world: World, client: AsyncClient, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    start = clock.now() - timedelta(hours=1)
    readings = [
        ReadingIn(metric=m, value=float(i), ts=start + timedelta(minutes=i))
        for i in range(12)
        for m in ("pm25", "no2")
    ]
    await _ingest(world, "AQ-A", readings)
    monkeypatch.setattr(service, "CSV_PAGE", 5)  # several pages, keyed on (ts, metric)
    url = f"/api/devices/{world.devices['AQ-A'].id}/readings.csv"

    response = await client.get(url, headers=world.auth("op"))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.text)))
    assert rows[0] == ["device", "metric", "ts", "value"]
    assert len(rows) == 1 + 24
    assert rows[1][:2] == ["AQ-A", "no2"] and float(rows[-1][3]) == 11.0

    only = await client.get(
        url,
        params={"metric": "pm25", "start": (start + timedelta(minutes=10)).isoformat()},
        headers=world.auth("op"),
    )
    assert [r[3] for r in csv.reader(io.StringIO(only.text))][1:] == ["10.0", "11.0"]

    hidden = await client.get(url, headers=world.auth("gw_b"))
    assert hidden.status_code == 404


async def test_retention_removes_only_readings_older_than_the_type_keeps(
    world: World, clock: ManualClock
) -> None:
    now = clock.now()
    await _ingest(
        world,
        "AQ-A",
        [
            ReadingIn(metric="pm25", value=1.0, ts=now - timedelta(days=20)),
            ReadingIn(metric="pm25", value=2.0, ts=now - timedelta(days=2)),
        ],
    )
    keep = store.retention_days("AirQualityObserved")
    clock.advance(timedelta(days=keep - 10))
    async with session_scope() as session:
        assert await store.apply_retention(session) == 1
    assert await _count(world) == 1
    async with session_scope() as session:
        assert await store.apply_retention(session) == 0
