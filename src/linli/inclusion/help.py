"""Help requests to digital ambassadors: a resident (or staff for a resident who came by or
called) asks for help; an ambassador of the subtree takes it, schedules it and records what came
of it; the resident is told in their language when it is taken and when it is scheduled."""

from __future__ import annotations

import contextlib
import uuid
from datetime import datetime

from sqlalchemy import ColumnElement
from sqlalchemy.ext.asyncio import AsyncSession

from linli.core import clock, localtime
from linli.core.errors import NotFound, ValidationFailed
from linli.core.i18n import N_
from linli.core.pagination import Page, PageQuery
from linli.inclusion import repository as repo
from linli.inclusion.common import HELP, READ, WRITE
from linli.inclusion.errors import BadHelpTransition, HelpRequestNotFound
from linli.inclusion.models import HelpRequest
from linli.inclusion.schemas import HelpRequestCreate, HelpRequestMine, HelpRequestRead
from linli.org import service as org_service
from linli.registry.models import Resident
from linli.residents import service as residents_service
from linli.residents.models import ResidentAccount
from linli.residents.types import Level, Need, ResidentActor
from linli.security import audit
from linli.security.permissions import Principal

# Anyone signed in whose home is known may ask (the request goes to their home's ambassadors).
ASK = Need(Level.SIGNED_IN)

TOPIC_LABELS = {
    "smartphone_basics": N_("using a smartphone"),
    "resident_portal": N_("using the resident portal"),
    "scam_safety": N_("staying safe from scams"),
    "video_calls": N_("video calls with family"),
    "e_payments": N_("paying by phone"),
    "health_apps": N_("health apps"),
    "government_services": N_("government services online"),
}


def _unit_of(path: str) -> uuid.UUID:
    return uuid.UUID(hex=path.strip("/").split("/")[-1])


async def _record(session: AsyncSession, request: HelpRequest, actor: str, action: str) -> None:
    await audit.record(
        session, actor=actor, action=f"inclusion.help_{action}",
        target_type="inclusion_help_request", target_id=str(request.id),
        org_path=request.org_path,
    )  # fmt: skip


async def ask_for_help(
    session: AsyncSession, data: HelpRequestMine, *, actor: ResidentActor
) -> HelpRequest:
    """Ask the digital ambassadors of one's home area for help."""
    actor.require(ASK)
    if actor.org_path is None:
        raise ValidationFailed(
            "tell us where you live first: help comes from your area's ambassadors",
            code="home_unknown",
        )
    now = clock.now()
    request = HelpRequest(
        org_path=actor.org_path, account_id=actor.account_id, topic=data.topic, mode=data.mode,
        language=data.language or actor.locale, preferred_times=data.preferred_times,
        details=data.details or None, status="open", actor=actor.actor,
        created_at=now, updated_at=now,
    )  # fmt: skip
    session.add(request)
    await session.flush()
    await _record(session, request, actor.actor, "ask")
    return request


async def ask_for_resident(
    session: AsyncSession, data: HelpRequestCreate, *, principal: Principal
) -> HelpRequest:
    """Ask for help for a resident who came by or called: their account, or name and phone."""
    try:
        unit = await org_service.get_unit(session, data.unit_id)
    except NotFound as err:
        raise ValidationFailed("no such org unit", code="unknown_unit") from err
    principal.require(WRITE, unit.path)
    language: str | None = data.language
    if data.account_id is not None:
        account = await session.get(ResidentAccount, data.account_id)
        if account is None:
            raise ValidationFailed("no such resident account", code="unknown_account")
        language = language or account.locale
    elif data.name is None:
        raise ValidationFailed("name the resident or their account", code="walk_in_needs_name")
    if (
        data.registry_resident_id is not None
        and await session.get(Resident, data.registry_resident_id) is None
    ):
        raise ValidationFailed("no such resident in the registry", code="unknown_resident")
    now = clock.now()
    request = HelpRequest(
        org_path=unit.path, account_id=data.account_id,
        registry_resident_id=data.registry_resident_id, name=data.name, phone=data.phone,
        topic=data.topic, mode=data.mode, language=language or "en",
        preferred_times=data.preferred_times, details=data.details or None, status="open",
        actor=principal.actor, created_at=now, updated_at=now,
    )  # fmt: skip
    session.add(request)
    await session.flush()
    await _record(session, request, principal.actor, "ask")
    return request


async def help_request_for(
    session: AsyncSession,
    request_id: uuid.UUID,
    *,
    principal: Principal,
    permission: str = READ,
    for_update: bool = False,
) -> HelpRequest:
    """Return a help request in the principal's subtree (404 outside it), checking
    `permission`."""
    request = await repo.get_help_request(session, request_id, for_update=for_update)
    if request is None or not principal.can(READ, request.org_path):
        raise HelpRequestNotFound()
    principal.require(permission, request.org_path)
    return request


async def list_help_requests(
    session: AsyncSession, *, principal: Principal, paging: PageQuery, status: str | None = None
) -> Page[HelpRequest]:
    """List the help requests of the principal's subtree: open ones oldest first (the queue),
    otherwise newest first."""
    where: list[ColumnElement[bool]] = [principal.scope(READ, HelpRequest.org_path)]
    if status is not None:
        where.insert(0, HelpRequest.status == status)
    return await repo.list_help_requests(session, where, paging, oldest=status == "open")


async def _tell(session: AsyncSession, request: HelpRequest, *, scheduled: bool) -> None:
    if request.account_id is None:
        return  # a walk-in or a caller: the ambassador rings them
    params: dict[str, object] = {}
    if scheduled and request.appointment_at is not None:
        zone = await org_service.site_timezone(session, _unit_of(request.org_path))
        when = localtime.local(request.appointment_at, zone)
        params["when"] = when.strftime("%Y-%m-%d %H:%M")
        subject = N_("Your digital help is booked")
        body = (
            N_("A digital ambassador will help you with {topic} on {when}, in person.")
            if request.mode == "in_person"
            else N_("A digital ambassador will call you about {topic} on {when}.")
        )
    else:
        subject = N_("A digital ambassador took your request")
        body = N_("A digital ambassador will help you with {topic} and will tell you when.")
    stage = "scheduled" if scheduled else "taken"
    with contextlib.suppress(NotFound):  # an account erased since has nobody to tell
        await residents_service.notify(
            session, request.account_id, subject=subject, body=body, params=params,
            translate_params={"topic": TOPIC_LABELS[request.topic]}, link="/my/digital-help",
            dedupe_key=f"inclusion-help:{request.id}:{stage}:{request.updated_at.isoformat()}",
        )  # fmt: skip


async def take_help_request(
    session: AsyncSession, request: HelpRequest, *, principal: Principal
) -> HelpRequest:
    """Take an open help request as its ambassador; the resident is told."""
    principal.require(HELP, request.org_path)
    if request.status != "open":
        raise BadHelpTransition(f"a {request.status} request cannot be taken")
    now = clock.now()
    request.status, request.ambassador_id = "taken", principal.account_id
    request.taken_at = request.updated_at = now
    await session.flush()
    await _record(session, request, principal.actor, "take")
    await _tell(session, request, scheduled=False)
    return request


async def schedule_help(
    session: AsyncSession, request: HelpRequest, appointment_at: datetime, *, principal: Principal
) -> HelpRequest:
    """Set (or move) the time of the help; the resident is told the time in their language."""
    principal.require(HELP, request.org_path)
    if request.status not in ("taken", "scheduled"):
        raise BadHelpTransition(f"a {request.status} request cannot be scheduled")
    if appointment_at <= clock.now():
        raise ValidationFailed("the appointment is in the future", code="appointment_in_past")
    request.status, request.appointment_at = "scheduled", appointment_at
    request.ambassador_id = request.ambassador_id or principal.account_id
    request.updated_at = clock.now()
    await session.flush()
    await _record(session, request, principal.actor, "schedule")
    await _tell(session, request, scheduled=True)
    return request


async def record_outcome(
    session: AsyncSession,
    request: HelpRequest,
    *,
    outcome: str,
    note: str | None,
    principal: Principal,
) -> HelpRequest:
    """Close a taken or scheduled request with what came of it (helped, unreachable, referred)."""
    principal.require(HELP, request.org_path)
    if request.status not in ("taken", "scheduled"):
        raise BadHelpTransition(f"a {request.status} request has no outcome to record")
    now = clock.now()
    request.status, request.outcome, request.outcome_note = "closed", outcome, note or None
    request.closed_at = request.updated_at = now
    await session.flush()
    await _record(session, request, principal.actor, outcome)
    return request


async def view_help_request(
    session: AsyncSession, request: HelpRequest, *, principal: Principal
) -> HelpRequestRead:
    """Return a help request for staff; a read showing personal data is audited."""
    if request.name or request.phone or request.details or request.outcome_note:
        await _record(session, request, principal.actor, "read")
    return HelpRequestRead.model_validate(request)


async def my_help_requests(
    session: AsyncSession, *, actor: ResidentActor, paging: PageQuery
) -> Page[HelpRequest]:
    """List the resident's own help requests, newest first."""
    where = [HelpRequest.account_id == actor.account_id]
    return await repo.list_help_requests(session, where, paging, oldest=False)
