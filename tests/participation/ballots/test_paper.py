"""Paper ballots: two officers per batch, counted exactly once; paper voters in the register."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select

from linli.core.database import session_scope
from linli.participation.ballots import service
from linli.participation.ballots.models import Participation

from .conftest import Site


def counts(vote: dict[str, Any], **by_title: int) -> list[dict[str, Any]]:
    return [
        {"option_id": o["id"], "count": by_title.get(o["title"].replace(" ", "_"), 0)}
        for o in vote["options"]
    ]


async def test_a_batch_counts_once_when_a_second_officer_enters_the_same_figures(
    site: Site,
) -> None:
    vote = await site.vote(kind="approval")
    await site.to_phase(vote, "voting")
    base = f"/api/votes/{vote['id']}/paper-batches"
    figures = {"ballots": 10, "counts": counts(vote, Red=7, Green=4, Blue=2)}

    batch = await site.call(
        "POST", base, json={"station": "Block 12 void deck", "batch": 1, **figures}, expect=201
    )
    # The first officer's figures stay hidden until confirmed: the second counts blind.
    assert batch["status"] == "entered" and batch["ballots"] is None and batch["counts"] is None
    same = await site.call("POST", f"{base}/{batch['id']}/confirm", json=figures, expect=409)
    assert same["code"] == "second_officer_needed"
    wrong = {"ballots": 10, "counts": counts(vote, Red=7, Green=5, Blue=2)}
    mismatch = await site.call(
        "POST", f"{base}/{batch['id']}/confirm", "s1op2", json=wrong, expect=409
    )
    assert mismatch["code"] == "paper_mismatch" and mismatch["differ"] == ["Green"]
    assert "5" not in mismatch["detail"] and "4" not in mismatch["detail"]
    listed = await site.call("GET", base, expect=200)
    assert [b["status"] for b in listed] == ["entered"]

    confirmed = await site.call(
        "POST", f"{base}/{batch['id']}/confirm", "s1op2", json=figures, expect=200
    )
    again = await site.call(
        "POST", f"{base}/{batch['id']}/confirm", "admin", json=wrong, expect=200
    )
    twice = await site.call(
        "POST", base, json={"station": "Block 12 void deck", "batch": 1, **figures}, expect=409
    )

    assert confirmed["status"] == "confirmed" and confirmed["ballots"] == 10
    assert confirmed["confirmed_by"] == str(site.accounts["s1op2"])
    assert again == confirmed  # re-confirming changes nothing
    assert twice["code"] == "batch_exists"
    await site.call("DELETE", f"{base}/{batch['id']}", expect=409)
    await site.to_phase(vote, "results")
    results = await site.call("GET", f"/api/votes/{vote['id']}/results", expect=200)
    assert results["ballots"] == 10 and results["paper_ballots"] == 10
    assert [(o["title"], o["votes"], o["rank"]) for o in results["options"]] == [
        ("Red", 7, 1),
        ("Green", 4, 2),
        ("Blue", 2, 3),
    ]


async def test_paper_ballots_entered_one_by_one_are_checked_like_online_ones(site: Site) -> None:
    vote = await site.vote()
    await site.to_phase(vote, "voting")
    ids = {o["title"]: o["id"] for o in vote["options"]}
    base = f"/api/votes/{vote['id']}/paper-batches"
    papers = [[ids["Playground"], ids["Benches"]], [ids["Garden"]], [ids["Benches"]]]

    over = await site.call(
        "POST",
        base,
        json={"station": "CC", "batch": 1, "papers": [*papers, [ids["Playground"], ids["Garden"]]]},
        expect=422,
    )
    assert over["code"] == "over_budget" and "paper ballot 4" in over["detail"]
    both = await site.call(
        "POST", base, json={"station": "CC", "batch": 1, "papers": papers, "counts": []}, expect=422
    )
    assert both["code"] == "counts_or_papers"
    batch = await site.call(
        "POST", base, json={"station": "CC", "batch": 1, "papers": papers}, expect=201
    )
    # The second officer may enter the same batch as counts.
    by_counts = {
        "ballots": 3,
        "counts": [
            {"option_id": ids["Playground"], "count": 1},
            {"option_id": ids["Benches"], "count": 2},
            {"option_id": ids["Garden"], "count": 1},
        ],
    }
    confirmed = await site.call(
        "POST", f"{base}/{batch['id']}/confirm", "s1op2", json=by_counts, expect=200
    )
    assert confirmed["status"] == "confirmed"


async def test_an_unconfirmed_batch_neither_counts_nor_blocks_a_recount(site: Site) -> None:
    vote = await site.vote(kind="approval")
    await site.to_phase(vote, "voting")
    base = f"/api/votes/{vote['id']}/paper-batches"
    figures = {"station": "Hall", "batch": 2, "ballots": 3, "counts": counts(vote, Red=3)}
    first = await site.call("POST", base, json=figures, expect=201)
    await site.call("DELETE", f"{base}/{first['id']}", expect=204)
    await site.call("POST", base, json=figures, expect=201)
    await site.to_phase(vote, "results")
    results = await site.call("GET", f"/api/votes/{vote['id']}/results", expect=200)
    assert results["ballots"] == 0 and {o["votes"] for o in results["options"]} == {0}


async def test_a_paper_voter_is_marked_once_in_the_register(site: Site) -> None:
    vote = await site.vote()
    await site.to_phase(vote, "voting")
    url = f"/api/votes/{vote['id']}/paper-voters"
    resident = str(site.residents["T-S1-C1"])

    marked = await site.call(
        "POST", url, json={"resident_id": resident, "station": "CC"}, expect=201
    )
    again = await site.call(
        "POST", url, json={"resident_id": resident, "station": "Hall"}, expect=409
    )
    outside = await site.call(
        "POST",
        url,
        json={"resident_id": str(site.residents["T-S2-C1"]), "station": "CC"},
        expect=422,
    )
    unknown = await site.call(
        "POST", url, json={"resident_id": str(uuid.uuid4()), "station": "CC"}, expect=422
    )

    assert marked["marked"] is True
    assert again["code"] == "already_voted"
    assert outside["code"] == "outside_area" and unknown["code"] == "unknown_resident"
    turnout = await site.call("GET", f"/api/votes/{vote['id']}/turnout", expect=200)
    assert (turnout["online"], turnout["paper"], turnout["eligible"]) == (0, 1, 6)
    by_area = {a["name"]: (a["voters"], a["eligible"]) for a in turnout["areas"]}
    assert by_area == {"Community 1.1": (1, 3), "Community 1.2": (0, 3)}
    # The register keeps a keyed hash of the resident, never their id.
    async with session_scope() as session:
        stored = (await session.scalars(select(Participation.voter_key))).one()
    assert stored == service.voter_key(uuid.UUID(vote["id"]), f"registry:{resident}")
    assert resident not in stored
