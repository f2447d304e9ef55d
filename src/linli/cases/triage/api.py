"""Triage HTTP API: suggestions for a draft report, operators' category decisions, the catalogue
tree, and the public "me too" flow (find an open case like mine, join it)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Header, Request, Response, UploadFile

from linli.cases import service
from linli.cases.intake import service as intake_service
from linli.cases.intake.schemas import (
    PublicReportReceipt,
)
from linli.cases.schemas import (
    CaseRead,
    CategoryCatalogueRead,
)
from linli.cases.triage import service as triage_service
from linli.cases.triage.schemas import (
    CategorySuggestionRead,
    DuplicateCandidateRead,
    SimilarCaseRead,
    SuggestedUnitRead,
    TriageIn,
    TriageSuggestIn,
    TriageSuggestionRead,
)
from linli.core import i18n, media
from linli.core.schemas import Key
from linli.security.deps import DbSession, client_address, public, require
from linli.security.permissions import Principal

router = APIRouter(prefix="/api", tags=["triage"])


@router.post("/triage/suggest")
async def suggest(
    body: TriageSuggestIn,
    session: DbSession,
    principal: Annotated[Principal, Depends(require("cases:report"))],
) -> TriageSuggestionRead:
    """Suggest categories (with confidence and responsible unit) and open duplicates for a draft."""
    found = await triage_service.suggest_report(
        session, text=body.text, lon=body.lon, lat=body.lat, k=body.k, principal=principal
    )
    return TriageSuggestionRead(
        language=found.language,
        categories=[
            CategorySuggestionRead(
                code=s.category.code,
                name=s.category.name,
                name_zh=s.category.name_zh,
                confidence=s.confidence,
                unit=SuggestedUnitRead.model_validate(s.unit) if s.unit else None,
            )
            for s in found.categories
        ],
        duplicates=[
            DuplicateCandidateRead(
                case_id=case.id,
                ref=case.ref,
                title=service.title_in(case, principal.locale),
                status=case.status,
                category_code=case.category_code,
                distance_m=candidate.distance_m,
                similarity=candidate.similarity,
                me_too_count=case.me_too_count,
                created_at=case.created_at,
            )
            for case, candidate in found.duplicates
        ],
    )


@router.post("/cases/{case_id}/triage")
async def triage_case(
    case_id: uuid.UUID,
    body: TriageIn,
    session: DbSession,
    principal: Annotated[Principal, Depends(require("cases:register"))],
) -> CaseRead:
    """Confirm or override a case's category; triage learns from it at the next retrain."""
    case = await triage_service.confirm_triage(
        session, case_id, principal=principal, category_code=body.category_code, note=body.note
    )
    return service.case_read(case, principal.locale)


@router.get("/triage/catalogue")
async def catalogue_tree(
    session: DbSession, principal: Annotated[Principal, Depends(require("cases:read"))]
) -> list[CategoryCatalogueRead]:
    """List the categories with their group, kind, evidence and duplicate settings."""
    return [CategoryCatalogueRead.model_validate(c) for c in await service.list_categories(session)]


@router.post(
    "/public/reports/similar", dependencies=[Depends(public)], tags=["public"], response_model=None
)
async def similar_reports(
    request: Request,
    session: DbSession,
    text: Annotated[str, Form(max_length=4000, description="what is wrong")],
    lon: Annotated[float, Form(ge=-180, le=180)],
    lat: Annotated[float, Form(ge=-90, le=90)],
    category_code: Annotated[str | None, Form(max_length=64)] = None,
    lang: Annotated[
        str | None, Form(max_length=35, description="language of the category names")
    ] = None,
) -> list[SimilarCaseRead]:
    """Before reporting: the open cases nearby that seem to be the same problem (to join)."""
    await intake_service.spend_token(f"public-similar:{client_address(request)}")
    locale = i18n.choose_locale(
        requested=lang, accept_language=request.headers.get("accept-language")
    )
    found = await intake_service.similar_open_cases(
        session, text=text, lon=lon, lat=lat, category_code=category_code, locale=locale
    )
    return [
        SimilarCaseRead(
            ref=s.case.ref,
            category_code=s.case.category_code,
            category_name=s.category_name,
            status=s.case.status,
            distance_m=s.distance_m,
            me_too_count=s.case.me_too_count,
            created_at=s.case.created_at,
        )
        for s in found
    ]


@router.post(
    "/public/reports/{ref}/me-too",
    status_code=201,
    dependencies=[Depends(public)],
    tags=["public"],
    response_model=PublicReportReceipt,
)
async def join_report(
    ref: Key,
    request: Request,
    response: Response,
    session: DbSession,
    text: Annotated[str, Form(max_length=4000, description="what you see")],
    lon: Annotated[float, Form(ge=-180, le=180)],
    lat: Annotated[float, Form(ge=-90, le=90)],
    photo: Annotated[UploadFile | None, File(description="JPEG, PNG or WebP, at most 5 MB")] = None,
    idempotency_key: Annotated[str | None, Header(max_length=128)] = None,
) -> PublicReportReceipt | Response:
    """Report "me too" on an open case nearby: no new case; your token follows that case."""
    await intake_service.spend_token(f"public-report:{client_address(request)}")
    data = await photo.read(media.MAX_PHOTO_BYTES + 1) if photo is not None else None
    receipt = await intake_service.join_public_report(
        session,
        ref=ref[:32],
        text=text,
        lon=lon,
        lat=lat,
        photo=data or None,
        idempotency_key=idempotency_key,
    )
    if receipt.replayed:
        response.status_code = 200
    return PublicReportReceipt(
        ref=receipt.case.ref,
        status=receipt.case.status,
        token=receipt.token,
        replayed=receipt.replayed,
    )
