"""The conversation engine shared by SMS and the chat app: a resident texts a problem in any of
en / zh / ms / ta; it is triaged, its place asked for if the words do not name one, a nearby
duplicate offered ("reply 1 yes / 2 no") and joined on yes, a new report filed on no; the
resident gets the case's reference and may text it (or STATUS) to hear how it is going.

Reports go through intake's public-report flow (as a resident's web report does), so they carry
a follow-up row; the conversation follows that row, which moves with a merged duplicate.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from linli.cases import service as cases_service
from linli.cases.intake import service as intake_service
from linli.cases.intake.models import PublicReport
from linli.cases.models import Case
from linli.core import clock, localtime
from linli.core.errors import NotFound, ValidationFailed
from linli.org import service as org_service
from linli.registry.models import Building
from linli.residents.messaging import language, places
from linli.residents.messaging import wording as w
from linli.residents.messaging.models import Conversation, Follow

MAX_STATUS_LINES = 3


@dataclass(frozen=True, slots=True)
class Turn:
    """One inbound message as the engine reads it: its words, the gateway's message id (the
    idempotency key of whatever it files) and the app's language hint, if any."""

    text: str
    key: str
    hint: str | None = None


async def converse(session: AsyncSession, conv: Conversation, turn: Turn) -> list[str]:
    """Answer one message of a conversation (its row locked by the caller); return the replies."""
    text, said = turn.text.strip(), language.normal(turn.text)
    asked = language.language_keyword(text)
    if asked is not None:
        conv.locale = asked
        return [w.say(asked, w.LANGUAGE_SET)]
    if said in language.HELP_WORDS:
        return [w.say(conv.locale, w.HELP, languages=w.LANGUAGES)]
    if said in language.CANCEL_WORDS:
        _clear(conv)
        return [w.say(conv.locale, w.CANCELLED)]
    if said in language.STATUS_WORDS:
        return [await _followed_status(session, conv)]
    ref = language.reference(text)
    if ref is not None and len(language.words(text)) <= 3:
        return [await status_of(session, conv, ref)]
    if conv.state == "confirm_duplicate":
        yes = language.answer(text)
        if yes is True:
            return [await _join(session, conv, turn.key)]
        if yes is False:
            return [await _file(session, conv, turn.key)]
        if len(text) <= 3:
            return [w.say(conv.locale, w.ASK_YES_NO)]
    elif conv.state == "need_place":
        found = await places.find_reply(session, text)
        if found.one is not None:
            return [await _placed(session, conv, found.one, turn.key)]
        if found.buildings:
            return [_choose(conv, found)]
        if language.detect(text) is None or len(text) < 20:
            return [w.say(conv.locale, w.PLACE_NOT_FOUND)]
    return [await _new_report(session, conv, turn)]


def _idempotency_key(key: str) -> str:
    """Return the report's idempotency key for a message (gateways' ids may hold any text)."""
    return "msg:" + hashlib.sha256(key.encode()).hexdigest()


def _clear(conv: Conversation) -> None:
    conv.state = "idle"
    conv.draft_text = conv.draft_category = conv.draft_place = conv.offered_ref = None
    conv.draft_lon = conv.draft_lat = None


def _choose(conv: Conversation, found: places.Found) -> str:
    conv.state = "need_place"
    names = ", ".join(f"{b.code} {places.building_name(b, conv.locale)}" for b in found.buildings)
    return w.say(conv.locale, w.PLACE_SEVERAL, places=names)


async def _new_report(session: AsyncSession, conv: Conversation, turn: Turn) -> str:
    conv.locale = language.detect(turn.text) or turn.hint or conv.locale
    model = await intake_service.current_triage_model(session)
    if model is None:
        return w.say(conv.locale, w.NO_TRIAGE)
    _clear(conv)
    conv.draft_text = turn.text.strip()
    conv.draft_category = model.suggest(conv.draft_text, k=1)[0][0]
    found = await places.find_in(session, conv.draft_text)
    if found.one is not None:
        return await _placed(session, conv, found.one, turn.key)
    if found.buildings:
        return _choose(conv, found)
    conv.state = "need_place"
    return w.say(conv.locale, w.ASK_PLACE)


async def _placed(session: AsyncSession, conv: Conversation, building: Building, key: str) -> str:
    """Place the draft at `building`; offer a nearby duplicate, else file the report."""
    conv.draft_lon, conv.draft_lat = building.lon, building.lat
    conv.draft_place = building.code
    assert conv.draft_text is not None
    similar = await intake_service.similar_open_cases(
        session, text=conv.draft_text, lon=building.lon, lat=building.lat, limit=1,
        locale=conv.locale,
    )  # fmt: skip
    if not similar:
        return await _file(session, conv, key)
    first = similar[0]
    conv.state, conv.offered_ref = "confirm_duplicate", first.case.ref
    return w.say(
        conv.locale, w.ASK_SAME, ref=first.case.ref, kind=first.category_name,
        distance=round(first.distance_m),
    )  # fmt: skip


async def _follow(session: AsyncSession, conv: Conversation, token: str) -> None:
    report = await session.scalar(
        select(PublicReport).where(PublicReport.token_hash == intake_service.hash_token(token))
    )
    assert report is not None  # the receipt's own row
    session.add(Follow(conversation_id=conv.id, public_report_id=report.id))
    await session.flush()


async def _file(session: AsyncSession, conv: Conversation, key: str) -> str:
    assert conv.draft_text is not None
    contact = intake_service.Contact(phone=conv.address) if conv.channel == "sms" else None
    receipt = await intake_service.submit_public_report(
        session, text=conv.draft_text, lon=conv.draft_lon, lat=conv.draft_lat,
        category_code=conv.draft_category, contact=contact, idempotency_key=_idempotency_key(key),
    )  # fmt: skip
    if not receipt.replayed:
        await _follow(session, conv, receipt.token)
    _clear(conv)
    return w.say(conv.locale, w.FILED, ref=receipt.case.ref)


async def _join(session: AsyncSession, conv: Conversation, key: str) -> str:
    assert conv.draft_text is not None and conv.offered_ref is not None
    assert conv.draft_lon is not None and conv.draft_lat is not None
    try:
        receipt = await intake_service.join_public_report(
            session, ref=conv.offered_ref, text=conv.draft_text, lon=conv.draft_lon,
            lat=conv.draft_lat, idempotency_key=_idempotency_key(key),
        )  # fmt: skip
    except (NotFound, ValidationFailed):
        # Closed or moved on since it was offered: the report is filed on its own.
        return await _file(session, conv, key)
    if not receipt.replayed:
        await _follow(session, conv, receipt.token)
    _clear(conv)
    return w.say(conv.locale, w.JOINED, ref=receipt.case.ref)


async def _line(session: AsyncSession, case: Case, locale: str) -> str:
    zone = await org_service.site_timezone(session, case.org_unit_id)
    when = localtime.format_when(case.updated_at, timezone=zone, locale=locale, style="short")
    return w.say(locale, w.STATUS, ref=case.ref, status=w.status_words(locale, case.status),
                 when=when)  # fmt: skip


async def visible_case(session: AsyncSession, conv: Conversation | None, ref: str) -> Case | None:
    """Return the case `ref` if this conversation follows it or public views show it; any
    other answers as a missing one."""
    case = await session.scalar(select(Case).where(Case.ref == ref))
    if case is None:
        return None
    if conv is not None:
        stmt = select(Follow.id).join(PublicReport, PublicReport.id == Follow.public_report_id)
        followed = await session.scalar(
            stmt.where(Follow.conversation_id == conv.id, PublicReport.case_id == case.id)
        )
        if followed is not None:
            return case
    return case if await cases_service.shown_publicly(session, case) else None


async def status_of(session: AsyncSession, conv: Conversation, ref: str) -> str:
    """Return a case's status in words, or that it was not found (see `visible_case`)."""
    case = await visible_case(session, conv, ref)
    if case is None:
        return w.say(conv.locale, w.NOT_FOUND, ref=ref)
    return await _line(session, case, conv.locale)


async def _followed_status(session: AsyncSession, conv: Conversation) -> str:
    followed = (
        select(PublicReport.case_id)
        .join(Follow, Follow.public_report_id == PublicReport.id)
        .where(Follow.conversation_id == conv.id)
    )
    stmt = (
        select(Case)
        .where(Case.id.in_(followed))
        .order_by(Case.updated_at.desc(), Case.ref.desc())
        .limit(MAX_STATUS_LINES)
    )
    found = list(await session.scalars(stmt))
    if not found:
        return w.say(conv.locale, w.NOTHING_FOLLOWED)
    return "\n".join([await _line(session, case, conv.locale) for case in found])


def touched(conv: Conversation) -> None:
    """Mark the conversation as changed now."""
    conv.updated_at = clock.now()
