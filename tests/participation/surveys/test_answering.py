"""Residents answer a survey of their area: once each, changed until it closes, all or nothing,
proxies named; driven through the service with `ResidentActor`s as the resident API does."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from linli.core import clock as clock_mod
from linli.core.database import session_scope
from linli.core.errors import Forbidden, LinliError
from linli.participation.surveys import service
from linli.participation.surveys.errors import BadAnswer, SurveyNotFound, SurveyNotOpen
from linli.participation.surveys.models import SurveyAnswer, SurveyResponse
from linli.participation.surveys.schemas import AnswerIn, ResponseIn
from linli.residents.types import Level, ResidentActor
from linli.security.models import AuditEntry

from .conftest import Site, survey_body


def answers(survey: dict[str, Any], **given: Any) -> ResponseIn:
    """Return a response answering question n (q1…q5) with what is given."""
    ids = [q["id"] for q in survey["questions"]]
    found = []
    for name, value in given.items():
        qid = uuid.UUID(ids[int(name[1:]) - 1])
        if isinstance(value, list):
            found.append(AnswerIn(question_id=qid, choices=value))
        elif isinstance(value, int):
            found.append(AnswerIn(question_id=qid, value=value))
        else:
            found.append(AnswerIn(question_id=qid, text=value))
    return ResponseIn(answers=found)


async def submit(actor: ResidentActor, survey: dict[str, Any], data: ResponseIn) -> Any:
    async with session_scope() as session:
        return await service.submit_response(session, actor, uuid.UUID(survey["id"]), data)


async def stored(survey: dict[str, Any]) -> list[tuple[str, list[str] | None, int | None]]:
    async with session_scope() as session:
        rows = await session.execute(
            select(SurveyResponse.actor, SurveyAnswer.choices, SurveyAnswer.value)
            .join(SurveyAnswer, SurveyAnswer.response_id == SurveyResponse.id)
            .where(SurveyResponse.survey_id == uuid.UUID(survey["id"]))
        )
        found = [(actor, choices, value) for actor, choices, value in rows]
    # Choices first, then values: the same order on both databases.
    return sorted(found, key=lambda r: (r[0], r[2] is not None, r[2] or 0))


async def test_a_resident_answers_and_changes_their_answers_until_close(site: Site) -> None:
    survey = await site.published()
    ann = site.resident()
    async with session_scope() as session:
        (listed,) = await service.my_surveys(session, ann)
    assert listed.survey.id == uuid.UUID(survey["id"]) and not listed.answered

    await submit(
        ann, survey, answers(survey, q1=["bus"], q2=["gym", "clinic"], q3=2, q5="More bins")
    )
    await submit(ann, survey, answers(survey, q1=["walk"], q3=4, q4=9))
    async with session_scope() as session:
        (listed,) = await service.my_surveys(session, ann)
        mine = await service.survey_for_resident(session, ann, uuid.UUID(survey["id"]))
    assert listed.answered
    by_position = {q.position: mine.answers.get(q.id) for q in mine.questions}
    assert by_position[1] is not None and by_position[1].choices == ["walk"]
    assert by_position[2] is None and by_position[5] is None  # the second answer replaced all
    assert by_position[3] is not None and by_position[3].value == 4
    async with session_scope() as session:
        count = await session.scalar(select(func.count()).select_from(SurveyResponse))
    assert count == 1


@pytest.mark.parametrize(
    ("bad", "position", "code"),
    [
        ({"q1": ["bus", "walk"]}, 1, "one_choice"),
        ({"q1": ["plane"]}, 1, "bad_choice"),
        ({"q2": ["gym", "gym"]}, 2, "bad_choice"),
        ({"q3": 6}, 3, "out_of_scale"),
        ({"q4": -1}, 4, "out_of_scale"),
        ({"q3": "clean"}, 3, "bad_answer"),
        ({"q3": None}, 3, "answer_required"),
    ],
)
async def test_an_invalid_answer_refuses_the_whole_response(
    site: Site, bad: dict[str, Any], position: int, code: str
) -> None:
    survey = await site.published()
    ann = site.resident()
    await submit(ann, survey, answers(survey, q1=["bus"], q3=3))
    given = {"q1": ["cycle"], "q3": 5, "q5": "Lights on the path"} | bad
    given = {k: v for k, v in given.items() if v is not None}
    with pytest.raises(BadAnswer) as refused:
        await submit(ann, survey, answers(survey, **given))
    assert refused.value.status == 422 and refused.value.code == code
    question = survey["questions"][position - 1]
    assert refused.value.extra == {"question_id": question["id"], "position": position}
    assert await stored(survey) == [("resident:" + str(ann.account_id), ["bus"], None),
                                    ("resident:" + str(ann.account_id), None, 3)]  # fmt: skip


async def test_a_question_from_another_survey_or_twice_is_refused(site: Site) -> None:
    survey = await site.published()
    other = await site.published()
    ann = site.resident()
    mixed = answers(survey, q1=["bus"], q3=3)
    mixed.answers.append(answers(other, q5="elsewhere").answers[0])
    with pytest.raises(BadAnswer) as refused:
        await submit(ann, survey, mixed)
    assert refused.value.code == "no_such_question"
    twice = answers(survey, q1=["bus"], q3=3)
    twice.answers.append(twice.answers[1])
    with pytest.raises(BadAnswer) as refused:
        await submit(ann, survey, twice)
    assert refused.value.code == "answered_twice"
    assert await stored(survey) == []


async def test_a_closed_survey_takes_no_answers(site: Site, clock: clock_mod.ManualClock) -> None:
    early = await site.published(
        opens_at=(clock.now() + timedelta(days=1)).isoformat(),
        closes_at=(clock.now() + timedelta(days=2)).isoformat(),
    )
    ann = site.resident()
    with pytest.raises(SurveyNotOpen):
        await submit(ann, early, answers(early, q1=["bus"], q3=3))
    clock.advance(timedelta(days=1, minutes=1))
    await submit(ann, early, answers(early, q1=["bus"], q3=3))
    clock.advance(timedelta(days=1))  # past its closing time
    with pytest.raises(SurveyNotOpen) as refused:
        await submit(ann, early, answers(early, q1=["walk"], q3=3))
    assert refused.value.status == 409
    async with session_scope() as session:
        assert await service.my_surveys(session, ann) == []

    closed = await site.published()
    await site.call("POST", f"/api/surveys/{closed['id']}/close")
    with pytest.raises(SurveyNotOpen):
        await submit(ann, closed, answers(closed, q1=["bus"], q3=3))
    assert await stored(closed) == []


async def test_only_the_audience_answers(site: Site) -> None:
    survey = await site.published("S1-C1", min_level="registry")
    data = answers(survey, q1=["bus"], q3=3)
    with pytest.raises(SurveyNotFound):  # another area's survey is as if it did not exist
        await submit(site.resident("S2-C1-G1", level=Level.IN_PERSON), survey, data)
    with pytest.raises(Forbidden) as refused:
        await submit(site.resident("S1-C1-G2", level=Level.PHONE), survey, data)
    assert refused.value.code == "verification_needed"
    with pytest.raises(SurveyNotFound):  # no home known yet
        await submit(ResidentActor(uuid.uuid4(), Level.REGISTRY, None), survey, data)
    await submit(site.resident("S1-C1-G2", level=Level.REGISTRY), survey, data)
    async with session_scope() as session:
        assert await service.my_surveys(session, site.resident("S1-C1-G2")) == []  # phone only


async def test_a_draft_is_not_shown_to_residents(site: Site) -> None:
    draft = await site.call(
        "POST", "/api/surveys", json=survey_body(site.tree.unit("S1-C1").id), status=201
    )
    with pytest.raises(SurveyNotFound):
        await submit(site.resident(), draft, answers(draft, q1=["bus"], q3=3))


async def test_someone_answering_for_a_senior_is_named_as_such(site: Site) -> None:
    survey = await site.published()
    senior, helper = uuid.uuid4(), uuid.uuid4()
    proxy = ResidentActor(
        senior,
        Level.REGISTRY,
        site.tree.unit("S1-C1-G1").path,
        proxy_account_id=helper,
        consent_id=uuid.uuid4(),
    )
    await submit(proxy, survey, answers(survey, q1=["walk"], q3=5))
    (row, _) = await stored(survey)
    assert row[0] == f"resident:{helper} for resident:{senior}"
    async with session_scope() as session:
        entry = await session.scalar(select(AuditEntry).where(AuditEntry.action == "survey.answer"))
    assert entry is not None and entry.actor == f"resident:{helper} for resident:{senior}"
    assert entry.detail == {"proxy": True}


async def test_one_response_per_resident_when_two_arrive_at_once(site: Site) -> None:
    survey = await site.published()
    ann = site.resident()
    results = await asyncio.gather(
        submit(ann, survey, answers(survey, q1=["bus"], q3=1)),
        submit(ann, survey, answers(survey, q1=["walk"], q3=5)),
        return_exceptions=True,
    )
    assert not [r for r in results if isinstance(r, LinliError | Exception)], results
    async with session_scope() as session:
        count = await session.scalar(
            select(func.count()).where(SurveyResponse.account_id == ann.account_id)
        )
    assert count == 1
    kept = await stored(survey)
    actor = f"resident:{ann.account_id}"
    # One of the two, whole: never a mix of both.
    assert kept in (
        [(actor, ["bus"], None), (actor, None, 1)],
        [(actor, ["walk"], None), (actor, None, 5)],
    )
