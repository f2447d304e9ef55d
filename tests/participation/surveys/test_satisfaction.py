"""The satisfaction index from survey answers and case ratings: the mean on 0–100 of both,
shown from the minimum sample, per service, per child unit and per week, scoped by
`figures:read`; on /figures as a tile, tables and a trend chart, and in the JSON API.

The known set, in community S1-C1 of the test district:

* 8 residents answer the 1–5 cleanliness question (service `sanitation`, unit S1-C1):
  5, 5, 4, 4, 3, 3, 2, 1 → 100, 100, 75, 75, 50, 50, 25, 0 (sum 475); the 0–10 question is
  not tagged and does not count;
* 2 litter cases (group `sanitation`) handled by grid S1-C1-G1 and rated by their reporter
  5 and 3 stars → 100 and 50.

So 10 observations, (475 + 150) / 10 = 62.5; before the ratings, 8 answers are below the
sample of 10 and no index is shown.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from factories import PASSWORD
from linli.cases import service as cases_service
from linli.cases.evaluation import service as evaluation_service
from linli.core import clock as clock_mod
from linli.core.database import session_scope
from linli.security import service as security_service
from linli.security.models import StaffAccount
from linli.security.permissions import Principal
from login_form import post_login

from .conftest import Site
from .test_answering import answers, submit


async def _principal(username: str) -> Principal:
    async with session_scope() as session:
        account = await session.scalar(
            select(StaffAccount).where(StaffAccount.username == username)
        )
        assert account is not None
        return await security_service.load_principal(session, account, via="token")


async def rated_case(site: Site, score: int) -> None:
    """Report a litter case in grid S1-C1-G1, have the grid handle it, and rate it."""
    op, worker = await _principal("op"), await _principal("worker")
    grid = site.tree.unit("S1-C1-G1")
    async with session_scope() as session:
        case = await cases_service.report_case(
            session, actor=worker, category_code="sanitation.litter", title="Litter", unit=grid
        )
        case_id = case.id
    steps: list[tuple[Any, Principal, dict[str, Any]]] = [
        (cases_service.register_case, op, {}),
        (cases_service.dispatch_case, op, {"unit_id": grid.id}),
        (cases_service.accept_case, worker, {}),
        (cases_service.start_case, worker, {}),
        (cases_service.handle_case, worker, {"note": "swept"}),
    ]
    for action, who, extra in steps:
        async with session_scope() as session:
            await action(session, case_id, principal=who, **extra)
    async with session_scope() as session:
        await evaluation_service.rate_as_staff(session, case_id, principal=worker, score=score)


async def _answered(site: Site, clock: clock_mod.ManualClock) -> dict[str, Any]:
    survey = await site.published("S1-C1")
    for value in (5, 5, 4, 4, 3, 3, 2, 1):
        await submit(site.resident(), survey, answers(survey, q1=["bus"], q3=value, q4=10))
        clock.advance(timedelta(minutes=1))
    return survey


async def test_the_index_joins_survey_answers_and_case_ratings(
    site: Site, clock: clock_mod.ManualClock
) -> None:
    await _answered(site, clock)
    district, community = site.tree.district.id, site.tree.unit("S1-C1").id
    early = await site.call("GET", "/api/figures/satisfaction", params={"unit": str(community)})
    assert early["overall"] == {"index": None, "count": 8, "survey_answers": 8, "case_ratings": 0}
    assert early["min_sample"] == 10

    await rated_case(site, 5)
    await rated_case(site, 3)
    found = await site.call(
        "GET", "/api/figures/satisfaction", "inspector", params={"unit": str(district)}
    )
    assert found["overall"] == {"index": 62.5, "count": 10, "survey_answers": 8, "case_ratings": 2}
    assert [(s["service"], s["name"], s["index"]) for s in found["services"]] == [
        ("sanitation", "Sanitation", 62.5)
    ]
    by_unit = {c["name"]: (c["index"], c["count"]) for c in found["children"]}
    assert by_unit == {"Street 1": (62.5, 10), "Street 2": (None, 0), "Sanitation": (None, 0)}
    assert sum(w["count"] for w in found["weeks"]) == 10
    assert found["weeks"][-1]["count"] == 10 and found["weeks"][-1]["index"] == 62.5
    assert found["end"] == "2026-03-02"  # today on the site's clock

    # Inside the community the grid holds the two ratings only: too few for an index.
    inside = await site.call("GET", "/api/figures/satisfaction", params={"unit": str(community)})
    grids = {c["name"]: (c["index"], c["count"]) for c in inside["children"]}
    assert grids == {"Grid 1.1.1": (None, 2), "Grid 1.1.2": (None, 0)}

    # A period before any of it holds nothing.
    before = await site.call(
        "GET",
        "/api/figures/satisfaction",
        params={"unit": str(district), "from": "2026-02-01", "to": "2026-02-28"},
    )
    assert before["overall"]["count"] == 0 and before["services"] == []


async def test_the_index_is_scoped_by_figures_read(site: Site) -> None:
    s1 = site.tree.unit("S1")
    refused = await site.call(
        "GET", "/api/figures/satisfaction", "op_s2", status=404, params={"unit": str(s1.id)}
    )
    assert refused["code"] == "unit_not_found"
    await site.call(
        "GET", "/api/figures/satisfaction", "worker", status=403, params={"unit": str(s1.id)}
    )
    backwards = await site.call(
        "GET",
        "/api/figures/satisfaction",
        status=422,
        params={"unit": str(s1.id), "from": "2026-03-02", "to": "2026-03-01"},
    )
    assert backwards["code"] == "bad_period"
    unknown = uuid.uuid4()
    await site.call("GET", "/api/figures/satisfaction", status=404, params={"unit": str(unknown)})


async def test_figures_show_the_index_as_a_tile_with_its_weeks(
    site: Site, clock: clock_mod.ManualClock
) -> None:
    await _answered(site, clock)
    await rated_case(site, 5)
    await rated_case(site, 3)
    resp = await post_login(site.client, {"username": "op", "password": PASSWORD})
    assert resp.status_code == 303, resp.text
    page = await site.client.get(f"/figures?unit={site.tree.district.id}")
    assert page.status_code == 200, page.text
    html = page.text
    assert 'data-tile="satisfaction"' in html and 'data-index="62.5"' in html
    assert "10 answers (8 from surveys, 2 case ratings)" in html
    assert (
        '<tr data-service="sanitation"><th scope="row">Sanitation</th><td class="num">62.5' in html
    )
    assert 'data-chart="satisfaction"' in html and "/api/figures/satisfaction?unit=" in html

    quiet = await site.client.get(f"/figures?unit={site.tree.unit('S2').id}")
    tile = quiet.text.split('data-tile="satisfaction"')[1].split("</div>")[0]
    assert "—" in tile and "0 answers" in tile and "Shown from 10 answers" in tile
