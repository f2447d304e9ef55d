"""Video-analytics cameras: registration with a token, and their event webhook.

A camera's analytics post `{event_type, camera_id, time, snapshot, confidence}`; the event type
picks the case category from `EVENT_CATEGORIES`, and repeats from one camera within
`JOIN_WINDOW` join the open case (see `open_camera_case`).
"""

from __future__ import annotations

import base64
import binascii
import hmac
import secrets
import uuid
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from linli.cases.events import append_event, snapshot
from linli.cases.intake.models import Camera
from linli.cases.models import TERMINAL, Attachment, Case, CaseEvent
from linli.cases.service import (
    CAMERA_WORDS,
    MAX_TITLE,
    camera_params,
    get_category,
    open_case,
    render_words,
)
from linli.core import clock, events, i18n, media
from linli.core.errors import Conflict, Unauthenticated, ValidationFailed
from linli.org import service as org_service
from linli.security import audit
from linli.security.permissions import Principal
from linli.security.service import hash_secret

TOKEN_PREFIX = "lnc_"
JOIN_WINDOW = timedelta(minutes=30)
MAX_CLOCK_SKEW = timedelta(minutes=5)
MIN_CONFIDENCE = 0.5
EVENT_CATEGORIES: dict[str, str] = {
    "illegal_dumping": "env.illegal_dumping",
    "open_burning": "env.open_burning",
    "bin_overflow": "sanitation.bin_overflow",
    "litter": "sanitation.litter",
    "bulky_waste": "sanitation.bulky_waste",
    "graffiti": "sanitation.graffiti",
    "illegal_parking": "roads.illegal_parking",
    "abandoned_vehicle": "roads.abandoned_vehicle",
}


async def register_camera(
    session: AsyncSession,
    *,
    principal: Principal,
    code: str,
    name: str,
    lon: float,
    lat: float,
) -> tuple[Camera, str]:
    """Register a camera at a point; return it with its token (shown once, only its hash kept)."""
    code = code.strip()
    if not code or len(code) > 64:
        raise ValidationFailed("a camera code has 1 to 64 characters", code="bad_camera_code")
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise ValidationFailed("lon/lat out of range", code="bad_coordinates")
    unit = await org_service.locate(session, lon, lat)
    if unit is None:
        raise ValidationFailed("the point lies outside every boundary", code="outside_boundaries")
    principal.require("devices:write", unit.path)
    if await session.scalar(select(Camera.id).where(Camera.code == code)) is not None:
        raise Conflict(f"a camera '{code}' exists already", code="camera_exists")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    camera = Camera(
        code=code,
        name=name.strip() or code,
        token_hash=hash_secret(token),
        lon=lon,
        lat=lat,
        org_unit_id=unit.id,
        org_path=unit.path,
        active=True,
        created_at=clock.now(),
    )
    session.add(camera)
    await session.flush()
    await audit.record(
        session,
        actor=principal.actor,
        action="camera.register",
        target_type="camera",
        target_id=str(camera.id),
        org_path=camera.org_path,
        detail={"code": code},
    )
    return camera, token


async def authenticate_camera(session: AsyncSession, *, code: str, token: str) -> Camera:
    """Return the active camera `code` if `token` is its token; raise Unauthenticated otherwise."""
    camera = await session.scalar(select(Camera).where(Camera.code == code))
    expected = camera.token_hash if camera is not None and camera.active else hash_secret("")
    matches = hmac.compare_digest(expected, hash_secret(token))
    if camera is None or not camera.active or not matches:
        raise Unauthenticated("unknown camera or wrong camera token", code="bad_camera_token")
    return camera


def decode_snapshot(value: str | None) -> bytes | None:
    """Return the bytes of a base64 snapshot (None when absent); refuse what is not base64."""
    if not value:
        return None
    if len(value) > (media.MAX_PHOTO_BYTES * 4) // 3 + 4:
        raise ValidationFailed("the snapshot is too large", code="photo_too_large")
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as err:
        raise ValidationFailed("the snapshot is not base64", code="bad_snapshot") from err


async def receive_event(
    session: AsyncSession,
    camera: Camera,
    *,
    event_type: str,
    at: datetime,
    snapshot: str | None = None,
    confidence: float | None = None,
) -> tuple[Case | None, str]:
    """Turn one camera event into a case; return it and what happened: opened, joined, ignored."""
    category_code = EVENT_CATEGORIES.get(event_type)
    if category_code is None:
        raise ValidationFailed(
            f"unknown camera event type '{event_type}'",
            code="unknown_event_type",
            known=sorted(EVENT_CATEGORIES),
        )
    if at.tzinfo is None:
        raise ValidationFailed("the event time needs a UTC offset", code="bad_event_time")
    if at - clock.now() > MAX_CLOCK_SKEW:
        raise ValidationFailed("the event time lies in the future", code="bad_event_time")
    data = decode_snapshot(snapshot)
    if confidence is not None and confidence < MIN_CONFIDENCE:
        return None, "ignored"
    case, joined = await open_camera_case(
        session,
        camera_id=camera.id,
        camera_code=camera.code,
        unit_id=camera.org_unit_id,
        lon=camera.lon,
        lat=camera.lat,
        category_code=category_code,
        event_type=event_type,
        at=at,
        confidence=confidence,
        snapshot_photo=data,
        join_window=JOIN_WINDOW,
    )
    return case, "joined" if joined else "opened"


async def open_camera_case(
    session: AsyncSession,
    *,
    camera_id: uuid.UUID,
    camera_code: str,
    unit_id: uuid.UUID,
    lon: float,
    lat: float,
    category_code: str,
    event_type: str,
    at: datetime,
    confidence: float | None,
    snapshot_photo: bytes | None,
    join_window: timedelta,
) -> tuple[Case, bool]:
    """Open the case of a camera event, or join the open case of the same camera and kind seen
    within `join_window`; return the case and whether it was joined."""
    category = await get_category(session, category_code)
    cleaned = media.clean_photo(snapshot_photo) if snapshot_photo else None
    actor = f"camera:{camera_code}"
    source_ref = f"cam:{camera_id.hex}:{event_type[:27]}"
    now = clock.now()
    detail = {"event_type": event_type, "time": at.isoformat(), "confidence": confidence}
    case = await session.scalar(
        select(Case)
        .where(
            Case.source == "alarm",
            Case.source_ref == source_ref,
            Case.status.not_in(list(TERMINAL)),
        )
        .order_by(Case.created_at.desc())
        .limit(1)
        .with_for_update()
    )
    if case is not None:
        last_seen = await session.scalar(
            select(func.max(CaseEvent.at)).where(
                CaseEvent.case_id == case.id, CaseEvent.action.in_(["report", "camera_event"])
            )
        )
        if last_seen is not None and now - last_seen <= join_window:
            if cleaned is not None:
                photo = Attachment.photo(case.id, *cleaned, actor)
                session.add(photo)
                await session.flush()
                detail["snapshot"] = str(photo.id)
            await append_event(
                session,
                case,
                at=now,
                actor=actor,
                action="camera_event",
                from_status=case.status,
                to_status=case.status,
                note=f"{event_type} seen again by camera {camera_code}",
                evidence=[],
                detail=detail,
            )
            case.updated_at = now
            events.record(session, snapshot(case, action="camera_event"))
            return case, True
    unit = await org_service.get_unit(session, unit_id)
    params = camera_params(
        kinds={locale: category.name_in(locale) for locale in i18n.SUPPORTED},
        camera=camera_code,
        seen_at=at,
        timezone=await org_service.site_timezone(session, unit),
        confidence=confidence,
    )
    title, description = render_words(CAMERA_WORDS, params, org_service.site_locale(unit))
    case = await open_case(
        session,
        actor=actor,
        category=category,
        unit=unit,
        title=title[:MAX_TITLE],
        description=description,
        lon=lon,
        lat=lat,
        source="alarm",
        source_ref=source_ref,
        text=(CAMERA_WORDS, params),
    )
    if cleaned is not None:
        session.add(Attachment.photo(case.id, *cleaned, actor))
        await session.flush()
    return case, False
