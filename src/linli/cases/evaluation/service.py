"""The reporter's say on a fix: confirm or refuse it with the follow-up token, and rate the case.

* Confirming a `handled` case verifies it in the town profile (the resident who reported it is the
  one who knows whether it is fixed); in the grid profile an inspector or operator verifies, and
  the reporter's confirmation is kept on the timeline as `reporter_confirm`, once per handling.
* Refusing sends the case back to work (`fail_verification`, actor `reporter`) with the reason,
  in both profiles.
* Once a case is handled, verified or closed its reporter rates it 1–5 with an optional comment:
  a resident through the token, a staff member who reported the case through the API. One rating
  per rater and case; each rating is also a `rate` entry on the timeline.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from linli.cases.evaluation.models import CaseRating
from linli.cases.events import append_event, snapshot
from linli.cases.intake.models import PublicReport
from linli.cases.intake.service import hash_token
from linli.cases.models import Case, CaseEvent, transition
from linli.cases.service import apply_transition, find_case, load_for
from linli.core import clock, events
from linli.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from linli.security import audit
from linli.security.permissions import Principal

REPORTER_ACTOR = "reporter"
RATEABLE = frozenset({"handled", "verified", "closed"})
MAX_COMMENT = 1000
MAX_REASON = 1000
STARS = "★★★★★☆☆☆☆☆"


class ReportNotFound(NotFound):
    code = "report_not_found"

    def __init__(self) -> None:
        super().__init__("no report with this follow-up token")


class AlreadyRated(Conflict):
    code = "already_rated"

    def __init__(self) -> None:
        super().__init__("this case has already been rated by you; a rating is given once")


@dataclass(frozen=True, slots=True)
class Feedback:
    """What the token holder may do now, and what they did."""

    case: Case
    confirmed: bool
    rating: CaseRating | None

    @property
    def can_confirm(self) -> bool:
        return self.case.status == "handled" and not self.confirmed

    @property
    def can_refuse(self) -> bool:
        return self.case.status == "handled"

    @property
    def can_rate(self) -> bool:
        return self.case.status in RATEABLE and self.rating is None


def stars(score: int) -> str:
    """Return `score` out of five as stars (language-neutral, for the timeline note)."""
    return STARS[5 - score : 10 - score]


def _clean(text: str | None, *, limit: int, code: str, what: str) -> str | None:
    cleaned = (text or "").strip()
    if len(cleaned) > limit:
        raise ValidationFailed(
            f"{what} has at most {limit} characters", code=code, max_length=limit
        )
    return cleaned or None


async def _report(
    session: AsyncSession, token: str, *, for_update: bool = False
) -> tuple[PublicReport, Case]:
    report = await session.scalar(
        select(PublicReport).where(PublicReport.token_hash == hash_token(token))
    )
    if report is None:
        raise ReportNotFound()
    case = await find_case(session, report.case_id, for_update=for_update)
    if case is None:
        raise ReportNotFound()
    return report, case


def _token_rater(report: PublicReport) -> str:
    return f"public:{report.id.hex}"


async def _rating_of(session: AsyncSession, case: Case, rater: str) -> CaseRating | None:
    return await session.scalar(
        select(CaseRating).where(CaseRating.case_id == case.id, CaseRating.rater == rater)
    )


async def _confirmed_since_handled(session: AsyncSession, case: Case) -> bool:
    """Return whether the reporter confirmed the case's latest handling already."""
    last_handled = select(CaseEvent.seq).where(
        CaseEvent.case_id == case.id, CaseEvent.action == "handle"
    )
    found = await session.scalar(
        select(CaseEvent.id)
        .where(
            CaseEvent.case_id == case.id,
            CaseEvent.action == "reporter_confirm",
            CaseEvent.seq > last_handled.order_by(CaseEvent.seq.desc()).limit(1).scalar_subquery(),
        )
        .limit(1)
    )
    return found is not None


async def feedback(session: AsyncSession, token: str) -> Feedback:
    """Return what the holder of a follow-up token may do about their case now."""
    report, case = await _report(session, token)
    confirmed = case.status == "handled" and await _confirmed_since_handled(session, case)
    return Feedback(case, confirmed, await _rating_of(session, case, _token_rater(report)))


async def confirm_fix(session: AsyncSession, token: str, *, note: str | None = None) -> Case:
    """Confirm the fix of a handled case as its reporter (verifies it in the town profile)."""
    _, case = await _report(session, token, for_update=True)
    text = _clean(note, limit=MAX_REASON, code="note_too_long", what="a note")
    if case.profile == "town":
        return await apply_transition(
            session, case, "verify", actor=REPORTER_ACTOR, note=text, detail={"by": "reporter"}
        )
    transition("verify", case.status)  # only a handled case can be confirmed
    if await _confirmed_since_handled(session, case):
        raise Conflict("you have confirmed this fix already", code="already_confirmed")
    now = clock.now()
    await append_event(
        session,
        case,
        at=now,
        actor=REPORTER_ACTOR,
        action="reporter_confirm",
        from_status=case.status,
        to_status=case.status,
        note=text,
        evidence=[],
        detail={},
    )
    await audit.record(
        session,
        actor=REPORTER_ACTOR,
        action="case.reporter_confirm",
        target_type="case",
        target_id=str(case.id),
        org_path=case.org_path,
        detail={"ref": case.ref},
    )
    case.updated_at = now
    events.record(session, snapshot(case, action="reporter_confirm"))
    return case


async def refuse_fix(session: AsyncSession, token: str, *, reason: str | None) -> Case:
    """Refuse the fix of a handled case as its reporter: it goes back to work, with the reason."""
    _, case = await _report(session, token, for_update=True)
    text = _clean(reason, limit=MAX_REASON, code="reason_too_long", what="a reason")
    if text is None:
        raise ValidationFailed("say what is still wrong", code="reason_required")
    return await apply_transition(
        session, case, "fail_verification", actor=REPORTER_ACTOR, note=text
    )


async def _rate(
    session: AsyncSession,
    case: Case,
    *,
    rater: str,
    via: str,
    actor: str,
    score: int,
    comment: str | None,
) -> CaseRating:
    if isinstance(score, bool) or not isinstance(score, int) or not 1 <= score <= 5:
        raise ValidationFailed("a rating is a whole number from 1 to 5", code="bad_score")
    text = _clean(comment, limit=MAX_COMMENT, code="comment_too_long", what="a comment")
    if case.status not in RATEABLE:
        raise Conflict(
            f"a case can be rated once it is handled; this one is '{case.status}'",
            code="not_rateable",
            status=case.status,
        )
    if await _rating_of(session, case, rater) is not None:
        raise AlreadyRated()
    now = clock.now()
    rating = CaseRating(
        case_id=case.id, rater=rater, via=via, score=score, comment=text, created_at=now
    )
    session.add(rating)
    try:
        await session.flush()
    except IntegrityError as err:  # the same rater twice at once: the other request won
        raise AlreadyRated() from err
    await append_event(
        session,
        case,
        at=now,
        actor=actor,
        action="rate",
        from_status=case.status,
        to_status=case.status,
        note=f"{stars(score)} {text}" if text else stars(score),
        evidence=[],
        detail={"score": score},
    )
    await audit.record(
        session,
        actor=actor,
        action="case.rate",
        target_type="case",
        target_id=str(case.id),
        org_path=case.org_path,
        detail={"ref": case.ref, "score": score},
    )
    return rating


async def rate_by_token(
    session: AsyncSession, token: str, *, score: int, comment: str | None = None
) -> CaseRating:
    """Rate a handled, verified or closed case as the resident who reported it."""
    report, case = await _report(session, token, for_update=True)
    return await _rate(
        session,
        case,
        rater=_token_rater(report),
        via="token",
        actor=REPORTER_ACTOR,
        score=score,
        comment=comment,
    )


async def rate_as_staff(
    session: AsyncSession,
    case_id: uuid.UUID,
    *,
    principal: Principal,
    score: int,
    comment: str | None = None,
) -> CaseRating:
    """Rate a case the principal reported (hotline, patrol, staff report)."""
    case = await load_for(session, case_id, principal, for_update=True)
    reporter = await session.scalar(
        select(CaseEvent.actor).where(CaseEvent.case_id == case.id, CaseEvent.action == "report")
    )
    if reporter != principal.actor:
        raise Forbidden("only the staff member who reported a case rates it", code="not_reporter")
    return await _rate(
        session,
        case,
        rater=principal.actor,
        via="staff",
        actor=principal.actor,
        score=score,
        comment=comment,
    )


async def ratings(session: AsyncSession, case: Case) -> Sequence[CaseRating]:
    """Return a case's ratings, oldest first (the caller has read the case)."""
    return (
        await session.scalars(
            select(CaseRating)
            .where(CaseRating.case_id == case.id)
            .order_by(CaseRating.created_at, CaseRating.id)
        )
    ).all()
