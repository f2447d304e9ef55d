"""Results for staff from a known set of responses: counts, distribution, mean, free texts
without names, the response rate of the area's registered residents, and the CSV."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from linli.core import clock as clock_mod
from linli.core.database import session_scope
from linli.registry import service as registry_service
from linli.registry.schemas import BuildingCreate, ResidentCreate

from .conftest import Site
from .test_answering import answers, submit


async def _residents(site: Site, count: int) -> None:
    async with session_scope() as session:
        block = await registry_service.create_building(
            session,
            data=BuildingCreate(
                code="B1",
                name="Block 1",
                lon=113.82,
                lat=22.52,
                org_unit_id=site.tree.unit("S1-C1-G1").id,
            ),
        )
        for n in range(count):
            await registry_service.create_resident(
                session, data=ResidentCreate(building_id=block.id, name=f"Resident {n}")
            )


async def test_results_of_a_known_set_of_responses(
    site: Site, clock: clock_mod.ManualClock
) -> None:
    await _residents(site, 4)
    survey = await site.published()
    ann, bob, cai = site.resident(), site.resident("S1-C1-G2"), site.resident()
    await submit(
        ann, survey, answers(survey, q1=["bus"], q2=["gym", "library"], q3=2, q4=10, q5="More bins")
    )
    clock.advance(timedelta(minutes=1))
    await submit(bob, survey, answers(survey, q1=["walk"], q2=["gym"], q3=4, q5="Quiet please"))
    clock.advance(timedelta(minutes=1))
    await submit(cai, survey, answers(survey, q1=["bus"], q3=5, q4=7))

    found = await site.call("GET", f"/api/surveys/{survey['id']}/results", "inspector")
    assert (found["responses"], found["audience"], found["response_rate"]) == (3, 4, 0.75)
    q1, q2, q3, q4, q5 = found["questions"]
    assert q1["answered"] == 3 and q1["counts"] == [
        {"key": "bus", "count": 2}, {"key": "walk", "count": 1}, {"key": "cycle", "count": 0}
    ]  # fmt: skip
    assert q2["answered"] == 2 and [c["count"] for c in q2["counts"]] == [2, 1, 0]
    assert q3["answered"] == 3 and round(q3["mean"], 3) == 3.667
    assert {c["key"]: c["count"] for c in q3["counts"]} == {"1": 0, "2": 1, "3": 0, "4": 1, "5": 1}
    assert q4["answered"] == 2 and q4["mean"] == 8.5 and len(q4["counts"]) == 11
    assert q1["mean"] is None and q5["mean"] is None
    assert q5["texts"] == ["More bins", "Quiet please"]
    assert str(ann.account_id) not in str(found)  # no one is named

    resp = await site.client.get(
        f"/api/surveys/{survey['id']}/results.csv", headers=site.auth("op")
    )
    assert resp.status_code == 200 and resp.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(resp.text)))
    assert rows[0][:4] == ["response", "answered_at", "proxy", "Q1 How do you get to the market?"]
    assert [r[0] for r in rows[1:]] == ["1", "2", "3"]
    assert rows[1][2:] == ["no", "bus", "gym;library", "2", "10", "More bins"]
    assert rows[3][2:] == ["no", "bus", "", "5", "7", ""]
    assert rows[1][1] == "2026-03-02T09:00+08:00"  # the site's clock (Shanghai), not UTC
    assert str(ann.account_id) not in resp.text

    other = await site.client.get(
        f"/api/surveys/{survey['id']}/results.csv", headers=site.auth("op_s2")
    )
    assert other.status_code == 404


async def test_a_survey_without_answers_has_empty_results(site: Site) -> None:
    survey = await site.published()
    found = await site.call("GET", f"/api/surveys/{survey['id']}/results")
    assert (found["responses"], found["audience"], found["response_rate"]) == (0, 0, None)
    assert all(q["answered"] == 0 for q in found["questions"])
