"""The compact readings layout: compaction of closed hours into packed rows and rollups, read back
as one series with the recent rows (raw, buckets, counts, CSV), idempotent across both parts, and
retention over both."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta
from typing import Any

import pytest
from httpx import AsyncClient
from iot_world import World
from sqlalchemy import func, select

from factories import run_linli
from linli.core.clock import ManualClock
from linli.core.database import session_scope
from linli.iot import rollups, service, store
from linli.iot.models import CompactHour, Device, HourRollup, MinuteRollup, RecentReading
from linli.iot.schemas import ReadingIn

pytestmark = pytest.mark.usefixtures("world")


async def _ingest(world: World, readings: list[ReadingIn], code: str = "AQ-A") -> tuple[int, int]:
    async with session_scope() as session:
        device = await session.get(Device, world.devices[code].id)
        assert device is not None
        result = await service.ingest(session, device=device, readings=readings)
    return result.accepted, result.duplicates


async def _compact() -> int:
    async with session_scope() as session:
        return await store.compact(session)


async def _rows(model: type[Any]) -> int:
    async with session_scope() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


def _series(clock: ManualClock, hours: int = 4, step: int = 40) -> list[ReadingIn]:
    """Two metrics every `step` seconds over the last `hours` hours, up to now."""
    start = clock.now() - timedelta(hours=hours)
    return [
        ReadingIn(metric=m, value=float((i * 7) % 23) + (0.5 if m == "no2" else 0.0), ts=ts)
        for i in range(hours * 3600 // step)
        for m in ("pm25", "no2")
        if (ts := start + timedelta(seconds=step * i, microseconds=123)) < clock.now()
    ]


async def _get(client: AsyncClient, world: World, path: str, **params: Any) -> Any:
    answer = await client.get(
        f"/api/devices/{world.devices['AQ-A'].id}/{path}", params=params, headers=world.auth("op")
    )
    assert answer.status_code == 200, answer.text
    return answer.json() if path == "readings" else answer.text


async def test_compaction_folds_closed_hours_and_reads_back_the_same_series(
    world: World, client: AsyncClient, clock: ManualClock
) -> None:
    readings = _series(clock)
    assert await _ingest(world, readings) == (len(readings), 0)
    window = {
        "start": (clock.now() - timedelta(hours=5)).isoformat(),
        "end": clock.now().isoformat(),
    }
    before = await _get(client, world, "readings", limit=5000, **window)
    assert await _rows(CompactHour) == 0

    folded = await _compact()

    # The current hour and the one before stay recent; the three older hours are packed.
    horizon = store.floor_hour(clock.now()) - timedelta(hours=store.RECENT_HOURS)
    assert horizon == clock.now() - timedelta(hours=1)  # the test clock stands on the hour
    assert folded == sum(1 for r in readings if r.ts < horizon) > 0
    assert await _rows(CompactHour) == 3 * 2  # three hours of two metrics
    assert await _rows(RecentReading) == len(readings) - folded
    after = await _get(client, world, "readings", limit=5000, **window)
    assert after == before and len(after["items"]) == len(readings)
    # Microseconds survive packing.
    assert after["items"][0]["ts"] == readings[0].ts.isoformat().replace("+00:00", "Z")
    # A limit cuts across the packed and the recent part in time order.
    first = await _get(client, world, "readings", limit=7, **window)
    assert first["items"] == before["items"][:7]
    assert await _compact() == 0  # nothing more is closed


async def test_buckets_and_counts_do_not_depend_on_the_compaction_boundary(
    world: World, client: AsyncClient, clock: ManualClock
) -> None:
    await _ingest(world, _series(clock, hours=5, step=30))
    # Ranges that start and end inside hours as well as on hour boundaries.
    ranges = [
        (clock.now() - timedelta(hours=5), clock.now()),
        (clock.now() - timedelta(hours=4, minutes=17), clock.now() - timedelta(minutes=45)),
    ]
    asked = [
        {"start": a.isoformat(), "end": b.isoformat(), "bucket": bucket, "agg": agg}
        for a, b in ranges
        for bucket, agg in (("1m", "max"), ("1h", "avg"), ("1d", "last"))
    ] + [
        {"start": a.isoformat(), "end": b.isoformat(), "max_points": 100, "metric": "pm25"}
        for a, b in ranges
    ]
    before = [await _get(client, world, "readings", **params) for params in asked]
    assert await _compact() > 0
    assert await _rows(MinuteRollup) > 0 and await _rows(HourRollup) > 0
    after = [await _get(client, world, "readings", **params) for params in asked]
    for old, new in zip(before, after, strict=True):
        assert new["bucket"] == old["bucket"]
        assert [
            (b["metric"], b["ts"], b["count"], b["min"], b["max"], b["last"])
            for b in new["buckets"]
        ] == [
            (b["metric"], b["ts"], b["count"], b["min"], b["max"], b["last"])
            for b in old["buckets"]
        ]
        assert [b["avg"] for b in new["buckets"]] == pytest.approx(
            [b["avg"] for b in old["buckets"]]
        )


async def test_a_redelivered_reading_is_never_stored_twice_even_after_compaction(
    world: World, client: AsyncClient, clock: ManualClock
) -> None:
    readings = _series(clock)
    await _ingest(world, readings)
    await _compact()
    total = len(readings)

    # The whole batch again: nothing is stored, every reading is a duplicate.
    assert await _ingest(world, readings) == (0, total)
    # Old readings mixed with one new reading for a compacted hour and one for now.
    late = ReadingIn(
        metric="pm25", value=99.0, ts=clock.now() - timedelta(hours=3, seconds=1, microseconds=7)
    )
    now = ReadingIn(metric="pm25", value=98.0, ts=clock.now())
    assert await _ingest(world, [*readings[:300], late, now]) == (2, 300)
    assert await _ingest(world, [late]) == (0, 1)

    await _compact()  # the late reading joins its packed hour
    assert await _ingest(world, [late, now]) == (0, 2)
    text = await _get(client, world, "readings.csv")
    rows = list(csv.reader(io.StringIO(text)))[1:]
    assert len(rows) == total + 2
    assert len({(r[1], r[2]) for r in rows}) == len(rows)
    # Times are written on the site's wall clock with its offset: the same instant.
    assert ("AQ-A", "pm25", late.ts, "99.0") in {
        (r[0], r[1], datetime.fromisoformat(r[2]), r[3]) for r in rows
    }


async def test_csv_export_pages_across_packed_hours_and_recent_rows(
    world: World, client: AsyncClient, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    await _ingest(world, _series(clock, hours=3, step=120))
    before = await _get(client, world, "readings.csv")
    await _compact()
    monkeypatch.setattr(service, "CSV_PAGE", 7)
    after = await _get(client, world, "readings.csv")
    assert after == before
    start = clock.now() - timedelta(hours=2, minutes=30)
    part = await _get(client, world, "readings.csv", metric="no2", start=start.isoformat())
    lines = list(csv.reader(io.StringIO(part)))[1:]
    assert lines and all(
        r[1] == "no2" and datetime.fromisoformat(r[2]) >= start.replace(microsecond=0)
        for r in lines
    )


async def test_the_reading_before_a_time_is_found_in_a_packed_hour(
    world: World, clock: ManualClock
) -> None:
    old = clock.now() - timedelta(hours=5)
    await _ingest(world, [ReadingIn(metric="pm25", value=12.5, ts=old)])
    await _compact()
    async with session_scope() as session:
        found = await service.reading_before(session, world.devices["AQ-A"].id, "pm25", clock.now())
        assert found == (old, 12.5)
        assert await service.reading_before(session, world.devices["AQ-A"].id, "pm25", old) is None


async def test_retention_drops_packed_hours_and_their_rollups(
    world: World, clock: ManualClock
) -> None:
    old = [
        ReadingIn(metric="pm25", value=float(i), ts=clock.now() - timedelta(days=20, minutes=i))
        for i in range(30)
    ]
    recent = [ReadingIn(metric="pm25", value=1.0, ts=clock.now() - timedelta(days=2))]
    await _ingest(world, [*old, *recent])
    await _compact()
    assert await _rows(RecentReading) == 0
    clock.advance(timedelta(days=store.retention_days("AirQualityObserved") - 10))
    async with session_scope() as session:
        assert await store.apply_retention(session) == len(old)
    assert await _rows(MinuteRollup) == 1 and await _rows(HourRollup) == 1
    async with session_scope() as session:
        device = await session.get(Device, world.devices["AQ-A"].id)
        assert device is not None
        left = await service.readings(session, device)
    assert [(r.ts, r.value) for r in left] == [(recent[0].ts, 1.0)]


async def test_one_count_covers_recent_rows_and_packed_hours_over_any_range(
    world: World, clock: ManualClock
) -> None:
    readings = _series(clock, hours=5, step=37)
    assert await _ingest(world, readings) == (len(readings), 0)
    assert await _compact() > 0
    late = ReadingIn(metric="pm25", value=3.0, ts=clock.now() - timedelta(hours=4, seconds=1))
    assert await _ingest(world, [late]) == (1, 0)  # a recent row inside a packed hour
    everything = [*readings, late]
    now, device_id = clock.now(), world.devices["AQ-A"].id
    ranges = [
        (None, None),
        (now - timedelta(hours=4, minutes=17), now - timedelta(hours=1, minutes=3)),
        (now - timedelta(hours=3), now - timedelta(hours=2)),  # one whole packed hour
        (None, now - timedelta(hours=2, seconds=5)),
        (now - timedelta(minutes=90, microseconds=1), None),
    ]
    async with session_scope() as session:
        assert await rollups.count_readings(session) == len(everything)
        assert await rollups.count_readings(session, world.devices["AQ-B"].id) == 0
        for start, end in ranges:
            for metric in (None, "pm25"):
                expected = sum(
                    1
                    for r in everything
                    if (metric is None or r.metric == metric)
                    and (start is None or r.ts >= start)
                    and (end is None or r.ts < end)
                )
                found = await rollups.count_readings(
                    session, device_id, metric=metric, start=start, end=end
                )
                assert found == expected, (start, end, metric)


async def test_retention_keeps_the_rollups_of_the_hour_it_cuts(
    world: World, client: AsyncClient, clock: ManualClock
) -> None:
    readings = _series(clock, hours=4, step=60)
    await _ingest(world, readings)
    await _compact()
    keep = store.retention_days("AirQualityObserved")
    # The cutoff falls half-way through the oldest packed hour: that hour stays whole.
    clock.advance(timedelta(days=keep, minutes=-3 * 60 - 30))
    async with session_scope() as session:
        await store.apply_retention(session)
        device_id = world.devices["AQ-A"].id
        left = await rollups.count_readings(session, device_id)
        found = await rollups.buckets(
            session,
            device_id,
            bucket="1m",
            start=clock.now() - timedelta(days=keep + 1),
            end=clock.now(),
        )
    assert left == sum(b.count for b in found) > 0


async def test_operators_count_stored_readings_in_all_their_forms(
    world: World, clock: ManualClock, db: str
) -> None:
    readings = _series(clock, hours=3, step=60)
    await _ingest(world, readings)
    await _compact()
    assert 0 < await _rows(RecentReading) < len(readings)  # both forms hold some
    code, out = await run_linli(db, "iot", "count-readings")
    assert code == 0 and f"{len(readings):,} readings stored" in out, out
    pm25 = sum(1 for r in readings if r.metric == "pm25")
    code, out = await run_linli(db, "iot", "count-readings", "--device", "AQ-A", "--metric", "pm25")
    assert code == 0 and f"{pm25:,} readings stored" in out, out


async def test_raw_reads_hold_recent_rows_after_more_than_a_page_of_packed_hours(
    world: World, clock: ManualClock
) -> None:
    readings = _series(clock, hours=30, step=600)  # 2 metrics x 28 packed hours: over a page
    await _ingest(world, readings)
    await _compact()
    assert await _rows(RecentReading) > 0 and await _rows(CompactHour) > 48
    async with session_scope() as session:
        found = await rollups.points(session, world.devices["AQ-A"].id, limit=10_000)
    assert [(p.metric, p.ts) for p in found] == sorted(
        ((r.metric, r.ts) for r in readings), key=lambda k: (k[1], k[0])
    )


async def test_a_backfill_stores_past_readings_as_the_compaction_would_leaving_the_latest(
    world: World, client: AsyncClient, clock: ManualClock
) -> None:
    readings = _series(clock, hours=6)
    live = [r for r in readings if r.ts >= clock.now() - timedelta(hours=4)][:10]
    assert await _ingest(world, live) == (10, 0)  # a few already stored as recent rows
    async with session_scope() as session:
        device = await session.get(Device, world.devices["AQ-A"].id)
        assert device is not None
        latest_before = await service.latest_values(session, device)
        folded = await service.backfill_readings(
            session,
            device.id,
            [(r.metric, r.ts, r.value) for r in readings],
            now=clock.now(),
        )
    recent_hours = store.RECENT_HOURS + 1  # the closed hours kept recent and the current one
    kept_recent = [r for r in readings if r.ts >= clock.now() - timedelta(hours=recent_hours - 1)]
    assert folded == len(readings) - len(kept_recent)
    assert await _rows(RecentReading) == len(kept_recent)
    assert await _rows(CompactHour) == 2 * 5  # two metrics, five closed hours before the last
    assert await _rows(HourRollup) == 2 * 5
    answer = await _get(client, world, "readings", limit=5000,
                        start=(clock.now() - timedelta(hours=7)).isoformat(),
                        end=clock.now().isoformat())  # fmt: skip
    assert len(answer["items"]) == len(readings), "every reading once, the stored ones not twice"
    async with session_scope() as session:
        device = await session.get(Device, world.devices["AQ-A"].id)
        assert device is not None
        assert await service.latest_values(session, device) == latest_before
        again = await service.backfill_readings(
            session, device.id, [(r.metric, r.ts, r.value) for r in readings], now=clock.now()
        )
    assert again == 0, "a second backfill of the same rows stores nothing"
