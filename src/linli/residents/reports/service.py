"""A signed-in resident reports through the public report flow (`cases.intake`: triage and
"me too" joining come with it); the report is linked to their account here, so `cases` knows
nothing of residents. They follow it, confirm or refuse the fix and rate it through the case's
follow-up token, which is kept encrypted with the link; every action is on the record under the
actor's name (a proxy's says so)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from linli.cases import service as cases_service
from linli.cases.evaluation import service as evaluation_service
from linli.cases.intake import service as intake_service
from linli.cases.models import Case
from linli.core.errors import NotFound, ValidationFailed
from linli.core.pagination import Page, PageQuery, keyset_page, newest_first
from linli.registry import service as registry_service
from linli.residents import service as residents_service
from linli.residents.codes import service as codes
from linli.residents.models import ResidentReport
from linli.residents.types import Level, Need, ResidentActor
from linli.security import audit

REPORT = Need(Level.SIGNED_IN)
REPORTS_PER_ACCOUNT = (20, timedelta(hours=1))
REPORT_ORDER = newest_first(ResidentReport.created_at, ResidentReport.id)


@dataclass(frozen=True, slots=True)
class MyReport:
    """A resident's report as their list and page show it."""

    link: ResidentReport
    case: Case


async def _where(
    session: AsyncSession, actor: ResidentActor, lon: float | None, lat: float | None
) -> tuple[float, float]:
    if lon is not None and lat is not None:
        return lon, lat
    if actor.building_id is None:
        raise ValidationFailed(
            "say where it is: share your location, tap the map, or give your home first",
            code="location_required",
        )
    building = await registry_service.get_building(session, actor.building_id)
    return building.lon, building.lat


async def _link(
    session: AsyncSession, actor: ResidentActor, receipt: intake_service.Receipt, *, joined: bool
) -> ResidentReport:
    found = await session.scalar(
        select(ResidentReport).where(
            ResidentReport.account_id == actor.account_id,
            ResidentReport.case_id == receipt.case.id,
        )
    )
    if found is not None:
        return found
    link = ResidentReport(
        account_id=actor.account_id,
        case_id=receipt.case.id,
        token=receipt.token,
        made_by=actor.actor,
        joined=joined,
    )
    session.add(link)
    await session.flush()
    await audit.record(
        session,
        actor=actor.actor,
        action="resident.report_joined" if joined else "resident.reported",
        target_type="case",
        target_id=str(receipt.case.id),
        org_path=receipt.case.org_path,
        detail={"ref": receipt.case.ref},
    )
    return link


async def report(
    session: AsyncSession,
    actor: ResidentActor,
    *,
    text: str,
    lon: float | None = None,
    lat: float | None = None,
    category_code: str | None = None,
    photo: bytes | None = None,
    share_contact: bool = True,
    idempotency_key: str | None = None,
) -> ResidentReport:
    """Report a problem as this resident (at their home when no point is given); with
    `share_contact`, the staff handling it may reach them (name, phone, e-mail)."""
    actor.require(REPORT)
    await codes.throttle(session, f"report:{actor.account_id}", REPORTS_PER_ACCOUNT)
    lon, lat = await _where(session, actor, lon, lat)
    contact = None
    if share_contact:
        account = await residents_service.get_account(session, actor.account_id)
        contact = intake_service.Contact(
            name=account.display_name, phone=account.phone, email=account.email
        )
    key = f"resident:{actor.account_id}:{idempotency_key}" if idempotency_key else None
    receipt = await intake_service.submit_public_report(
        session,
        text=text,
        lon=lon,
        lat=lat,
        category_code=category_code,
        photo=photo,
        contact=contact,
        idempotency_key=key,
    )
    return await _link(session, actor, receipt, joined=False)


async def similar(
    session: AsyncSession,
    actor: ResidentActor,
    *,
    text: str,
    lon: float | None,
    lat: float | None,
    category_code: str | None = None,
) -> list[intake_service.SimilarCase]:
    """Return the open cases near the point that the draft seems to repeat."""
    actor.require(REPORT)
    lon, lat = await _where(session, actor, lon, lat)
    return await intake_service.similar_open_cases(
        session, text=text, lon=lon, lat=lat, category_code=category_code, locale=actor.locale
    )


async def join(
    session: AsyncSession,
    actor: ResidentActor,
    *,
    ref: str,
    text: str,
    lon: float | None = None,
    lat: float | None = None,
) -> ResidentReport:
    """Join an open case that is the same problem ("me too") and follow it."""
    actor.require(REPORT)
    await codes.throttle(session, f"report:{actor.account_id}", REPORTS_PER_ACCOUNT)
    lon, lat = await _where(session, actor, lon, lat)
    receipt = await intake_service.join_public_report(session, ref=ref, text=text, lon=lon, lat=lat)
    return await _link(session, actor, receipt, joined=True)


async def my_reports(
    session: AsyncSession, actor: ResidentActor, *, paging: PageQuery
) -> Page[MyReport]:
    """Return a page of the resident's reports with their cases, newest first."""
    stmt = select(ResidentReport).where(ResidentReport.account_id == actor.account_id)
    page = await keyset_page(session, stmt, REPORT_ORDER, paging)
    ids = [link.case_id for link in page.items]
    cases = {c.id: c for c in await session.scalars(select(Case).where(Case.id.in_(ids)))}
    return Page(
        items=[MyReport(link, cases[link.case_id]) for link in page.items if link.case_id in cases],
        next=page.next,
        total=page.total,
        total_capped=page.total_capped,
    )


async def my_report(session: AsyncSession, actor: ResidentActor, report_id: uuid.UUID) -> MyReport:
    """Return one of the resident's reports; another's answers as missing."""
    link = await session.get(ResidentReport, report_id)
    case = await cases_service.find_case(session, link.case_id) if link is not None else None
    if link is None or case is None or link.account_id != actor.account_id:
        raise NotFound("no such report of yours", code="report_not_found")
    return MyReport(link, case)


async def _acted(session: AsyncSession, actor: ResidentActor, mine: MyReport, action: str) -> None:
    await audit.record(
        session,
        actor=actor.actor,
        action=action,
        target_type="case",
        target_id=str(mine.case.id),
        org_path=mine.case.org_path,
        detail={"ref": mine.case.ref},
    )


async def add_information(
    session: AsyncSession, actor: ResidentActor, report_id: uuid.UUID, *, text: str
) -> Case:
    """Add information to the resident's open report, for the staff handling it."""
    mine = await my_report(session, actor, report_id)
    case = await intake_service.add_to_report(session, mine.link.token, text=text)
    await _acted(session, actor, mine, "resident.added_information")
    return case


async def confirm_fix(session: AsyncSession, actor: ResidentActor, report_id: uuid.UUID) -> Case:
    """Confirm that the problem of the resident's report is fixed."""
    mine = await my_report(session, actor, report_id)
    case = await evaluation_service.confirm_fix(session, mine.link.token)
    await _acted(session, actor, mine, "resident.confirmed_fix")
    return case


async def refuse_fix(
    session: AsyncSession, actor: ResidentActor, report_id: uuid.UUID, *, reason: str
) -> Case:
    """Say that the problem is not fixed, and what is still wrong."""
    mine = await my_report(session, actor, report_id)
    case = await evaluation_service.refuse_fix(session, mine.link.token, reason=reason)
    await _acted(session, actor, mine, "resident.refused_fix")
    return case


async def rate(
    session: AsyncSession,
    actor: ResidentActor,
    report_id: uuid.UUID,
    *,
    score: int,
    comment: str | None = None,
) -> None:
    """Rate how the report was handled (once)."""
    mine = await my_report(session, actor, report_id)
    await evaluation_service.rate_by_token(session, mine.link.token, score=score, comment=comment)
    await _acted(session, actor, mine, "resident.rated")
