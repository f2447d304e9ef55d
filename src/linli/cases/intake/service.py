"""Intake channels that reach a case from outside the staff workbench.

* Residents report over a public endpoint: text, a point, an optional photo and optional contact
  details (encrypted, shown only to handlers holding `residents:pii` on the case). A repeated
  request with the same idempotency key gets the same case back; the reporter follows the case
  with a token that shows its status and the notes staff made public only.
* Hotline operators report through `report_case` and keep the caller's contact the same way.
* Video-analytics cameras post events with their own token; repeated events of one kind from one
  camera within `CAMERA_JOIN_WINDOW` join the open case instead of opening another.

This module is intake's public door: reporters' contacts (`reporters`), cameras (`cameras`) and
the rate limit (`ratelimit`) live beside it, and what other rooms need of them is re-exported here.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from linli.cases.events import append_event
from linli.cases.intake.cameras import receive_event as receive_event
from linli.cases.intake.cameras import register_camera as register_camera
from linli.cases.intake.models import PublicReport
from linli.cases.intake.ratelimit import spend_token as spend_token
from linli.cases.intake.reporters import Contact as Contact
from linli.cases.intake.reporters import add_to_report as add_to_report
from linli.cases.intake.reporters import record_reporter as record_reporter
from linli.cases.intake.reporters import reporter_of as reporter_of
from linli.cases.models import TERMINAL, Attachment, Case
from linli.cases.service import (
    MAX_DESCRIPTION,
    MAX_TITLE,
    add_me_too,
    category_for,
    find_case,
    get_category,
    public_point,
    public_timeline,
    report_case,
    shown_publicly,
)
from linli.cases.triage import service as triage_service
from linli.cases.triage.service import Triage
from linli.core import clock, media
from linli.core.errors import Conflict, NotFound, ValidationFailed
from linli.org import service as org_service

PUBLIC_ACTOR = "public"
TOKEN_PREFIX = "lnr_"
# Where `linli cases retrain` writes the model by default; tests point it elsewhere.
TRIAGE_MODEL_PATH = Path("var/triage.joblib")
_IDEMPOTENCY_KEY = re.compile(r"^[\x21-\x7e]{1,128}$")


@dataclass(frozen=True, slots=True)
class Receipt:
    """What a resident gets back: the case, the follow-up token, and whether it was a replay."""

    case: Case
    token: str
    replayed: bool


@dataclass(frozen=True, slots=True)
class PublicNote:
    """A note staff made public, as the reporter's follow-up page lists it."""

    at: datetime
    status: str | None
    note: str


@dataclass(frozen=True, slots=True)
class PublicStatus:
    """What a reporter sees of their case: no staff names, no internal notes, no reporter."""

    ref: str
    status: str
    category_code: str
    created_at: datetime
    updated_at: datetime
    closed_at: datetime | None
    notes: list[PublicNote]
    timezone: str = "UTC"  # the site's: the reporter reads times as the staff do
    point: tuple[float | None, float | None] = (None, None)  # as public views show it


def _check_report_text(text: str) -> str:
    text = text.strip()
    if not text:
        raise ValidationFailed("say what the problem is", code="text_required")
    if len(text) > MAX_DESCRIPTION:
        limit = MAX_DESCRIPTION
        raise ValidationFailed(f"a report has at most {limit} characters", code="text_too_long")
    return text


def _title_of(text: str) -> str:
    first = text.splitlines()[0].strip()
    return first if len(first) <= 80 else first[:79].rstrip() + "…"


@lru_cache(maxsize=2)
def _load_triage(path: Path, mtime: float) -> Triage:
    return Triage.load(path)


def triage_model() -> Triage | None:
    """Return the triage model this process loaded from the database, else a model file left
    by an older install at TRIAGE_MODEL_PATH, else None."""
    loaded = triage_service.loaded_model()
    if loaded is not None:
        return loaded
    path = TRIAGE_MODEL_PATH
    if not path.is_file():
        return None
    return _load_triage(path, path.stat().st_mtime)


async def current_triage_model(session: AsyncSession) -> Triage | None:
    """Return the newest model stored in the database (else the legacy file's), or None."""
    return await triage_service.current_model(session) or triage_model()


def _request_hash(**fields: object) -> str:
    return hashlib.sha256(json.dumps(fields, sort_keys=True, default=str).encode()).hexdigest()


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def _replay(
    session: AsyncSession, idempotency_key: str | None, request_hash: str
) -> Receipt | None:
    """Return the receipt an earlier request with this key got, or None for a new key."""
    if idempotency_key is None:
        return None
    if not _IDEMPOTENCY_KEY.match(idempotency_key):
        raise ValidationFailed(
            "an Idempotency-Key is 1 to 128 printable characters", code="bad_idempotency_key"
        )
    earlier = await session.scalar(
        select(PublicReport).where(PublicReport.idempotency_key == idempotency_key)
    )
    if earlier is None:
        return None
    if earlier.request_hash != request_hash:
        raise Conflict(
            "this Idempotency-Key was used for a different report", code="idempotency_key_reused"
        )
    case = await find_case(session, earlier.case_id)
    assert case is not None  # the report row is deleted with its case
    return Receipt(case, earlier.token, replayed=True)


async def _issue_token(
    session: AsyncSession, case: Case, *, idempotency_key: str | None, request_hash: str
) -> str:
    """Keep a follow-up token for `case` under the idempotency key; return the token."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(24)
    session.add(
        PublicReport(
            case_id=case.id,
            token_hash=hash_token(token),
            token=token,
            idempotency_key=idempotency_key,
            request_hash=request_hash,
            created_at=clock.now(),
        )
    )
    try:
        await session.flush()
    except IntegrityError as err:
        # The same key arrived twice at once; the other request owns it.
        raise Conflict(
            "a report with this Idempotency-Key is being stored; retry in a moment",
            code="idempotency_key_in_use",
        ) from err
    return token


@dataclass(frozen=True, slots=True)
class SimilarCase:
    """An open case a resident may join instead of reporting again: nothing personal."""

    case: Case
    category_name: str
    distance_m: float
    similarity: float


async def similar_open_cases(
    session: AsyncSession,
    *,
    text: str,
    lon: float,
    lat: float,
    category_code: str | None = None,
    limit: int = 5,
    locale: str = "en",
) -> list[SimilarCase]:
    """Return the open cases near the point a resident's draft report seems to repeat."""
    text = _check_report_text(text)
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise ValidationFailed("lon/lat out of range", code="bad_coordinates")
    model = await current_triage_model(session)
    code = (category_code or "").strip() or None
    if code is None and model is None:
        return []
    if model is None:
        found = await triage_service.candidates_for(
            session, await get_category(session, code or ""), text=text, lon=lon, lat=lat
        )
    else:
        # As triage's suggestions do (and the benchmark measures): its similarity, threshold and
        # other likely categories, so a report filed under a near category is still found.
        ranked = [c for c, _ in model.suggest(text, k=3)]
        code = code or ranked[0]
        found = await triage_service.candidates_for(
            session,
            await get_category(session, code),
            text=text,
            lon=lon,
            lat=lat,
            similarity=model.similarities,
            threshold=triage_service.MODEL_DUPLICATE_THRESHOLD,
            kinds=[c for c in ranked if c != code],
        )
    similar: list[SimilarCase] = []
    for candidate in found:
        case = await find_case(session, candidate.case_id)
        # Only what the public projection shows; the distance is from the point it shows.
        if case is None or not await shown_publicly(session, case):
            continue
        # The case's own tree decides how coarsely its point is shown.
        category = await category_for(session, case.category_code, case.org_path)
        shown_lon, shown_lat = public_point(case, category)
        distance = candidate.distance_m
        if shown_lon is not None and shown_lat is not None:
            distance = triage_service.distance_m(lon, lat, shown_lon, shown_lat)
        name = category.name_in(locale)
        similar.append(SimilarCase(case, name, distance, candidate.similarity))
        if len(similar) >= limit:
            break
    return similar


async def join_public_report(
    session: AsyncSession,
    *,
    ref: str,
    text: str,
    lon: float,
    lat: float,
    photo: bytes | None = None,
    idempotency_key: str | None = None,
) -> Receipt:
    """Join a resident to an open case they report again ("me too"): no new case; the case counts
    one more reporter and the resident's follow-up token follows it."""
    text = _check_report_text(text)
    cleaned = media.clean_photo(photo) if photo else None
    request_hash = _request_hash(
        join=ref,
        text=text,
        lon=lon,
        lat=lat,
        photo=hashlib.sha256(photo).hexdigest() if photo else None,
    )
    replay = await _replay(session, idempotency_key, request_hash)
    if replay is not None:
        return replay
    case = await session.scalar(select(Case).where(Case.ref == ref).with_for_update())
    # A case public views do not show is answered as a missing one.
    if case is None or case.status in TERMINAL or not await shown_publicly(session, case):
        raise NotFound("no open case with this reference", code="case_not_open")
    category = await category_for(session, case.category_code, case.org_path)
    window = timedelta(hours=category.duplicate_window_hours)
    near = (
        case.lon is not None
        and case.lat is not None
        and triage_service.distance_m(lon, lat, case.lon, case.lat) <= category.duplicate_radius_m
    )
    if not near or clock.now() - case.created_at > window:
        raise ValidationFailed(
            "this case is not near enough (in place and time) to join; report it anew",
            code="not_a_duplicate",
        )
    detail: dict[str, object] = {"channel": "resident", "text": text[:MAX_TITLE]}
    if cleaned is not None:
        attachment = Attachment.photo(case.id, *cleaned, PUBLIC_ACTOR)
        session.add(attachment)
        await session.flush()
        detail["photo"] = str(attachment.id)
    await add_me_too(session, case, actor=PUBLIC_ACTOR, detail=detail)
    token = await _issue_token(
        session, case, idempotency_key=idempotency_key, request_hash=request_hash
    )
    return Receipt(case, token, replayed=False)


async def submit_public_report(
    session: AsyncSession,
    *,
    text: str,
    lon: float | None,
    lat: float | None,
    category_code: str | None = None,
    photo: bytes | None = None,
    contact: Contact | None = None,
    idempotency_key: str | None = None,
) -> Receipt:
    """Open the case of a resident's report (or return the one this idempotency key opened)."""
    text = _check_report_text(text)
    contact = contact.cleaned() if contact is not None else None
    category_code = (category_code or "").strip() or None
    cleaned = media.clean_photo(photo) if photo else None
    request_hash = _request_hash(
        text=text,
        lon=lon,
        lat=lat,
        category=category_code,
        photo=hashlib.sha256(photo).hexdigest() if photo else None,
        contact=asdict(contact) if contact else None,
    )
    replay = await _replay(session, idempotency_key, request_hash)
    if replay is not None:
        return replay
    suggestion: tuple[str, float] | None = None
    if category_code is None:
        model = await current_triage_model(session)
        if model is None:
            raise ValidationFailed("choose a category for the report", code="category_required")
        suggestion = model.suggest(text, k=1)[0]
        category_code = suggestion[0]
    case = await report_case(
        session,
        actor=PUBLIC_ACTOR,
        category_code=category_code,
        title=_title_of(text)[:MAX_TITLE],
        description=text,
        lon=lon,
        lat=lat,
        source="resident",
    )
    if suggestion is not None:
        await append_event(
            session,
            case,
            at=clock.now(),
            actor="system",
            action="triage",
            from_status=case.status,
            to_status=case.status,
            note=None,
            evidence=[],
            detail={"category": suggestion[0], "confidence": suggestion[1]},
        )
    if cleaned is not None:
        session.add(Attachment.photo(case.id, *cleaned, PUBLIC_ACTOR))
    if contact is not None:
        await record_reporter(session, case, channel="resident", contact=contact)
    token = await _issue_token(
        session, case, idempotency_key=idempotency_key, request_hash=request_hash
    )
    return Receipt(case, token, replayed=False)


async def follow_public_report(session: AsyncSession, token: str) -> PublicStatus:
    """Return what the holder of a follow-up token may see of their case."""
    report = await session.scalar(
        select(PublicReport).where(PublicReport.token_hash == hash_token(token))
    )
    case = await find_case(session, report.case_id) if report is not None else None
    if case is None:
        raise NotFound("no report with this follow-up token", code="report_not_found")
    # The reporter follows their case even when public views do not list it; notes: public ones.
    timeline = await public_timeline(session, case)
    notes = [PublicNote(n.at, n.status, n.note) for n in timeline if n.note]
    return PublicStatus(
        ref=case.ref,
        status=case.status,
        category_code=case.category_code,
        created_at=case.created_at,
        updated_at=case.updated_at,
        closed_at=case.closed_at,
        notes=notes,
        timezone=await org_service.site_timezone(session, case.org_unit_id),
        point=public_point(case, await category_for(session, case.category_code, case.org_path)),
    )
