"""Why a booking is refused, in words a resident understands, in their language.

Every refusal is a `LinliError` with a stable `code`; its `detail` is English (as every problem
is) and its `reason` member says the same in the resident's language, so the resident's pages
and an app show it as it is.
"""

from __future__ import annotations

from typing import Any

from linli.core import i18n
from linli.core.errors import Conflict, Forbidden, LinliError, NotFound, ValidationFailed
from linli.core.i18n import N_

# code → (kind of error, what the resident reads; %(name)s are filled in)
REASONS: dict[str, tuple[type[LinliError], str]] = {
    "slot_taken": (
        Conflict,
        N_("Someone has already booked this time. Choose another time or join the waiting list."),
    ),
    "over_weekly_quota": (
        Conflict,
        N_("You already have %(quota)s bookings of this facility in that week, the most allowed."),
    ),
    "too_soon": (
        ValidationFailed,
        N_("Bookings must be made at least %(minutes)s minutes before they start."),
    ),
    "too_far_ahead": (
        ValidationFailed,
        N_("Bookings open %(days)s days ahead; this time is further away."),
    ),
    "in_the_past": (ValidationFailed, N_("This time has already passed.")),
    "outside_opening_hours": (
        ValidationFailed,
        N_("The facility is closed at this time. It is open %(hours)s."),
    ),
    "not_on_slot": (
        ValidationFailed,
        N_("Bookings start and end on the facility's %(minutes)s-minute slots."),
    ),
    "too_long": (ValidationFailed, N_("A booking may last at most %(minutes)s minutes.")),
    "too_short": (ValidationFailed, N_("A booking lasts at least %(minutes)s minutes.")),
    "booking_suspended": (
        Forbidden,
        N_("After missed bookings you may not book this facility until %(until)s."),
    ),
    "verification_needed": (
        Forbidden,
        N_("This facility is for residents whose account is verified further (%(level)s)."),
    ),
    "outside_area": (Forbidden, N_("This facility is only for residents of its area.")),
    "facility_closed": (Conflict, N_("This facility is not taking bookings.")),
    "cancel_too_late": (
        Conflict,
        N_("Bookings can be cancelled online until %(minutes)s minutes before they start."),
    ),
    "not_cancellable": (Conflict, N_("This booking can no longer be cancelled.")),
    "checkin_closed": (
        Conflict,
        N_("Check-in is open from %(before)s minutes before the start to %(grace)s minutes after."),
    ),
    "wrong_checkin_code": (ValidationFailed, N_("This is not the code shown at the facility.")),
    "not_checkable": (Conflict, N_("This booking cannot be checked in.")),
    "no_offer": (Conflict, N_("This booking is not an offer waiting for your answer.")),
    "offer_expired": (Conflict, N_("This offer has expired.")),
    "slot_free": (Conflict, N_("This time is free: book it instead of waiting.")),
    "already_waiting": (Conflict, N_("You are already on the waiting list for this time.")),
}


def reason_text(code: str, locale: str, params: dict[str, Any] | None = None) -> str:
    """Return what a resident reads for refusal `code`, in `locale`."""
    _, message = REASONS[code]
    return i18n.translations(locale).gettext(message) % (params or {})


def refused(code: str, locale: str = "en", **params: Any) -> LinliError:
    """Return the error refusing a booking action for `code`, with its reason in `locale`."""
    kind, _ = REASONS[code]
    return kind(
        reason_text(code, "en", params),
        code=code,
        reason=reason_text(code, locale, params),
        **{k: str(v) for k, v in params.items()},
    )


def booking_not_found() -> NotFound:
    return NotFound("booking not found", code="booking_not_found")


def facility_not_found() -> NotFound:
    return NotFound("facility not found", code="facility_not_found")
