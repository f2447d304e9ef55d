"""The demo's resident side (`linli.twin.community`): what the README's resident tour finds.

Both demo sites are loaded small and their resident side seeded once per backend at a fixed
"now" (without the month of history: no case to follow); the tests read it back through the
services the resident pages use, as the listed residents.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from argon2 import PasswordHasher

from factories import empty_tables
from linli.core import clock, database
from linli.core.database import session_scope
from linli.core.pagination import PageQuery
from linli.participation.ballots import service as ballots_service
from linli.participation.surveys import service as surveys_service
from linli.residents import service as residents_service
from linli.residents.bookings import service as bookings_service
from linli.residents.codes import service as codes
from linli.residents.notices import service as notices_service
from linli.residents.proxies import service as proxies_service
from linli.residents.types import Level
from linli.rules.notifications.config import get_notify_settings
from linli.security import service as security_service
from linli.twin import community, demo
from linli.twin import community_data as data
from linli.twin.geography import baoan_district, sengkang_town

NOW = datetime(2026, 3, 31, 6, 0, tzinfo=UTC)
PASSWORD = "linli-demo-test"


@dataclass
class Seeded:
    counts: dict[str, community.Seeded]


@pytest.fixture(scope="module")
async def seeded(database_url: str) -> AsyncIterator[Seeded]:
    database.init_engine(database_url) if database._url is None else None
    sites = {
        "grid": baoan_district(scale=0.02),
        "town": sengkang_town(data_dir=None, scale=0.05),
    }
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(security_service, "_hasher", PasswordHasher(time_cost=1, memory_cost=64))
        async with session_scope() as session:
            await demo.load_categories(session)
            for site in sites.values():
                await demo.load_site(session, site, password=PASSWORD)
        counts = {p: await community.seed_site(s, now=NOW) for p, s in sites.items()}
        again = await community.seed_site(sites["grid"], now=NOW)
    assert again.accounts == 0, "seeding twice adds nothing"
    yield Seeded(counts)
    await empty_tables()


@pytest.mark.parametrize("profile", ["grid", "town"])
async def test_the_listed_residents_sign_in_and_find_their_community(
    seeded: Seeded, profile: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("LINLI_NOTIFY_SMS_GATEWAY", "file")
    monkeypatch.setenv("LINLI_NOTIFY_OUTBOX_DIR", str(tmp_path))
    get_notify_settings.cache_clear()
    counts = seeded.counts[profile]
    assert (counts.accounts, counts.notices, counts.bookings) == (4, 3, 4)
    assert counts.proposals == 4 and counts.responses == 3
    assert counts.meetings == 2, "a past council meeting with minutes, and the next one"
    people = data.PEOPLE[profile]
    previous = clock.install(clock.ManualClock(NOW + timedelta(minutes=5)))
    try:
        async with session_scope() as session:
            levels = []
            for person in people:
                account = await residents_service.account_with_contact(
                    session, codes.parse_contact(person.phone)
                )
                assert account is not None and account.org_path
                levels.append(Level(account.level))
            assert levels == [Level.PHONE, Level.REGISTRY, Level.IN_PERSON, Level.IN_PERSON]

        # The tour's resident signs in with the code sent to their phone.
        tourist = people[1]
        async with session_scope() as session:
            await codes.request_code(session, contact=tourist.phone, client="test")
        sent = [json.loads(line) for line in (tmp_path / "sms.jsonl").read_text().splitlines()]
        code = re.search(r"\b(\d{6})\b", sent[-1]["body"])
        assert code is not None and sent[-1]["to"] == tourist.phone
        async with session_scope() as session:
            signed = await residents_service.sign_in(
                session, contact=tourist.phone, code=code.group(1), client="test"
            )
            actor = residents_service.actor_of(signed.account)
            assert actor.level == Level.REGISTRY

            notices = await notices_service.my_notices(session, actor)
            assert len(notices.items) >= 1, "the notice to the whole unit reaches them"
            open_votes = await ballots_service.open_votes(session, actor, paging=PageQuery())
            budget = next(v for v in open_votes.items if v.kind == "budget")
            assert budget.phase == "voting"
            options = (await ballots_service.view_vote(session, budget)).options
            cheapest = min(options, key=lambda o: o.cost or 0)
            receipt = await ballots_service.cast_ballot(session, actor, budget.id, [cheapest.id])
            assert receipt.counted, "the verified resident may vote in the open budget"
            facilities = await bookings_service.resident_facilities_page(
                session, actor, paging=PageQuery()
            )
            assert {f.kind for f in facilities.items} >= {"hall", "court"}
            surveys = await surveys_service.my_surveys(session, actor)
            assert surveys, "the survey of the unit is open to them"

        async with session_scope() as session:
            daughter = await residents_service.account_with_contact(
                session, codes.parse_contact(people[0].phone)
            )
            assert daughter is not None
            consents = await proxies_service.consents_of(session, daughter.id)
            assert len(consents) == 1, "the daughter acts for the senior with recorded consent"
    finally:
        clock.install(previous)
        get_notify_settings.cache_clear()


async def test_the_logins_list_the_residents_sign_ins(
    seeded: Seeded, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from linli.twin import demo_cli

    try:
        await demo_cli._logins()
    finally:
        database.init_engine(database_url)  # the command let go of the test's database
    out = capsys.readouterr().out
    assert "Resident sign-ins at /my/sign-in" in out
    for profile in ("grid", "town"):
        for person in data.PEOPLE[profile]:
            assert person.phone in out and person.name in out
    assert out.count("registry") == 2, "one resident of each site matched to the register"
    assert "the sign-in page shows the code" in " ".join(out.split())
