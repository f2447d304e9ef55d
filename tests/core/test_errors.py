from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest

from linli.core import clock as clock_mod
from linli.core.errors import Conflict, NotFound, TooManyRequests


def test_problem_body_has_a_stable_code_and_extras() -> None:
    err = Conflict("case already closed", code="case_closed", case_id="c-1")
    assert err.problem("/api/cases/c-1") == {
        "type": "https://linli.dev/problems/case_closed",
        "title": "Conflict",
        "status": 409,
        "detail": "case already closed",
        "code": "case_closed",
        "instance": "/api/cases/c-1",
        "case_id": "c-1",
    }
    assert NotFound("x").code == "not_found" and TooManyRequests("x").status == 429
    # An extra cannot pass itself off as one of the standard members.
    clash = Conflict("the case is closed", code="case_closed", status="closed", title="x")
    assert clash.problem()["status"] == 409 and clash.problem()["title"] == "Conflict"


async def test_unknown_paths_and_bad_input_answer_problem_json(client: httpx.AsyncClient) -> None:
    missing = await client.get("/api/no-such-thing")
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"
    assert missing.json()["code"] == "not_found"

    invalid = await client.post("/api/auth/login", json={"username": "x"})
    assert invalid.status_code == 422
    body = invalid.json()
    assert body["code"] == "validation_failed"
    assert body["errors"][0]["loc"] == ["body", "password"]


async def test_oversized_bodies_are_refused_before_anything_reads_them(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post(
        "/api/auth/login",
        content=b"{" + b" " * 8_000_001 + b"}",
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 413
    assert response.json()["code"] == "body_too_large"


def test_manual_clock_moves_only_when_told() -> None:
    start = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
    manual = clock_mod.ManualClock(start)
    previous = clock_mod.install(manual)
    try:
        assert clock_mod.now() == start
        assert manual.advance(timedelta(minutes=5)) == clock_mod.now()
        assert clock_mod.now() - start == timedelta(minutes=5)
    finally:
        clock_mod.install(previous)
    with pytest.raises(ValueError):
        clock_mod.ManualClock(datetime(2026, 3, 2))
    naive = datetime(2026, 3, 2, 1, 0)
    assert clock_mod.as_utc(naive) == start
