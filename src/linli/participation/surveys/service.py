"""Surveys: staff build, publish and close them over an area; residents of the area answer.

Staff act with `surveys:write` (reading with `surveys:read`) on the survey's area, the org unit
whose residents it asks; a survey outside the caller's subtree answers like a missing one. A
survey is a `draft` until published (every text then in every language), takes answers from
`opens_at` until `closes_at` or until staff close it, and is `closed` after. Residents' side,
results and the satisfaction index live in `answering`, `results` and `satisfaction`; this
module is the room's door to them.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from linli.core import clock
from linli.core.errors import Conflict, ValidationFailed
from linli.core.pagination import Page, PageQuery, keyset_page
from linli.org import service as org_service
from linli.participation.surveys import building, repository
from linli.participation.surveys.answering import Answering as Answering
from linli.participation.surveys.answering import check_answers as check_answers
from linli.participation.surveys.answering import my_surveys as my_surveys
from linli.participation.surveys.answering import submit_response as submit_response
from linli.participation.surveys.answering import survey_for_resident as survey_for_resident
from linli.participation.surveys.building import NAMED_SERVICES as NAMED_SERVICES
from linli.participation.surveys.errors import SurveyNotDraft, SurveyNotFound
from linli.participation.surveys.models import Survey, SurveyQuestion
from linli.participation.surveys.results import results_csv as results_csv
from linli.participation.surveys.results import survey_results as survey_results
from linli.participation.surveys.satisfaction import INDEX_MAX_DAYS as INDEX_MAX_DAYS
from linli.participation.surveys.satisfaction import MIN_SAMPLE as MIN_SAMPLE
from linli.participation.surveys.satisfaction import Satisfaction as Satisfaction
from linli.participation.surveys.satisfaction import Tally as Tally
from linli.participation.surveys.satisfaction import satisfaction_index as satisfaction_index
from linli.participation.surveys.satisfaction import service_names as service_names
from linli.participation.surveys.schemas import SurveyCreate, SurveyUpdate
from linli.participation.surveys.state import state_of as state_of
from linli.residents.types import Level
from linli.security import audit
from linli.security.permissions import Principal


@dataclass(frozen=True, slots=True)
class SurveyView:
    """A survey with its questions in order."""

    survey: Survey
    questions: list[SurveyQuestion]


async def get_survey(
    session: AsyncSession,
    survey_id: uuid.UUID,
    *,
    principal: Principal,
    permission: str = "surveys:read",
    for_update: bool = False,
) -> Survey:
    """Return a survey the principal may read (and act on with `permission`), or raise."""
    survey = await session.get(Survey, survey_id, with_for_update=for_update)
    if survey is None or not principal.can("surveys:read", survey.org_path):
        raise SurveyNotFound()
    principal.require(permission, survey.org_path)
    return survey


async def view(session: AsyncSession, survey: Survey) -> SurveyView:
    """Return the survey with its questions."""
    return SurveyView(survey, await repository.questions(session, survey.id))


async def surveys_page(
    session: AsyncSession,
    *,
    principal: Principal,
    status: str | None = None,
    paging: PageQuery = PageQuery(),
) -> Page[Survey]:
    """Return a page of the surveys the principal may read, newest first."""
    stmt = repository.surveys(principal.scope("surveys:read", Survey.org_path), status=status)
    return await keyset_page(session, stmt, repository.SURVEY_ORDER, paging)


async def create_survey(
    session: AsyncSession, *, data: SurveyCreate, principal: Principal
) -> SurveyView:
    """Create a draft survey of an area's residents, with its questions."""
    area = await org_service.get_unit(session, data.unit_id)
    principal.require("surveys:write", area.path)
    building.check_dates(data.opens_at, data.closes_at)
    survey = Survey(
        id=uuid.uuid4(),
        title=building.texts_of(data.title),
        intro=building.texts_of(data.intro),
        org_unit_id=area.id,
        org_path=area.path,
        min_level=int(Level[data.min_level.upper()]),
        opens_at=data.opens_at,
        closes_at=data.closes_at,
        status="draft",
        created_by=principal.actor,
        created_at=clock.now(),
        updated_at=clock.now(),
    )
    questions = await building.build_questions(
        session, data.questions, survey_id=survey.id, area=area, principal=principal
    )
    session.add(survey)
    await session.flush()
    session.add_all(questions)
    await session.flush()
    await _audit(session, survey, principal, "survey.create")
    return SurveyView(survey, questions)


async def update_survey(
    session: AsyncSession, survey_id: uuid.UUID, *, data: SurveyUpdate, principal: Principal
) -> SurveyView:
    """Change a draft; given questions replace the old ones."""
    survey = await get_survey(
        session, survey_id, principal=principal, permission="surveys:write", for_update=True
    )
    if survey.status != "draft":
        raise SurveyNotDraft(survey.status)
    given = data.model_dump(exclude_unset=True)
    if "title" in given and data.title is not None:
        survey.title = building.texts_of(data.title)
    if "intro" in given:
        survey.intro = building.texts_of(data.intro)
    if data.min_level is not None:
        survey.min_level = int(Level[data.min_level.upper()])
    survey.opens_at = data.opens_at or survey.opens_at
    survey.closes_at = data.closes_at or survey.closes_at
    building.check_dates(survey.opens_at, survey.closes_at)
    questions = await repository.questions(session, survey.id)
    if data.questions is not None:
        area = await org_service.get_unit(session, survey.org_unit_id)
        new = await building.build_questions(
            session, data.questions, survey_id=survey.id, area=area, principal=principal
        )
        for old in questions:
            await session.delete(old)
        await session.flush()
        session.add_all(new)
        questions = new
    survey.updated_at = clock.now()
    await session.flush()
    await _audit(session, survey, principal, "survey.update")
    return SurveyView(survey, questions)


async def publish_survey(
    session: AsyncSession, survey_id: uuid.UUID, *, principal: Principal
) -> SurveyView:
    """Publish a draft: from its opening time the area's residents may answer."""
    survey = await get_survey(
        session, survey_id, principal=principal, permission="surveys:write", for_update=True
    )
    if survey.status != "draft":
        raise SurveyNotDraft(survey.status)
    questions = await repository.questions(session, survey.id)
    lacking = building.untranslated(survey.title, survey.intro, questions)
    if lacking is not None:
        raise ValidationFailed(
            f"{lacking} is not written in every language yet (en, zh_Hans, ms, ta)",
            code="translation_missing",
            missing=lacking,
        )
    now = clock.now()
    if survey.closes_at <= now:
        raise ValidationFailed("this survey's closing time has passed", code="bad_dates")
    survey.status, survey.published_at, survey.updated_at = "published", now, now
    await _audit(session, survey, principal, "survey.publish")
    return SurveyView(survey, questions)


async def close_survey(
    session: AsyncSession, survey_id: uuid.UUID, *, principal: Principal
) -> Survey:
    """Close a published survey now: it takes no more answers; its results stay."""
    survey = await get_survey(
        session, survey_id, principal=principal, permission="surveys:write", for_update=True
    )
    if survey.status != "published":
        raise Conflict(
            f"only a published survey can be closed; this one is '{survey.status}'",
            code="survey_not_published",
        )
    now = clock.now()
    survey.status, survey.closed_at, survey.updated_at = "closed", now, now
    survey.closes_at = min(survey.closes_at, now)
    await _audit(session, survey, principal, "survey.close")
    return survey


async def _audit(session: AsyncSession, survey: Survey, principal: Principal, action: str) -> None:
    await audit.record(
        session,
        actor=principal.actor,
        action=action,
        target_type="survey",
        target_id=str(survey.id),
        org_path=survey.org_path,
    )


def level_name(survey: Survey) -> str:
    """Return the audience's level as the API names it."""
    return Level(survey.min_level).name.lower()
