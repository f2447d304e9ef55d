"""Residents answer: the surveys of their area, one response each, changed until the survey
closes; a response is checked whole before anything is stored.

Each survey's need is its audience: `Need(Level(min_level), area_path)`. A survey outside the
resident's area answers like a missing one; one needing a higher level says so (403
`verification_needed`). Someone acting for a senior with consent answers as them, and the
response's `actor` records both ("resident:<proxy> for resident:<senior>").
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from linli.core import clock
from linli.participation.surveys import repository
from linli.participation.surveys.errors import BadAnswer, SurveyNotFound, SurveyNotOpen
from linli.participation.surveys.models import (
    Survey,
    SurveyAnswer,
    SurveyQuestion,
    SurveyResponse,
)
from linli.participation.surveys.schemas import AnswerIn, ResponseIn
from linli.participation.surveys.state import state_of
from linli.residents.types import Level, Need, ResidentActor
from linli.security import audit

SEE = Need(Level.SIGNED_IN)  # any signed-in resident may look at their area's surveys


def need_of(survey: Survey) -> Need:
    """Return what answering the survey needs: its audience's level, a home in its area."""
    return Need(Level(survey.min_level), survey.org_path)


@dataclass(frozen=True, slots=True)
class Listed:
    survey: Survey
    answered: bool


@dataclass(frozen=True, slots=True)
class Answering:
    """A survey as its resident sees it, with their answers so far by question id."""

    survey: Survey
    questions: list[SurveyQuestion]
    response: SurveyResponse | None
    answers: dict[uuid.UUID, SurveyAnswer]
    state: str


async def my_surveys(session: AsyncSession, actor: ResidentActor) -> list[Listed]:
    """Return the open surveys the resident may answer, closing soonest first."""
    actor.require(SEE)
    found = [
        s
        for s in await repository.open_for_home(session, actor.org_path, clock.now())
        if actor.meets(need_of(s))
    ]
    done = await repository.answered(session, [s.id for s in found], actor.account_id)
    return [Listed(s, s.id in done) for s in found]


async def _survey(
    session: AsyncSession, actor: ResidentActor, survey_id: uuid.UUID, *, lock: bool = False
) -> Survey:
    actor.require(SEE)
    survey = await session.get(Survey, survey_id, with_for_update=lock)
    if survey is None or survey.status == "draft":
        raise SurveyNotFound()
    if not actor.meets(Need(area_path=survey.org_path)):
        raise SurveyNotFound()  # another area's survey: as if there were none
    actor.require(need_of(survey))
    return survey


async def survey_for_resident(
    session: AsyncSession, actor: ResidentActor, survey_id: uuid.UUID
) -> Answering:
    """Return a survey of the resident's area with their answers so far."""
    survey = await _survey(session, actor, survey_id)
    return await _answering(session, actor, survey)


async def _answering(session: AsyncSession, actor: ResidentActor, survey: Survey) -> Answering:
    questions = await repository.questions(session, survey.id)
    response = await repository.response_of(session, survey.id, actor.account_id)
    answers = await repository.answers(session, response.id) if response else []
    return Answering(
        survey,
        questions,
        response,
        {a.question_id: a for a in answers},
        state_of(survey, clock.now()),
    )


def _answer(q: SurveyQuestion, given: AnswerIn) -> SurveyAnswer | None:
    """Return the stored answer (None: left unanswered) or raise BadAnswer naming `q`."""

    def bad(detail: str, code: str = "bad_answer") -> BadAnswer:
        return BadAnswer(q.id, q.position, detail, code=code)

    choices = [c for c in (given.choices or []) if c]
    text = (given.text or "").strip()
    if q.kind in ("single", "multiple"):
        if given.value is not None or text:
            raise bad("a choice question is answered with choices")
        if not choices:
            return None
        keys = {str(o["key"]) for o in q.options}
        if len(set(choices)) != len(choices) or not set(choices) <= keys:
            raise bad("choose among the question's options", "bad_choice")
        if q.kind == "single" and len(choices) != 1:
            raise bad("choose one option", "one_choice")
        return SurveyAnswer(question_id=q.id, choices=choices)
    if q.kind == "scale":
        if choices or text:
            raise bad("a scale question is answered with a number")
        if given.value is None:
            return None
        low, high = q.scale_min or 0, q.scale_max or 0
        if not low <= given.value <= high:
            raise bad(f"choose a value from {low} to {high}", "out_of_scale")
        return SurveyAnswer(question_id=q.id, value=given.value)
    if choices or given.value is not None:
        raise bad("a text question is answered with text")
    return SurveyAnswer(question_id=q.id, text=text) if text else None


def check_answers(questions: list[SurveyQuestion], given: list[AnswerIn]) -> list[SurveyAnswer]:
    """Return the answers to store, or raise BadAnswer for the first question in order that is
    answered wrongly, twice, or not at all though required."""
    by_id = {q.id: q for q in questions}
    given_for: dict[uuid.UUID, AnswerIn] = {}
    for answer in given:
        q = by_id.get(answer.question_id)
        if q is None:
            raise BadAnswer(
                answer.question_id, 0, "not a question of this survey", code="no_such_question"
            )
        if answer.question_id in given_for:
            raise BadAnswer(q.id, q.position, "answered twice", code="answered_twice")
        given_for[answer.question_id] = answer
    kept = []
    for q in questions:
        found = given_for.get(q.id)
        stored = _answer(q, found) if found is not None else None
        if stored is None and q.required:
            raise BadAnswer(
                q.id, q.position, "this question needs an answer", code="answer_required"
            )
        if stored is not None:
            kept.append(stored)
    return kept


async def submit_response(
    session: AsyncSession, actor: ResidentActor, survey_id: uuid.UUID, data: ResponseIn
) -> Answering:
    """Store the resident's answers, replacing earlier ones, while the survey is open."""
    survey = await _survey(session, actor, survey_id)
    now = clock.now()
    state = state_of(survey, now)
    if state != "open":
        raise SurveyNotOpen(state)
    questions = await repository.questions(session, survey.id)
    kept = check_answers(questions, data.answers)
    response = await repository.response_of(session, survey.id, actor.account_id, for_update=True)
    if response is None:
        try:
            async with session.begin_nested():
                session.add(
                    SurveyResponse(
                        survey_id=survey.id,
                        account_id=actor.account_id,
                        actor=actor.actor,
                        org_path=actor.org_path,
                        created_at=now,
                        updated_at=now,
                    )
                )
        except IntegrityError:
            pass  # the same resident's other request made it first: this one replaces its answers
        response = await repository.response_of(
            session, survey.id, actor.account_id, for_update=True
        )
        assert response is not None
    await session.execute(delete(SurveyAnswer).where(SurveyAnswer.response_id == response.id))
    for answer in kept:
        answer.response_id = response.id
    session.add_all(kept)
    response.actor, response.org_path, response.updated_at = actor.actor, actor.org_path, now
    await session.flush()
    await audit.record(
        session,
        actor=actor.actor,
        action="survey.answer",
        target_type="survey",
        target_id=str(survey.id),
        org_path=survey.org_path,
        detail={"proxy": actor.is_proxy},
    )
    return Answering(survey, questions, response, {a.question_id: a for a in kept}, state)
