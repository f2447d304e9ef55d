"""A staff account holding every permission cannot learn who voted for what: not through any
route of the API, any page, the audit log or the stored rows' shape."""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

from sqlalchemy import inspect, select

from linli.core.database import get_engine, session_scope
from linli.participation.ballots import service
from linli.participation.ballots.models import Ballot, BallotChoice
from linli.security.permissions import PERMISSIONS, ROLES

from .conftest import Site

PARAM = re.compile(r"\{([^}:]+)(?::[^}]+)?\}")
# Pages that show a vote to staff, residents or the public (none may show a ballot).
PAGES = ("/community/votes", "/community/votes/{vote_id}", "/votes/{vote_id}/results")


async def voted_world(site: Site) -> dict[str, Any]:
    """Two residents who chose differently, a paper voter and a confirmed paper batch, results
    published."""
    vote = await site.vote(kind="approval")
    await site.to_phase(vote, "voting")
    ids = {o["title"]: o["id"] for o in vote["options"]}
    alice, bob = site.resident("T-S1-C1"), site.resident("T-S1-C2")
    async with session_scope() as session:
        await service.cast_ballot(session, alice, uuid.UUID(vote["id"]), [uuid.UUID(ids["Red"])])
        await service.cast_ballot(session, bob, uuid.UUID(vote["id"]), [uuid.UUID(ids["Blue"])])
    await site.call(
        "POST",
        f"/api/votes/{vote['id']}/paper-voters",
        json={"resident_id": str(site.residents["T-S1-C2"]), "station": "CC"},
        expect=201,
    )
    batch = {
        "station": "CC",
        "batch": 1,
        "ballots": 1,
        "counts": [{"option_id": ids["Green"], "count": 1}],
    }
    entered = await site.call(
        "POST", f"/api/votes/{vote['id']}/paper-batches", json=batch, expect=201
    )
    await site.call(
        "POST",
        f"/api/votes/{vote['id']}/paper-batches/{entered['id']}/confirm",
        "s1op2",
        json={k: v for k, v in batch.items() if k in ("ballots", "counts")},
        expect=200,
    )
    await site.to_phase(vote, "results")
    return {"vote": vote, "ids": ids, "alice": alice, "bob": bob, "batch": entered["id"]}


async def test_the_admin_reads_every_route_and_page_and_never_sees_who_chose_what(
    site: Site,
) -> None:
    assert ROLES["admin"] == PERMISSIONS
    world = await voted_world(site)
    vote, ids = world["vote"], world["ids"]
    async with session_scope() as session:
        ballot_ids = {str(b) for b in await session.scalars(select(Ballot.id))}
    assert len(ballot_ids) == 2

    params = {"vote_id": vote["id"], "batch_id": world["batch"]}
    spec = (await site.client.get("/api/openapi.json", headers=site.h("admin"))).json()
    urls = [
        path
        for path, ops in spec["paths"].items()
        if "get" in ops and set(PARAM.findall(path)) <= set(params) and "/events/" not in path
    ]
    urls += list(PAGES)
    assert "/api/votes/{vote_id}/results" in urls and "/api/audit" in urls
    texts: dict[str, str] = {}
    for template in urls:
        url = PARAM.sub(lambda m: params[m.group(1)], template)
        resp = await site.client.get(url, headers=site.h("admin"), params={"limit": 200})
        if resp.status_code == 200:
            texts[url] = resp.text
    # The audit log is read entry by entry: an entry may say who took part, never what they chose.
    entries = {
        f"/api/audit#{e['seq']}": json.dumps(e)
        for e in json.loads(texts.pop("/api/audit"))["items"]
    }
    assert any(f"resident:{world['alice'].account_id}" in e for e in entries.values())
    assert len(entries) < 200
    for url, text in (texts | entries).items():
        for ballot in ballot_ids:
            assert ballot not in text, url
        # …but nothing that names a voter names what they chose.
        for who, chose in ((world["alice"], "Red"), (world["bob"], "Blue")):
            if str(who.account_id) in text:
                assert ids[chose] not in text and chose not in text, url
    results = texts[f"/api/votes/{vote['id']}/results"]
    assert '"votes":1' in results  # the counts themselves are published


async def test_a_ballot_row_holds_nothing_about_its_voter_or_its_time(site: Site) -> None:
    await voted_world(site)
    engine = get_engine()
    async with engine.connect() as conn:
        columns = await conn.run_sync(
            lambda c: {
                t: {col["name"] for col in inspect(c).get_columns(t)}
                for t in ("ballot", "ballot_choice")
            }
        )
    assert columns == {
        "ballot": {"id", "vote_id"},
        "ballot_choice": {"ballot_id", "option_id", "vote_id"},
    }
    async with session_scope() as session:
        ballots = list(await session.scalars(select(Ballot.id)))
        choices = list(await session.scalars(select(BallotChoice.ballot_id)))
    # Random ids (version 4), unlike the time-ordered ids of every other record.
    assert {b.version for b in ballots} == {4}
    assert set(choices) == set(ballots)
