"""Residents vote through the API and the pages with their own session: one ballot each, even
under a burst of double submissions; a paper voter cannot also vote online."""

from __future__ import annotations

import asyncio
import re
from typing import Any
from urllib.parse import urlencode

import httpx
from sqlalchemy import func, select, update

from linli.core.database import session_scope
from linli.participation.ballots.models import Ballot, Participation
from linli.residents.models import ResidentAccount
from linli.residents.types import Level
from residents.helpers import act_as, make_account, sign_in_resident

from .conftest import Site


async def counts() -> tuple[int, int]:
    async with session_scope() as session:
        return (
            int(await session.scalar(select(func.count()).select_from(Participation)) or 0),
            int(await session.scalar(select(func.count()).select_from(Ballot)) or 0),
        )


def another(client: httpx.AsyncClient) -> httpx.AsyncClient:
    """Return a second browser on the same app, with its own cookies."""
    from linli.web.app import create_app

    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=create_app()), base_url=str(client.base_url)
    )


def option_ids(vote: dict[str, Any], *titles: str) -> list[str]:
    return [o["id"] for o in vote["options"] if o["title"] in titles]


async def test_a_resident_votes_once_and_reads_a_receipt_without_the_choice(
    site: Site, client: httpx.AsyncClient
) -> None:
    vote = await site.vote()
    await site.to_phase(vote, "voting")
    resident = another(client)
    await sign_in_resident(resident, building=site.buildings["T-S1-C1"])

    listed = (await resident.get("/api/my/votes")).json()
    assert [v["id"] for v in listed["items"]] == [vote["id"]]
    cast = await resident.post(
        f"/api/my/votes/{vote['id']}/ballot",
        json={"option_ids": option_ids(vote, "Benches", "Bike racks")},
    )
    assert cast.status_code == 201, cast.text
    assert set(cast.json()) == {"vote_id", "counted", "channel", "by_proxy", "on"}
    again = await resident.post(
        f"/api/my/votes/{vote['id']}/ballot", json={"option_ids": option_ids(vote, "Garden")}
    )
    assert again.status_code == 409 and again.json()["code"] == "already_voted"
    receipt = await resident.get(f"/api/my/votes/{vote['id']}/receipt")
    assert receipt.status_code == 200 and receipt.json()["counted"] is True
    assert await counts() == (1, 1)

    phone_only = another(client)
    await sign_in_resident(phone_only, level=Level.PHONE, building=site.buildings["T-S1-C1"])
    refused = await phone_only.post(
        f"/api/my/votes/{vote['id']}/ballot", json={"option_ids": option_ids(vote, "Garden")}
    )
    assert refused.status_code == 403 and refused.json()["code"] == "verification_needed"
    elsewhere = another(client)
    await sign_in_resident(elsewhere, building=site.buildings["T-S2-C1"])
    assert (await elsewhere.get(f"/api/my/votes/{vote['id']}")).status_code == 404
    assert await counts() == (1, 1)


async def test_fifty_double_submissions_over_http_make_exactly_one_ballot(
    site: Site, client: httpx.AsyncClient
) -> None:
    vote = await site.vote()
    await site.to_phase(vote, "voting")
    await sign_in_resident(client, building=site.buildings["T-S1-C1"])
    url = f"/api/my/votes/{vote['id']}/ballot"

    async def double(n: int) -> list[int]:
        first, second = await asyncio.gather(
            client.post(url, json={"option_ids": option_ids(vote, "Benches")}),
            client.post(url, json={"option_ids": option_ids(vote, "Playground", "Bike racks")}),
        )
        return [first.status_code, second.status_code]

    answers = [s for pair in await asyncio.gather(*(double(n) for n in range(50))) for s in pair]

    assert len(answers) == 100
    assert answers.count(201) == 1
    assert set(answers) <= {201, 409, 429}  # 429: the server's admission turned a burst away
    assert await counts() == (1, 1)


async def test_a_paper_voter_cannot_also_vote_online(site: Site, client: httpx.AsyncClient) -> None:
    vote = await site.vote()
    await site.to_phase(vote, "voting")
    registered = site.residents["T-S1-C1"]
    account = await make_account(building=site.buildings["T-S1-C1"])
    async with session_scope() as session:
        await session.execute(
            update(ResidentAccount)
            .where(ResidentAccount.id == account.id)
            .values(registry_resident_id=registered)
        )
    await site.call(
        "POST",
        f"/api/votes/{vote['id']}/paper-voters",
        json={"resident_id": str(registered), "station": "CC"},
        expect=201,
    )
    await act_as(client, account)

    online = await client.post(
        f"/api/my/votes/{vote['id']}/ballot", json={"option_ids": option_ids(vote, "Garden")}
    )

    assert online.status_code == 409 and online.json()["code"] == "already_voted"
    receipt = await client.get(f"/api/my/votes/{vote['id']}/receipt")
    assert receipt.json()["channel"] == "paper"
    assert await counts() == (1, 0)


async def post_form(
    client: httpx.AsyncClient, url: str, fields: list[tuple[str, str]]
) -> httpx.Response:
    """Post a form as a browser does (a field may repeat: the ticked boxes)."""
    return await client.post(
        url,
        content=urlencode(fields),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )


async def test_the_ballot_page_adds_up_without_a_script_and_shows_the_receipt(
    site: Site, client: httpx.AsyncClient
) -> None:
    vote = await site.vote()
    await site.to_phase(vote, "voting")
    await sign_in_resident(client, building=site.buildings["T-S1-C1"])
    page_url = f"/my/budgets/{vote['id']}"
    form = await client.get(page_url)
    assert form.status_code == 200 and 'id="ballot-form"' in form.text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert csrf is not None
    ticked = [("option", i) for i in option_ids(vote, "Playground", "Garden")]
    body = [("csrf_token", csrf.group(1)), *ticked]

    total = await post_form(client, page_url, [*body, ("action", "total")])
    assert total.status_code == 200
    assert '<strong id="total-value">110</strong>' in total.text
    assert re.search(r'<p id="over-budget" class="error">', total.text)
    assert await counts() == (0, 0)
    over = await post_form(client, page_url, [*body, ("action", "cast")])
    assert over.status_code == 422 and 'id="ballot-error"' in over.text
    assert await counts() == (0, 0)

    fits = [("csrf_token", csrf.group(1)), ("option", option_ids(vote, "Garden")[0])]
    cast = await post_form(client, page_url, [*fits, ("action", "cast")])
    assert cast.status_code == 303
    receipt = await client.get(cast.headers["location"])
    assert 'id="receipt"' in receipt.text and "Your ballot was counted" in receipt.text
    assert "Garden —" not in receipt.text.split('id="receipt"')[1].split("</div>")[0]
    listing = await client.get("/my/budgets")
    assert vote["title"] in listing.text
