"""Results: the funded set of a participatory budget, ranked by votes and funded greedily."""

from __future__ import annotations

import uuid

from linli.core.database import session_scope
from linli.participation.ballots import service

from .conftest import Site


async def test_a_budget_funds_the_most_voted_projects_that_fit(site: Site) -> None:
    vote = await site.vote()  # 100 to spend: Playground 60, Benches 30, Bike racks 20, Garden 50
    await site.to_phase(vote, "voting")
    ids = {o["title"]: uuid.UUID(o["id"]) for o in vote["options"]}
    ballots = [
        ["Playground", "Benches"],
        ["Playground", "Bike racks"],
        ["Playground"],
        ["Garden", "Benches"],
        ["Garden", "Bike racks"],
        ["Benches", "Bike racks"],
    ]
    for n, titles in enumerate(ballots):
        actor = site.resident("T-S1-C1" if n < 3 else "T-S1-C2")
        async with session_scope() as session:
            await service.cast_ballot(
                session, actor, uuid.UUID(vote["id"]), [ids[t] for t in titles]
            )
    await site.to_phase(vote, "results")

    results = await site.client.get(f"/api/public/votes/{vote['id']}/results")

    assert results.status_code == 200
    body = results.json()
    # Three projects tie at 3 votes and go cheapest first: Bike racks (20), Benches (30: 50
    # spent), Playground (60: would make 110, passed over); Garden (2 votes, 50) still fits.
    order = [(o["title"], o["votes"], o["rank"], o["funded"]) for o in body["options"]]
    assert order == [
        ("Bike racks", 3, 1, True),
        ("Benches", 3, 1, True),
        ("Playground", 3, 1, False),
        ("Garden", 2, 4, True),
    ]
    assert body["spent"] == 100 and body["ballots"] == 6
    turnout = {a["name"]: (a["voters"], a["eligible"]) for a in body["turnout"]["areas"]}
    assert turnout == {"Community 1.1": (3, 3), "Community 1.2": (3, 3)}
    assert (body["turnout"]["voters"], body["turnout"]["eligible"]) == (6, 6)


def test_greedy_funding_passes_over_what_no_longer_fits() -> None:
    class Option:
        def __init__(self, name: str, cost: int) -> None:
            self.id = uuid.uuid4()
            self.cost = cost
            self.name = name

    big, mid, small = Option("big", 70), Option("mid", 40), Option("small", 30)
    funded, spent = service.fund(100, [(big, 9), (mid, 8), (small, 1)])  # type: ignore[list-item]
    assert funded == {big.id, small.id} and spent == 100
