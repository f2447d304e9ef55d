"""Staff build surveys on the page: the new-survey and edit forms (plain forms, redirect after
post; "add another question" posts back and shows one more block)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import FormData

from linli.core import i18n, localtime
from linli.core.errors import Forbidden, LinliError, ValidationFailed
from linli.core.i18n import N_
from linli.org import service as org_service
from linli.org.models import OrgUnit
from linli.participation.surveys import service as surveys_service
from linli.participation.surveys.schemas import SurveyCreate, SurveyUpdate
from linli.security.deps import DbSession, require_page
from linli.security.permissions import Principal
from linli.web.frame import page_context, viewer_timezone
from linli.web.templating import page_locale, render

router = APIRouter(include_in_schema=False)

Writer = Annotated[Principal, Depends(require_page("surveys:write"))]
LANGUAGES = ("en", "zh_Hans", "ms", "ta")
KINDS = ("single", "multiple", "scale", "text")
LEVELS = ("signed_in", "phone", "registry", "in_person")
AREA_KINDS = ("district", "street", "community", "grid", "town", "zone")
BLOCKS = 2  # question blocks a new form shows; "add another question" shows one more
MAX_BLOCKS = 50
FORM_ERRORS = {
    "translation_missing": N_("Write this in all four of the site's languages before publishing."),
    "bad_dates": N_("The survey closes after it opens, and its closing time is still to come."),
    "bad_question": N_(
        "This question cannot be asked as it is: a choice question needs at least two options, "
        "a scale question its scale and both end labels, a service only on a scale question."
    ),
    "bad_question_service": N_("There is no such service."),
    "forbidden": N_("You may not build surveys in that area."),
    "unit_not_found": N_("There is no such area."),
    "invalid": N_("Fill this in (English at least, 500 characters at most)."),
    "date": N_("Give a date and time."),
}


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def _local(value: datetime, timezone: str) -> str:
    return value.astimezone(localtime.zone(timezone)).strftime("%Y-%m-%dT%H:%M")


def _when(raw: str, timezone: str) -> datetime:
    try:
        return datetime.fromisoformat(raw).replace(tzinfo=localtime.zone(timezone))
    except ValueError as err:
        raise _FieldError("dates", "date") from err


class _FieldError(Exception):
    def __init__(self, field: str, code: str) -> None:
        super().__init__(code)
        self.field, self.code = field, code


def _values(form: FormData) -> dict[str, Any]:
    """Return what the form sent, as the form shows it again."""
    values: dict[str, Any] = {
        k: _text(form, k) for k in ("unit_id", "min_level", "opens_at", "closes_at", "action")
    }
    for lang in LANGUAGES:
        values[f"title_{lang}"] = _text(form, f"title_{lang}")
    try:
        blocks = max(1, min(int(_text(form, "blocks") or BLOCKS), MAX_BLOCKS))
    except ValueError:
        blocks = BLOCKS
    questions = []
    for i in range(1, blocks + 1):
        q: dict[str, Any] = {
            k: _text(form, f"q{i}_{k}") for k in ("kind", "scale", "service", "required")
        }
        for lang in LANGUAGES:
            for part in ("text", "options", "low", "high"):
                q[f"{part}_{lang}"] = _text(form, f"q{i}_{part}_{lang}")
        questions.append(q)
    values["questions"] = questions
    return values


def _texts(values: dict[str, Any], prefix: str) -> dict[str, str] | None:
    given = {lang: values[f"{prefix}_{lang}"] for lang in LANGUAGES if values[f"{prefix}_{lang}"]}
    return given or None


def _blank(q: dict[str, Any]) -> bool:
    return not any(v for k, v in q.items() if k not in ("kind", "scale", "required"))


def _question(q: dict[str, Any]) -> dict[str, Any]:
    kind = q["kind"] or "text"
    built: dict[str, Any] = {
        "kind": kind,
        "required": bool(q["required"]),
        "text": _texts(q, "text"),
    }
    if kind in ("single", "multiple"):
        lines = {lang: q[f"options_{lang}"].splitlines() for lang in LANGUAGES}
        built["options"] = [
            {
                "key": f"o{n}",
                "text": {
                    lang: lines[lang][n - 1].strip()
                    for lang in LANGUAGES
                    if len(lines[lang]) >= n and lines[lang][n - 1].strip()
                },
            }
            for n in range(1, len(lines["en"]) + 1)
            if lines["en"][n - 1].strip()
        ]
    if kind == "scale":
        built |= {
            "scale": q["scale"] or None,
            "low_label": _texts(q, "low"),
            "high_label": _texts(q, "high"),
            "service": q["service"] or None,
        }
    return built


def _payload(values: dict[str, Any], timezone: str) -> dict[str, Any]:
    opens, closes = values["opens_at"], values["closes_at"]
    if not opens or not closes:
        raise _FieldError("dates", "date")
    return {
        "title": _texts(values, "title"),
        "unit_id": values["unit_id"] or None,
        "min_level": values["min_level"] or "signed_in",
        "opens_at": _when(opens, timezone),
        "closes_at": _when(closes, timezone),
        "questions": [_question(q) for q in values["questions"] if not _blank(q)],
    }


def _field_of(err: LinliError | ValidationError) -> dict[str, str]:
    """Return the field a refusal concerns and the reason, translated, to show beside it."""
    if isinstance(err, ValidationError):
        found: dict[str, str] = {}
        for e in err.errors():
            loc = e["loc"]
            field = f"q{int(loc[1]) + 1}" if loc[0] == "questions" and len(loc) > 1 else str(loc[0])
            field = "dates" if field in ("opens_at", "closes_at") else field
            found.setdefault(field, FORM_ERRORS["invalid"])
        return found
    code = err.code
    if code in ("bad_question", "bad_question_service") and "position" in err.extra:
        return {f"q{err.extra['position']}": FORM_ERRORS[code]}
    if code == "translation_missing":
        missing = str(err.extra.get("missing", ""))
        field = f"q{missing.split()[-1]}" if missing.startswith("question") else "title"
        return {field: FORM_ERRORS[code]}
    if code == "bad_dates":
        return {"dates": FORM_ERRORS[code]}
    if isinstance(err, Forbidden) or code == "unit_not_found":
        return {"unit_id": FORM_ERRORS.get(code, FORM_ERRORS["forbidden"])}
    return {"form": err.detail}


async def _areas(session: AsyncSession, principal: Principal) -> list[OrgUnit]:
    found: list[OrgUnit] = []
    for grant in principal.grants:
        if grant.unit_path in principal.paths_for("surveys:write"):
            unit = await org_service.get_unit(session, grant.unit_id)
            found += await org_service.subtree(session, unit, kinds=AREA_KINDS)
    return list({u.id: u for u in found}.values())


async def _form(
    request: Request,
    session: AsyncSession,
    principal: Principal,
    *,
    values: dict[str, Any],
    action: str,
    errors: dict[str, str] | None = None,
    survey_id: uuid.UUID | None = None,
    status_code: int = 200,
) -> Response:
    locale = page_locale(request, principal.locale)
    return render(
        request,
        "survey_form.html",
        status_code=status_code,
        locale=locale,
        timezone=await viewer_timezone(session, principal),
        values=values,
        errors=errors or {},
        action=action,
        survey_id=survey_id,
        areas=await _areas(session, principal),
        services=await surveys_service.service_names(session, locale),
        language_names=i18n.NATIVE_NAMES,
        langs=LANGUAGES,
        kinds=KINDS,
        levels=LEVELS,
        active="surveys",
        **page_context(principal),
    )


def _empty_question() -> dict[str, Any]:
    q = dict.fromkeys(("kind", "scale", "service", "required"), "")
    q |= {f"{p}_{lang}": "" for p in ("text", "options", "low", "high") for lang in LANGUAGES}
    return q


@router.get("/community/surveys/new")
async def new_survey_page(request: Request, principal: Writer, session: DbSession) -> Response:
    """Show the form to build a survey."""
    values: dict[str, Any] = {"min_level": "signed_in", "questions": []}
    values["questions"] = [_empty_question() for _ in range(BLOCKS)]
    return await _form(request, session, principal, values=values, action="/community/surveys/new")


async def _save(
    request: Request,
    session: AsyncSession,
    principal: Principal,
    *,
    survey_id: uuid.UUID | None,
    action: str,
) -> Response:
    values = _values(await request.form())
    if values["action"] == "add" and len(values["questions"]) < MAX_BLOCKS:
        values["questions"].append(_empty_question())
        return await _form(
            request, session, principal, values=values, action=action, survey_id=survey_id
        )
    timezone = await viewer_timezone(session, principal)
    try:
        payload = _payload(values, timezone)
        async with session.begin_nested():
            if survey_id is None:
                created = await surveys_service.create_survey(
                    session, data=SurveyCreate.model_validate(payload), principal=principal
                )
                survey_id = created.survey.id
            else:
                payload.pop("unit_id")
                await surveys_service.update_survey(
                    session,
                    survey_id,
                    data=SurveyUpdate.model_validate(payload),
                    principal=principal,
                )
    except _FieldError as err:
        errors = {err.field: FORM_ERRORS[err.code]}
    except (ValidationError, ValidationFailed, Forbidden) as err:
        errors = _field_of(err)
    except LinliError as err:
        if err.code != "unit_not_found":
            raise
        errors = _field_of(err)
    else:
        return RedirectResponse(f"/community/surveys/{survey_id}", status_code=303)
    return await _form(
        request,
        session,
        principal,
        values=values,
        action=action,
        survey_id=survey_id,
        errors=errors,
        status_code=422,
    )


@router.post("/community/surveys/new")
async def create_survey(request: Request, principal: Writer, session: DbSession) -> Response:
    """Save a new draft survey, or show one more question block (`action=add`)."""
    return await _save(request, session, principal, survey_id=None, action=request.url.path)


def text_of(texts: object, lang: str) -> str:
    """Return one language of a stored option's texts ("" when not written)."""
    return str(texts.get(lang, "")) if isinstance(texts, dict) else ""


def _values_of(view: surveys_service.SurveyView, timezone: str) -> dict[str, Any]:
    s = view.survey
    values: dict[str, Any] = {
        "unit_id": str(s.org_unit_id),
        "min_level": surveys_service.level_name(s),
        "opens_at": _local(s.opens_at, timezone),
        "closes_at": _local(s.closes_at, timezone),
    }
    values |= {f"title_{lang}": s.title.get(lang, "") for lang in LANGUAGES}
    questions = []
    for q in view.questions:
        block = _empty_question() | {
            "kind": q.kind,
            "required": "1" if q.required else "",
            "scale": f"{q.scale_min}-{q.scale_max}" if q.kind == "scale" else "",
            "service": q.service or "",
        }
        for lang in LANGUAGES:
            block[f"text_{lang}"] = q.text.get(lang, "")
            block[f"low_{lang}"] = (q.low_label or {}).get(lang, "")
            block[f"high_{lang}"] = (q.high_label or {}).get(lang, "")
            block[f"options_{lang}"] = "\n".join(text_of(o["text"], lang) for o in q.options)
        questions.append(block)
    values["questions"] = questions
    return values


@router.get("/community/surveys/{survey_id}/edit")
async def edit_survey_page(
    survey_id: uuid.UUID, request: Request, principal: Writer, session: DbSession
) -> Response:
    """Show a draft survey in the form, to change it."""
    survey = await surveys_service.get_survey(
        session, survey_id, principal=principal, permission="surveys:write"
    )
    if survey.status != "draft":
        return RedirectResponse(f"/community/surveys/{survey_id}", status_code=303)
    timezone = await viewer_timezone(session, principal)
    values = _values_of(await surveys_service.view(session, survey), timezone)
    return await _form(
        request, session, principal, values=values, action=request.url.path, survey_id=survey_id
    )


@router.post("/community/surveys/{survey_id}/edit")
async def update_survey(
    survey_id: uuid.UUID, request: Request, principal: Writer, session: DbSession
) -> Response:
    """Save the changes to a draft (its questions replaced by the form's)."""
    return await _save(request, session, principal, survey_id=survey_id, action=request.url.path)
