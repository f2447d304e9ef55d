"""The vote pages work as plain forms (no script): staff create a vote, move it, enter and
confirm paper batches; anybody reads the published results."""

from __future__ import annotations

import re
import uuid

import httpx

from linli.core.database import session_scope
from linli.participation.ballots import service

from .conftest import Site


async def post(site: Site, url: str, who: str, data: dict[str, str]) -> httpx.Response:
    return await site.client.post(url, data=data, headers=site.h(who))


async def test_an_officer_runs_a_budget_vote_from_the_pages(site: Site) -> None:
    created = await post(
        site,
        "/community/votes",
        "s1op",
        {
            "title": "Street 1 budget",
            "kind": "budget",
            "unit_id": str(site.units["T-S1"].id),
            "budget": "100",
            "currency": "SGD",
            "need_level": "registry",
            "voting_on": "2026-03-09",
            "options": "Playground; 60\nBenches; 30\n\nGarden; 50",
        },
    )
    assert created.status_code == 303
    url = created.headers["location"].split("?")[0]
    vote_id = url.rsplit("/", 1)[1]
    page = await site.client.get(url, headers=site.h("s1op"))
    assert page.status_code == 200
    assert re.findall(r"<li>(\w+) — ", page.text) == ["Playground", "Benches", "Garden"]

    moved = await post(site, f"{url}/phase", "s1op", {"phase": "voting", "note": "Open"})
    assert moved.status_code == 303
    vote = await site.call("GET", f"/api/votes/{vote_id}", expect=200)
    counts = {f"count_{o['id']}": n for o, n in zip(vote["options"], ("2", "1", "0"), strict=True)}
    entered = await post(
        site,
        f"{url}/paper-batches",
        "s1op",
        {"station": "CC", "batch": "1", "ballots": "2", **counts},
    )
    assert entered.status_code == 303
    (batch,) = await site.call("GET", f"/api/votes/{vote_id}/paper-batches", expect=200)
    # The same officer cannot confirm: the page says why.
    refused = await post(
        site, f"{url}/paper-batches/{batch['id']}/confirm", "s1op", {"ballots": "2", **counts}
    )
    assert refused.status_code == 409
    assert "A second officer must confirm the batch" in refused.text
    confirmed = await post(
        site, f"{url}/paper-batches/{batch['id']}/confirm", "s1op2", {"ballots": "2", **counts}
    )
    assert confirmed.status_code == 303
    async with session_scope() as session:
        await service.cast_ballot(
            session, site.resident(), uuid.UUID(vote_id), [uuid.UUID(vote["options"][1]["id"])]
        )
    hidden = await site.client.get(f"/votes/{vote_id}/results")
    assert hidden.status_code == 404
    await post(site, f"{url}/phase", "s1op", {"phase": "results"})

    public = await site.client.get(f"/votes/{vote_id}/results?lang=en")

    assert public.status_code == 200
    assert "3 ballots were counted" in public.text and "2 on paper" in public.text
    assert "ranked by votes" in public.text
    rows = re.findall(
        r'<tr data-funded="(\w+)"><td>(\d)</td><th scope="row">(\w+)</th>', public.text
    )
    # Benches and Playground tie at 2 votes (the cheaper first) and both fit: 90 of 100.
    assert rows == [("True", "1", "Benches"), ("True", "1", "Playground"), ("False", "3", "Garden")]
    staff_page = await site.client.get(url, headers=site.h("s1op"))
    assert "Took part" in staff_page.text and "Playground 2, Benches 1, Garden 0" in staff_page.text


async def test_a_refused_vote_form_says_why_in_the_readers_language(site: Site) -> None:
    answer = await post(
        site,
        "/community/votes?lang=zh_Hans",
        "s1op",
        {"title": "X", "kind": "budget", "unit_id": str(site.units["T-S1"].id), "options": "A; 5"},
    )
    assert answer.status_code == 422
    assert 'id="vote-error"' in answer.text
    listed = await site.client.get("/community/votes", headers=site.h("s2op"))
    assert listed.status_code == 200 and "No votes yet." in listed.text


async def test_the_public_results_read_in_chinese(site: Site) -> None:
    vote = await site.vote()
    await site.to_phase(vote, "voting")
    await site.to_phase(vote, "results")

    page = await site.client.get(f"/votes/{vote['id']}/results?lang=zh_Hans")

    assert page.status_code == 200
    assert "项目如何获得资助" in page.text and "投票率" in page.text
    assert "How projects are funded" not in page.text
