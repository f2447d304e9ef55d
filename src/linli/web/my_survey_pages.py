"""Survey pages for residents: the surveys of their area, and a survey's form.

The form is a plain HTML form: it works with JavaScript off, posts back to the page and, once
stored, redirects (303) to the survey again; an invalid answer shows the form again (422) with
what was typed and the reason beside the question it concerns, and nothing is stored.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import FormData

from linli.core.errors import ValidationFailed
from linli.org import service as org_service
from linli.participation.surveys import service as surveys_service
from linli.participation.surveys.answering import SEE
from linli.participation.surveys.errors import BadAnswer
from linli.participation.surveys.models import SurveyQuestion, text_in
from linli.participation.surveys.schemas import AnswerIn, ResponseIn
from linli.residents.deps import resident
from linli.residents.service import Resolved
from linli.residents.types import ResidentActor
from linli.security.deps import DbSession
from linli.web.portal_frame import portal_locale, portal_page

router = APIRouter(include_in_schema=False)

Resident = Annotated[ResidentActor, Depends(resident(SEE, page=True))]


def field(q: SurveyQuestion) -> str:
    return f"q{q.position}"


def answers_from_form(questions: list[SurveyQuestion], form: FormData) -> ResponseIn:
    """Return the answers a posted form holds (a blank field leaves its question unanswered)."""
    found = []
    for q in questions:
        if q.kind == "multiple":
            choices = [str(v) for v in form.getlist(field(q)) if str(v)]
            if choices:
                found.append(AnswerIn(question_id=q.id, choices=choices))
            continue
        raw = str(form.get(field(q)) or "").strip()
        if not raw:
            continue
        if q.kind == "single":
            found.append(AnswerIn(question_id=q.id, choices=[raw]))
        elif q.kind == "scale":
            try:
                found.append(AnswerIn(question_id=q.id, value=int(raw)))
            except (ValueError, ValidationError) as err:
                raise BadAnswer(q.id, q.position, "not a number", code="out_of_scale") from err
        else:
            found.append(AnswerIn(question_id=q.id, text=raw))
    return ResponseIn(answers=found)


def typed(questions: list[SurveyQuestion], form: FormData) -> dict[uuid.UUID, list[str]]:
    """Return what the form held per question, to show it again."""
    return {q.id: [str(v) for v in form.getlist(field(q))] for q in questions}


def stored(found: surveys_service.Answering) -> dict[uuid.UUID, list[str]]:
    kept: dict[uuid.UUID, list[str]] = {}
    for qid, a in found.answers.items():
        if a.choices:
            kept[qid] = list(a.choices)
        elif a.value is not None:
            kept[qid] = [str(a.value)]
        elif a.text:
            kept[qid] = [a.text]
    return kept


async def _timezone(session: DbSession, found: surveys_service.Answering) -> str:
    return await org_service.site_timezone(session, found.survey.org_unit_id)


@router.get("/my/surveys")
async def my_surveys_page(request: Request, session: DbSession, actor: Resident) -> Response:
    """List the open surveys of the resident's area."""
    found = await surveys_service.my_surveys(session, actor)
    zone = "UTC"
    if found:
        zone = await org_service.site_timezone(session, found[0].survey.org_unit_id)
    locale = portal_locale(request, actor.locale)
    return await portal_page(
        request,
        session,
        "my_surveys.html",
        locale=locale,
        timezone=zone,
        surveys=[(f, text_in(f.survey.title, locale)) for f in found],
        page_path="/my/surveys",
    )


def _csrf(request: Request) -> str:
    resolved = getattr(request.state, "resident", None)
    return resolved.session.csrf_token if isinstance(resolved, Resolved) else ""


async def _page(
    request: Request,
    session: AsyncSession,
    found: surveys_service.Answering,
    actor: ResidentActor,
    timezone: str,
    *,
    values: dict[uuid.UUID, list[str]],
    error: BadAnswer | ValidationFailed | None = None,
    saved: bool = False,
    status_code: int = 200,
) -> Response:
    return await portal_page(
        request,
        session,
        "my_survey.html",
        locale=portal_locale(request, actor.locale),
        csrf_token=_csrf(request),
        timezone=timezone,
        status_code=status_code,
        found=found,
        text_in=text_in,
        values=values,
        error=error,
        error_question=(error.extra.get("question_id") if error else None),
        saved=saved,
        is_proxy=actor.is_proxy,
        page_path=f"/my/surveys/{found.survey.id}",
    )


@router.get("/my/surveys/{survey_id}")
async def my_survey_page(
    survey_id: uuid.UUID, request: Request, session: DbSession, actor: Resident, saved: bool = False
) -> Response:
    """Show a survey's form with the resident's answers so far."""
    found = await surveys_service.survey_for_resident(session, actor, survey_id)
    zone = await _timezone(session, found)
    return await _page(request, session, found, actor, zone, values=stored(found), saved=saved)


@router.post("/my/surveys/{survey_id}")
async def my_survey_answer(
    survey_id: uuid.UUID, request: Request, session: DbSession, actor: Resident
) -> Response:
    """Store the form's answers (all or nothing) and show the survey again."""
    found = await surveys_service.survey_for_resident(session, actor, survey_id)
    form = await request.form()
    try:
        data = answers_from_form(found.questions, form)
        await surveys_service.submit_response(session, actor, survey_id, data)
    except BadAnswer as err:
        zone = await _timezone(session, found)
        values = typed(found.questions, form)
        return await _page(
            request, session, found, actor, zone, values=values, error=err, status_code=422
        )
    return RedirectResponse(f"/my/surveys/{survey_id}?saved=1", status_code=303)
