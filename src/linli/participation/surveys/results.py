"""Results for staff: per question the answers counted (per choice or scale value), the mean
of a scale, the free-text answers (never with names), the response rate of the audience, and
every response as CSV (numbered, without the resident)."""

from __future__ import annotations

import csv
import io
import uuid
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from linli.participation.surveys import repository
from linli.participation.surveys.errors import SurveyNotFound
from linli.participation.surveys.models import Survey, SurveyAnswer, SurveyQuestion, text_in
from linli.security.permissions import Principal

MAX_TEXTS = 1000  # free-text answers listed per question (the CSV has them all)


@dataclass
class QuestionResult:
    """What the answers to one question add up to."""

    question: SurveyQuestion
    answered: int = 0
    counts: dict[str, int] = field(default_factory=dict)  # option key or scale value → count
    total: int = 0  # sum of the scale values
    texts: list[str] = field(default_factory=list)

    @property
    def mean(self) -> float | None:
        return (
            self.total / self.answered if self.question.kind == "scale" and self.answered else None
        )


@dataclass
class Results:
    survey: Survey
    responses: int
    audience: int
    questions: list[QuestionResult]

    @property
    def response_rate(self) -> float | None:
        return self.responses / self.audience if self.audience else None


async def _readable(session: AsyncSession, survey_id: uuid.UUID, principal: Principal) -> Survey:
    survey = await session.get(Survey, survey_id)
    if survey is None or not principal.can("surveys:read", survey.org_path):
        raise SurveyNotFound()
    return survey


def _empty(q: SurveyQuestion) -> QuestionResult:
    result = QuestionResult(q)
    if q.kind in ("single", "multiple"):
        result.counts = {str(o["key"]): 0 for o in q.options}
    elif q.kind == "scale" and q.scale_min is not None and q.scale_max is not None:
        result.counts = {str(v): 0 for v in range(q.scale_min, q.scale_max + 1)}
    return result


def _add(result: QuestionResult, answer: SurveyAnswer) -> None:
    result.answered += 1
    if answer.choices:
        for key in answer.choices:
            result.counts[key] = result.counts.get(key, 0) + 1
    elif answer.value is not None:
        result.counts[str(answer.value)] = result.counts.get(str(answer.value), 0) + 1
        result.total += answer.value
    elif answer.text and len(result.texts) < MAX_TEXTS:
        result.texts.append(answer.text)


async def survey_results(
    session: AsyncSession, survey_id: uuid.UUID, *, principal: Principal
) -> Results:
    """Return the survey's results so far."""
    survey = await _readable(session, survey_id, principal)
    questions = await repository.questions(session, survey.id)
    by_id = {q.id: _empty(q) for q in questions}
    for _rid, _actor, _at, answer in await session.execute(repository.survey_answers(survey.id)):
        if answer is not None and answer.question_id in by_id:
            _add(by_id[answer.question_id], answer)
    return Results(
        survey,
        await repository.count_responses(session, survey.id),
        await repository.count_audience(session, survey.org_path),
        [by_id[q.id] for q in questions],
    )


def _cell(q: SurveyQuestion, answer: SurveyAnswer | None) -> str:
    if answer is None:
        return ""
    if answer.choices:
        return ";".join(answer.choices)
    if answer.value is not None:
        return str(answer.value)
    return answer.text or ""


async def results_csv(
    session: AsyncSession,
    survey_id: uuid.UUID,
    *,
    principal: Principal,
    locale: str,
    timezone: str,
) -> str:
    """Return every response as a CSV row: its number, when it was last changed (ISO 8601 in
    the site's zone), whether someone answered for the resident, one column per question."""
    survey = await _readable(session, survey_id, principal)
    questions = await repository.questions(session, survey.id)
    out = io.StringIO()
    writer = csv.writer(out)
    zone = ZoneInfo(timezone)
    writer.writerow(
        ["response", "answered_at", "proxy"]
        + [f"Q{q.position} {text_in(q.text, locale)}" for q in questions]
    )
    rows: dict[uuid.UUID, tuple[str, bool, dict[uuid.UUID, SurveyAnswer]]] = {}
    for rid, actor, at, answer in await session.execute(repository.survey_answers(survey.id)):
        when = at.astimezone(zone).isoformat(timespec="minutes")
        entry = rows.setdefault(rid, (when, " for " in actor, {}))
        if answer is not None:
            entry[2][answer.question_id] = answer
    for n, (when, proxy, answers) in enumerate(rows.values(), start=1):
        writer.writerow(
            [str(n), when, "yes" if proxy else "no"]
            + [_cell(q, answers.get(q.id)) for q in questions]
        )
    return out.getvalue()
