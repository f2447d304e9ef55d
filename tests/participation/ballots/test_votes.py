"""Running a vote: creating it within one's subtree, its options, its phases (forward only)."""

from __future__ import annotations

from .conftest import Site


async def test_a_vote_is_created_in_its_ideas_phase_and_moves_forward_on_record(site: Site) -> None:
    vote = await site.vote()
    assert vote["phase"] == "ideas" and vote["need_level"] == "registry"
    assert [o["title"] for o in vote["options"]] == [
        "Playground",
        "Benches",
        "Bike racks",
        "Garden",
    ]

    await site.to_phase(vote, "review")
    await site.call(
        "POST", f"/api/votes/{vote['id']}/options", json={"title": "Shade", "cost": 10}, expect=201
    )
    await site.to_phase(vote, "voting", who="s1op2")
    detail = await site.call("GET", f"/api/votes/{vote['id']}", expect=200)

    assert detail["phase"] == "voting"
    assert [(p["from_phase"], p["to_phase"], p["actor"]) for p in detail["phases"]] == [
        (None, "ideas", "staff:s1op"),
        ("ideas", "review", "staff:s1op"),
        ("review", "voting", "staff:s1op2"),
    ]
    back = await site.call(
        "POST", f"/api/votes/{vote['id']}/phase", json={"phase": "review"}, expect=409
    )
    assert back["code"] == "phase_backwards"
    late = await site.call(
        "POST", f"/api/votes/{vote['id']}/options", json={"title": "Late", "cost": 1}, expect=409
    )
    assert late["code"] == "options_closed"


async def test_a_vote_refuses_rules_that_do_not_fit_its_kind(site: Site) -> None:
    unit = str(site.units["T-S1"].id)
    cases = [
        ({"kind": "budget", "options": [{"title": "A", "cost": 1}]}, "budget_needed"),
        ({"kind": "budget", "budget": 9, "options": [{"title": "A"}]}, "cost_needed"),
        ({"kind": "approval", "options": [{"title": "A", "cost": 3}]}, "cost_not_allowed"),
        ({"kind": "approval", "budget": 5}, "budget_not_allowed"),
        (
            {"kind": "approval", "voting_on": "2026-05-01", "review_on": "2026-06-01"},
            "dates_out_of_order",
        ),
    ]
    for body, code in cases:
        answer = await site.call(
            "POST", "/api/votes", json={"title": "T", "unit_id": unit, **body}, expect=422
        )
        assert answer["code"] == code, body
    listed = await site.call("GET", "/api/votes", expect=200)
    assert listed["items"] == []


async def test_votes_stay_in_their_subtree(site: Site) -> None:
    mine = await site.vote()
    theirs = await site.vote(unit="T-S2", who="s2op")

    listed = await site.call("GET", "/api/votes", expect=200)
    assert [v["id"] for v in listed["items"]] == [mine["id"]]
    assert (await site.call("GET", f"/api/votes/{theirs['id']}", expect=404))["code"] == (
        "vote_not_found"
    )
    refused = await site.call(
        "POST",
        "/api/votes",
        json={"title": "X", "kind": "approval", "unit_id": str(site.units["T-S2"].id)},
        expect=404,
    )
    assert refused["code"] == "unit_not_found"
    everything = await site.call("GET", "/api/votes", "admin", expect=200)
    assert {v["id"] for v in everything["items"]} == {mine["id"], theirs["id"]}
    # A grid worker does not run votes at all.
    await site.call("GET", "/api/votes", "gw", expect=403)


async def test_results_are_not_published_before_the_results_phase(site: Site) -> None:
    vote = await site.vote()
    await site.to_phase(vote, "voting")
    staff = await site.call("GET", f"/api/votes/{vote['id']}/results", "admin", expect=409)
    assert staff["code"] == "results_not_published"
    public = await site.client.get(f"/api/public/votes/{vote['id']}/results")
    assert public.status_code == 404


async def test_a_vote_without_options_cannot_open_for_voting(site: Site) -> None:
    vote = await site.vote(kind="approval", options=[])
    refused = await site.call(
        "POST", f"/api/votes/{vote['id']}/phase", json={"phase": "voting"}, expect=409
    )
    assert refused["code"] == "no_options"
    detail = await site.call("GET", f"/api/votes/{vote['id']}", expect=200)
    assert detail["phase"] == "ideas" and len(detail["phases"]) == 1
