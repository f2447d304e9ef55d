"""Care HTTP API: profiles with consent, monitors, away periods, alerts and their answers, and the
carer's view of everyone in their care."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends

from linli.care import adjust, service
from linli.care import alerts as alerts_service
from linli.care.schemas import (
    AlertPage,
    AlertRead,
    AnswerRequest,
    AwayCreate,
    AwayRead,
    CarerView,
    MonitorKind,
    MonitorRead,
    MonitorUpdate,
    ProfileCreate,
    ProfilePage,
    ProfileRead,
    ProfileSummary,
    ProfileUpdate,
)
from linli.core.deps import Paging
from linli.security.deps import DbSession, require
from linli.security.permissions import Principal

router = APIRouter(prefix="/api/care", tags=["care"])

Reader = Annotated[Principal, Depends(require("care:read"))]
Writer = Annotated[Principal, Depends(require("care:write"))]
Responder = Annotated[Principal, Depends(require("care:respond"))]


@router.get("/profiles")
async def list_profiles(principal: Reader, session: DbSession, paging: Paging) -> ProfilePage:
    """List the care profiles I may read: my subtree's as a manager, else those in my care."""
    page = await service.profiles_page(session, principal=principal, paging=paging)
    return ProfilePage(
        items=[ProfileSummary.model_validate(p) for p in page.items],
        next=page.next,
        total=page.total,
        total_capped=page.total_capped,
    )


@router.post("/profiles", status_code=201)
async def create_profile(data: ProfileCreate, principal: Writer, session: DbSession) -> ProfileRead:
    """Record a person's consent and open their care profile."""
    profile = await service.create_profile(session, data=data, principal=principal)
    return await service.read_profile(session, profile.id, principal=principal)


@router.get("/profiles/{profile_id}")
async def get_profile(profile_id: uuid.UUID, principal: Reader, session: DbSession) -> ProfileRead:
    """Read a profile with its notes and contacts (the read is audited)."""
    return await service.read_profile(session, profile_id, principal=principal)


@router.patch("/profiles/{profile_id}")
async def update_profile(
    profile_id: uuid.UUID, data: ProfileUpdate, principal: Responder, session: DbSession
) -> ProfileRead:
    """Change a profile: notes, contacts and waits (carers); carers and devices (managers)."""
    await service.update_profile(session, profile_id, data=data, principal=principal)
    return await service.read_profile(session, profile_id, principal=principal)


@router.post("/profiles/{profile_id}/withdraw")
async def withdraw_consent(
    profile_id: uuid.UUID, principal: Writer, session: DbSession
) -> ProfileSummary:
    """Record that the person withdrew their consent: monitoring stops at once."""
    profile = await service.withdraw_consent(session, profile_id, principal=principal)
    return ProfileSummary.model_validate(profile)


@router.patch("/profiles/{profile_id}/monitors/{kind}")
async def set_monitor(
    profile_id: uuid.UUID,
    kind: MonitorKind,
    data: MonitorUpdate,
    principal: Responder,
    session: DbSession,
) -> MonitorRead:
    """Switch a monitor on or off, or change its threshold or times."""
    return await adjust.set_monitor(session, profile_id, kind, data=data, principal=principal)


@router.post("/profiles/{profile_id}/away", status_code=201)
async def add_away(
    profile_id: uuid.UUID, data: AwayCreate, principal: Responder, session: DbSession
) -> AwayRead:
    """Mark the person away (a holiday): their monitors stay silent meanwhile."""
    away = await adjust.add_away(session, profile_id, data=data, principal=principal)
    return AwayRead.model_validate(away)


@router.get("/profiles/{profile_id}/alerts")
async def list_alerts(
    profile_id: uuid.UUID, principal: Reader, session: DbSession, paging: Paging
) -> AlertPage:
    """List the person's alerts, newest first."""
    page = await alerts_service.alerts_page(session, profile_id, principal=principal, paging=paging)
    return AlertPage(
        items=[AlertRead.model_validate(a) for a in page.items],
        next=page.next,
        total=page.total,
        total_capped=page.total_capped,
    )


@router.get("/alerts/{alert_id}")
async def get_alert(alert_id: uuid.UUID, principal: Reader, session: DbSession) -> AlertRead:
    """Read an alert with every step of its chain and the time of each."""
    return await alerts_service.read_alert(session, alert_id, principal=principal)


@router.post("/alerts/{alert_id}/answer")
async def answer_alert(
    alert_id: uuid.UUID, data: AnswerRequest, principal: Responder, session: DbSession
) -> AlertRead:
    """Answer an alert: "ok" (the person is fine) or "going" (someone is on their way)."""
    await alerts_service.answer_alert(session, alert_id, answer=data.answer, principal=principal)
    return await alerts_service.read_alert(session, alert_id, principal=principal)


@router.get("/mine")
async def carer_view(principal: Reader, session: DbSession) -> CarerView:
    """Everyone in my care, what needs attention first: open alerts, then the rest."""
    return await alerts_service.carer_view(session, principal=principal)
