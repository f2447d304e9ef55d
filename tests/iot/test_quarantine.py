"""Quarantine and metrics: refused HTTP input is counted and kept, scoped, bounded, purgeable."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from httpx import AsyncClient
from iot_world import World
from sqlalchemy import func, select

from factories import run_linli
from linli.core.clock import ManualClock
from linli.core.database import session_scope
from linli.iot import quarantine
from linli.iot.models import QuarantinedInput
from list_pages import assert_bad_paging_refused, total, walk


@pytest.fixture(autouse=True)
def _fresh_metrics() -> Iterator[None]:
    quarantine.reset_rejections()
    yield
    quarantine.reset_rejections()


async def _quarantined(client: AsyncClient, world: World, who: str, **params: str) -> list[dict]:
    response = await client.get("/api/iot/quarantine", params=params, headers=world.auth(who))
    assert response.status_code == 200, response.text
    items: list[dict] = response.json()["items"]
    return items


async def test_rejected_items_are_quarantined_and_the_valid_ones_kept(
    world: World, client: AsyncClient, clock: ManualClock
) -> None:
    batch = [
        {"metric": "pm25", "value": 40},
        {"metric": "pm25", "value": 5000},
        {"metric": "pm10", "value": 20, "ts": (clock.now() + timedelta(hours=1)).isoformat()},
        {"metric": "pm10", "value": 20, "ts": (clock.now() - timedelta(days=60)).isoformat()},
        {"metric": "co2", "value": 1},
    ]
    response = await client.post(
        "/api/ingest", json={"readings": batch}, headers=world.device_auth("AQ-A")
    )
    assert response.status_code == 200
    assert response.json()["accepted"] == 1

    rows = await _quarantined(client, world, "op")
    assert sorted(r["reason"] for r in rows) == [
        "out_of_range",
        "ts_in_future",
        "ts_too_old",
        "unknown_metric",
    ]
    assert {r["channel"] for r in rows} == {"http"}
    assert {r["device_code"] for r in rows} == {"AQ-A"}
    out_of_range = next(r for r in rows if r["reason"] == "out_of_range")
    assert '"value":5000' in out_of_range["raw"]
    assert "between 0 and 1000" in out_of_range["detail"]

    filtered = await _quarantined(client, world, "op", reason="ts_too_old")
    assert [r["reason"] for r in filtered] == ["ts_too_old"]

    text = (await client.get("/metrics", headers=world.auth("op"))).text
    assert 'linli_ingest_rejected_total{channel="http",reason="out_of_range"} 1' in text
    assert 'linli_quarantine_rows{channel="http",reason="ts_in_future"} 1' in text
    assert "# TYPE linli_ingest_rejected_total counter" in text


async def test_refused_requests_are_quarantined_and_scoped(
    world: World, client: AsyncClient
) -> None:
    body = {"readings": [{"metric": "pm25", "value": 12}]}
    wrong = await client.post(
        "/api/ingest", json=body, headers=world.device_auth("AQ-A", world.device_tokens["AQ-B"])
    )
    assert wrong.status_code == 401
    unknown = await client.post(
        "/api/ingest", json=body, headers=world.device_auth("ZZ-9", world.device_tokens["AQ-B"])
    )
    assert unknown.status_code == 404
    malformed = await client.post(
        "/api/ingest", content=b"{not json", headers=world.device_auth("AQ-B")
    )
    assert malformed.status_code == 422

    admin = await _quarantined(client, world, "admin")
    assert sorted((r["device_code"], r["reason"]) for r in admin) == [
        ("AQ-A", "bad_device_token"),
        ("AQ-B", "bad_json"),
        ("ZZ-9", "unknown_device"),
    ]
    assert next(r for r in admin if r["reason"] == "bad_json")["raw"] == "{not json"
    # An operator of the whole district sees placed rows, but unknown devices are admins' only.
    operator = await _quarantined(client, world, "op")
    assert sorted(r["device_code"] for r in operator) == ["AQ-A", "AQ-B"]
    grid_a = await _quarantined(client, world, "gw_a")
    assert [r["device_code"] for r in grid_a] == ["AQ-A"]

    text = (await client.get("/metrics", headers=world.auth("admin"))).text
    assert 'linli_ingest_rejected_total{channel="http",reason="unknown_device"} 1' in text
    assert (await client.get("/metrics")).status_code == 401


@pytest.mark.parametrize("limit", [1, 2])
async def test_walking_the_quarantine_shows_each_row_in_scope_once_newest_first(
    world: World, client: AsyncClient, clock: ManualClock, limit: int
) -> None:
    async with session_scope() as session:
        for n in range(9):  # three rows to an instant
            device = world.devices["AQ-A" if n % 3 else "AQ-B"]
            quarantine.record(session, channel="http", reason="bad_json", raw=str(n), device=device)
            quarantine.record(session, channel="mqtt", reason="unknown_device", device_code="??")
            if n % 3 == 2:
                clock.advance(timedelta(seconds=1))
    mine = await walk(client, "/api/iot/quarantine", world.auth("gw_a"), limit=limit)
    assert sorted(int(r["raw"]) for r in mine) == [1, 2, 4, 5, 7, 8]
    assert len({r["id"] for r in mine}) == 6 and {r["device_code"] for r in mine} == {"AQ-A"}
    assert [r["received_at"] for r in mine] == sorted(
        (r["received_at"] for r in mine), reverse=True
    )
    everything = await walk(client, "/api/iot/quarantine", world.auth("admin"), limit=limit)
    assert len({r["id"] for r in everything}) == len(everything) == 18
    assert await total(client, "/api/iot/quarantine?channel=mqtt", world.auth("admin")) == 9
    await assert_bad_paging_refused(client, "/api/iot/quarantine", world.auth("admin"))


async def test_quarantine_is_bounded_in_age_and_size(
    world: World, client: AsyncClient, clock: ManualClock
) -> None:
    async with session_scope() as session:
        for n in range(6):
            quarantine.record(
                session, channel="mqtt", reason="bad_json", raw="x" * 10_000, device_code=f"D{n}"
            )
        clock.advance(timedelta(days=15))
        for n in range(5):
            quarantine.record(session, channel="mqtt", reason="bad_json", device_code=f"E{n}")
            clock.advance(timedelta(seconds=1))
    async with session_scope() as session:
        lengths = await session.scalars(select(func.length(QuarantinedInput.raw)))
        assert max(lengths) == quarantine.MAX_RAW
        dropped = await quarantine.apply_retention(session, max_rows=3)
    assert dropped == 8
    rows = await _quarantined(client, world, "admin")
    assert [r["device_code"] for r in rows] == ["E4", "E3", "E2"]


async def test_cli_lists_and_purges_the_quarantine(
    world: World, db: str, client: AsyncClient
) -> None:
    await client.post(
        "/api/ingest",
        json={"readings": [{"metric": "pm25", "value": -3}]},
        headers=world.device_auth("AQ-A"),
    )
    code, out = await run_linli(db, "iot", "quarantine", "list", "--reason", "out_of_range")
    assert code == 0, out
    assert "AQ-A" in out and "out_of_range" in out and "1 of 1" in out

    code, out = await run_linli(db, "iot", "quarantine", "purge")
    assert code == 0, out
    assert "purged 1 rows" in out
    assert await _quarantined(client, world, "admin") == []


async def test_a_batch_nested_too_deep_is_refused_before_parsing_and_quarantined(
    world: World, client: AsyncClient
) -> None:
    # Deep enough to exhaust a recursive parser's stack; inside a string brackets do not count.
    quoted = '{"readings": [{"metric": "pm25", "value": 40, "note": "' + "[" * 100 + '"}]}'
    headers = {**world.device_auth("AQ-A"), "Content-Type": "application/json"}
    assert (await client.post("/api/ingest", content=quoted, headers=headers)).status_code == 200
    deep = b'{"readings": ' + b"[" * 200_000 + b"]" * 200_000 + b"}"
    response = await client.post("/api/ingest", content=deep, headers=headers)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "json_too_deep"
    (row,) = await _quarantined(client, world, "admin")
    assert (row["device_code"], row["reason"]) == ("AQ-A", "json_too_deep")


async def test_an_oversized_batch_is_refused_counted_and_quarantined_unread(
    world: World, client: AsyncClient
) -> None:
    body = b'{"readings": [' + b" " * 8_000_001 + b"]}"
    headers = {**world.device_auth("AQ-A"), "Content-Type": "application/json"}
    response = await client.post("/api/ingest", content=body, headers=headers)
    assert response.status_code == 413
    assert response.json()["code"] == "body_too_large"

    # The device was never authenticated (its body was not read): admins only, nothing raw kept.
    (row,) = await _quarantined(client, world, "admin")
    assert (row["device_code"], row["reason"], row["raw"]) == ("AQ-A", "payload_too_large", "")
    assert await _quarantined(client, world, "op") == []
    text = (await client.get("/metrics", headers=world.auth("admin"))).text
    assert 'linli_ingest_rejected_total{channel="http",reason="payload_too_large"} 1' in text
