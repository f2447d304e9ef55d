"""Prepare a SQLite site with one of everything a resident sees, for the walk through every
resident page, and print what the test needs as JSON.

    python tests/web/seed_walk_site.py /tmp/x/linli.db

The test district (tests/factories) with a block in grid 1.1.1; a published notice, a bookable
facility, a proposal, an open budget vote and a vote with its results out, an open survey, an
upcoming meeting; two registry-verified residents at home in the block — one reading English with
large text and high contrast, one reading 简体中文 — each with a report of their own and a
session cookie.
"""

from __future__ import annotations

import asyncio
import json
import sys
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/: factories, residents
sys.path.insert(0, str(Path(__file__).resolve().parent))

from seed_survey_site import survey

from factories import make_district
from linli.cases import service as cases_service
from linli.core import clock, database, migrate
from linli.core.database import session_scope
from linli.participation.ballots import service as ballots
from linli.participation.ballots.schemas import OptionCreate, VoteCreate
from linli.participation.meetings import service as meetings
from linli.participation.meetings.schemas import MeetingCreate
from linli.participation.proposals import service as proposals
from linli.participation.surveys import service as surveys
from linli.registry import service as registry
from linli.registry.schemas import BuildingCreate
from linli.residents import service as residents_service
from linli.residents.bookings import service as bookings
from linli.residents.bookings.schemas import FacilityCreate
from linli.residents.models import ResidentAccount
from linli.residents.notices import service as notices
from linli.residents.notices.schemas import NoticeCreate, PublishRequest
from linli.residents.reports import service as reports
from linli.residents.types import Level
from linli.runtime.extensions import load_extensions
from linli.security.permissions import Grant, Principal


async def seed(path: str) -> dict[str, Any]:
    load_extensions()
    url = f"sqlite+aiosqlite:///{path}"
    await migrate.upgrade_async(url)
    database.init_engine(url)
    info: dict[str, Any] = {"cookies": {}}
    try:
        async with session_scope() as session:
            tree = await make_district(session)
            street, community = tree.unit("S1"), tree.unit("S1-C1")
            block = await registry.create_building(
                session, data=BuildingCreate(code="B1", name="Block 1", lon=113.82, lat=22.52)
            )
            assert block.org_path.startswith(community.path)
            staff = Principal(
                account_id=uuid.uuid4(), username="seed", display_name="Seed",
                grants=(Grant("admin", tree.district.id, tree.district.path),),
            )  # fmt: skip
            await cases_service.upsert_category(
                session, code="public.order.noise", name="Noise", name_zh="噪音", priority=3
            )
            notice = await notices.create_notice(
                session,
                data=NoticeCreate.model_validate(
                    {
                        "unit_id": community.id,
                        "texts": {
                            "en": {"title": "Lift B stops on Monday", "body": "9:00 to 17:00."},
                            "zh_Hans": {"title": "B梯周一停用", "body": "9:00至17:00。"},
                        },
                    }
                ),
                principal=staff,
            )
            await notices.publish_notice(session, notice.id, data=PublishRequest(), principal=staff)
            hall = await bookings.create_facility(
                session,
                data=FacilityCreate(
                    org_unit_id=community.id, kind="hall", name="Community hall",
                    name_zh="社区礼堂", location="Block 1, ground floor", fee_per_hour=0,
                    need_level=int(Level.PHONE),
                ),
                principal=staff,
            )  # fmt: skip
            options = [
                OptionCreate(title="Playground", cost=60),
                OptionCreate(title="Benches", cost=30),
            ]
            budget = await ballots.create_vote(
                session, principal=staff,
                data=VoteCreate(title="Street 1 budget", kind="budget", unit_id=street.id,
                                budget=100, currency="SGD", options=options),
            )  # fmt: skip
            await ballots.change_phase(session, budget.id, principal=staff, phase="voting")
            done = await ballots.create_vote(
                session, principal=staff,
                data=VoteCreate(title="Market day budget", kind="budget", unit_id=street.id,
                                budget=100, currency="SGD", options=options),
            )  # fmt: skip
            await ballots.change_phase(session, done.id, principal=staff, phase="voting")
            found = await surveys.create_survey(session, data=survey(community.id), principal=staff)
            await surveys.publish_survey(session, found.survey.id, principal=staff)
            start = clock.now() + timedelta(days=3)
            meeting = await meetings.plan_meeting(
                session,
                MeetingCreate(
                    unit_id=community.id, title="Residents' council, December", mode="in_person",
                    venue="Community hall", starts_at=start, ends_at=start + timedelta(hours=2),
                    capacity=60, agenda=["Lift repairs", "Winter market"],
                ),
                principal=staff,
            )  # fmt: skip
            accounts = {}
            for locale, name in (("en", "Tan Mei Ling"), ("zh_Hans", "林美")):
                account = ResidentAccount(
                    display_name=name, email=f"walk-{locale.lower()}@example.org",
                    phone="+6590000011" if locale == "en" else "+6590000012", locale=locale,
                    level=int(Level.REGISTRY), building_id=block.id, unit="05-123",
                    org_unit_id=block.org_unit_id, org_path=block.org_path,
                    verified_at=clock.now(), verified_by="seed",
                    large_text=locale == "en", high_contrast=locale == "en",
                )  # fmt: skip
                session.add(account)
                await session.flush()
                accounts[locale] = account
            actor = residents_service.actor_of(accounts["en"])
            chosen = (await ballots.view_vote(session, done)).options[0].id
            await ballots.cast_ballot(session, actor, done.id, [chosen])
            await ballots.change_phase(session, done.id, principal=staff, phase="results")
            proposal = await proposals.propose(
                session, actor, area_id=community.id, title="Shade over the bus stop",
                body="The afternoon sun is fierce while we wait.", display_name="Mdm Tan",
            )  # fmt: skip
            for locale, account in accounts.items():
                mine = await reports.report(
                    session, residents_service.actor_of(account),
                    text="Loud music from the flat above every night",
                    category_code="public.order.noise",
                )  # fmt: skip
                info.setdefault("reports", {})[locale] = str(mine.id)
                info["cookies"][locale], _ = await residents_service.start_session(session, account)
            info.update(
                notice_id=str(notice.id), facility_id=str(hall.id), budget_id=str(budget.id),
                results_id=str(done.id), survey_id=str(found.survey.id),
                meeting_id=str(meeting.id), ref=proposal.ref,
            )  # fmt: skip
    finally:
        await database.dispose_engine()
    return info


if __name__ == "__main__":
    print(json.dumps(asyncio.run(seed(sys.argv[1]))))
