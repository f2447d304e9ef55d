"""The demo's participation, seeded through the rooms' services: proposals in each state, a
participatory budget open for voting and last half-year's with results, a survey with answers,
and council meetings (one past with minutes and decisions, next week's agenda)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from linli.cases.models import Case
from linli.core import clock
from linli.org.models import OrgUnit
from linli.participation.ballots import service as ballots_service
from linli.participation.ballots.schemas import OptionCreate, VoteCreate
from linli.participation.meetings import service as meetings_service
from linli.participation.meetings.schemas import DecisionCreate, MeetingCreate
from linli.participation.proposals import service as proposals_service
from linli.participation.surveys import service as surveys_service
from linli.participation.surveys.schemas import (
    AnswerIn,
    OptionIn,
    QuestionIn,
    ResponseIn,
    SurveyCreate,
    Texts,
)
from linli.residents import service as residents_service
from linli.residents.models import ResidentAccount
from linli.residents.types import ResidentActor
from linli.security.permissions import Principal
from linli.twin import community_data as data
from linli.twin.sites import SiteSpec


@dataclass
class People:
    daughter: ResidentAccount
    registry: ResidentAccount
    in_person: ResidentAccount
    senior: ResidentAccount

    def all(self) -> list[ResidentAccount]:
        return [self.daughter, self.registry, self.in_person, self.senior]


def actor_of(account: ResidentAccount) -> ResidentActor:
    return residents_service.actor_of(account)


async def seed_proposals(
    session: AsyncSession,
    unit: OrgUnit,
    staff: Principal,
    people: People,
    texts: data.SiteTexts,
    now: datetime,
) -> int:
    """Proposals not answered, under evaluation, accepted (a result in progress) and rejected."""
    authors = [people.daughter, people.in_person, people.senior, people.in_person]
    made = []
    for (title, body, place), author in zip(texts.proposals, authors, strict=True):
        made.append(
            await proposals_service.propose(
                session, actor_of(author), area_id=unit.id, title=title, body=body, place=place
            )
        )
    open_, evaluating, accepted, rejected = made
    for supporter in (people.in_person, people.senior):
        await proposals_service.support(session, actor_of(supporter), open_.ref)
    await proposals_service.support(session, actor_of(people.daughter), accepted.ref)
    for proposal, status in (
        (evaluating, "evaluating"),
        (accepted, "accepted"),
        (rejected, "rejected"),
    ):
        await proposals_service.answer(
            session, staff, proposal.id, status=status, text=texts.answers[status]
        )
    await proposals_service.set_progress(
        session, staff, accepted.id, percent=40, status_text=texts.progress
    )
    first, second = texts.milestones
    await proposals_service.add_milestone(
        session, staff, accepted.id, title=first, due_on=(now - timedelta(days=5)).date(),
        done_on=(now - timedelta(days=6)).date(),
    )  # fmt: skip
    await proposals_service.add_milestone(
        session, staff, accepted.id, title=second, due_on=(now + timedelta(days=20)).date()
    )
    case = await session.scalar(
        select(Case)
        .where(Case.org_path.like(f"{unit.path}%"))
        .order_by(Case.created_at.desc(), Case.id)
        .limit(1)
    )
    if case is not None:
        await proposals_service.link_case(session, staff, accepted.id, case_ref=case.ref)
    return len(made)


async def seed_budgets(
    session: AsyncSession,
    site: SiteSpec,
    unit: OrgUnit,
    staff: Principal,
    people: People,
    texts: data.SiteTexts,
    rng: random.Random,
) -> int:
    """A budget vote in its voting phase with some ballots (the registry-verified resident
    has not voted: the tour does), and last season's with its results published."""
    cast = 0
    for key, voters, phase in (
        ("past", [people.registry, people.in_person, people.senior], "results"),
        ("open", [people.in_person, people.senior], "voting"),
    ):
        budget = texts.budgets[key]
        vote = await ballots_service.create_vote(
            session,
            principal=staff,
            data=VoteCreate(
                title=budget.title,
                description=budget.description,
                kind="budget",
                unit_id=unit.id,
                budget=budget.amount,
                currency=texts.currency,
                need_level="registry",
            ),
        )
        options = [
            await ballots_service.add_option(
                session,
                vote.id,
                principal=staff,
                data=OptionCreate(title=title, description=description, cost=cost),
            )
            for title, description, cost in budget.options
        ]
        await ballots_service.change_phase(
            session, vote.id, principal=staff, phase="voting", note=texts.phase_note
        )
        for voter in voters:
            spent = 0
            picks = []
            for option, (_t, _d, cost) in sorted(
                zip(options, budget.options, strict=True), key=lambda _: rng.random()
            ):
                if spent + cost <= budget.amount:
                    picks.append(option.id)
                    spent += cost
            await ballots_service.cast_ballot(session, actor_of(voter), vote.id, picks)
            cast += 1
        if phase == "results":
            await ballots_service.change_phase(
                session, vote.id, principal=staff, phase="results", note=texts.results_note
            )
    return cast


async def seed_survey(
    session: AsyncSession,
    unit: OrgUnit,
    staff: Principal,
    people: People,
    texts: data.SiteTexts,
    now: datetime,
    rng: random.Random,
) -> int:
    """A survey of the unit, open for two weeks more, answered by three of the four people."""
    survey_texts = texts.survey
    created = await surveys_service.create_survey(
        session,
        principal=staff,
        data=SurveyCreate(
            title=Texts(**survey_texts.title),
            intro=Texts(**survey_texts.intro),
            unit_id=unit.id,
            min_level="signed_in",
            opens_at=now - timedelta(days=7),
            closes_at=now + timedelta(days=14),
            questions=[
                QuestionIn(
                    kind="scale",
                    required=True,
                    text=Texts(**text),
                    scale="1-5",
                    low_label=Texts(**survey_texts.low),
                    high_label=Texts(**survey_texts.high),
                    service=service,
                )
                for service, text in survey_texts.scales
            ]
            + [
                QuestionIn(
                    kind="single",
                    text=Texts(**survey_texts.choice),
                    options=[OptionIn(key=k, text=Texts(**t)) for k, t in survey_texts.options],
                ),
                QuestionIn(kind="text", text=Texts(**survey_texts.comment)),
            ],
        ),
    )
    await surveys_service.publish_survey(session, created.survey.id, principal=staff)
    questions = created.questions
    answered = 0
    for account in (people.daughter, people.in_person, people.senior):
        answers = []
        for question in questions:
            if question.kind == "scale":
                answers.append(AnswerIn(question_id=question.id, value=rng.choice((3, 4, 4, 5))))
            elif question.kind == "single":
                key = rng.choice([k for k, _t in survey_texts.options])
                answers.append(AnswerIn(question_id=question.id, choices=[key]))
        await surveys_service.submit_response(
            session, actor_of(account), created.survey.id, ResponseIn(answers=answers)
        )
        answered += 1
    return answered


async def seed_meetings(
    session: AsyncSession, unit: OrgUnit, staff: Principal, texts: data.SiteTexts, now: datetime
) -> int:
    """Last week's council meeting with its minutes and decisions, and next week's agenda."""
    meeting_texts = texts.meetings
    try:
        clock.install(clock.ManualClock(now - timedelta(days=10)))
        starts = now - timedelta(days=7)
        past = await meetings_service.plan_meeting(
            session,
            MeetingCreate(
                unit_id=unit.id, title=meeting_texts.past_title, mode="in_person",
                venue=meeting_texts.venue, starts_at=starts, ends_at=starts + timedelta(hours=2),
            ),
            principal=staff,
        )  # fmt: skip
        items = [
            await meetings_service.add_agenda_item(session, past, title, principal=staff)
            for title in meeting_texts.past_agenda
        ]
        clock.install(clock.ManualClock(starts))
        await meetings_service.set_status(session, past, "live", principal=staff)
        for item, minute in zip(items, meeting_texts.minutes, strict=True):
            await meetings_service.add_minute(
                session, past, text=minute, agenda_item_id=item.id, public=True, principal=staff
            )
        for item, decision in zip(items, meeting_texts.decisions, strict=True):
            await meetings_service.add_decision(
                session,
                past,
                DecisionCreate(
                    text=decision, agenda_item_id=item.id, owner_unit_id=unit.id,
                    due_on=(now + timedelta(days=21)).date(),
                ),
                principal=staff,
            )  # fmt: skip
        clock.install(clock.ManualClock(starts + timedelta(hours=2)))
        await meetings_service.set_status(session, past, "ended", principal=staff)
        await meetings_service.publish_minutes(session, past, principal=staff)
    finally:
        clock.install(clock.ManualClock(now))
    starts = now + timedelta(days=6)
    upcoming = await meetings_service.plan_meeting(
        session,
        MeetingCreate(
            unit_id=unit.id, title=meeting_texts.next_title, mode="hybrid",
            venue=meeting_texts.venue, starts_at=starts, ends_at=starts + timedelta(hours=2),
        ),
        principal=staff,
    )  # fmt: skip
    for title in meeting_texts.next_agenda:
        await meetings_service.add_agenda_item(session, upcoming, title, principal=staff)
    return 2
