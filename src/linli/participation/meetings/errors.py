"""Errors of meetings, each with a stable code."""

from __future__ import annotations

from linli.core.errors import Conflict, NotFound, ValidationFailed


class MeetingNotFound(NotFound):
    """No such meeting, or one the caller may not see (the same answer: ids cannot be probed)."""

    code = "meeting_not_found"

    def __init__(self) -> None:
        super().__init__("meeting not found")


class DecisionNotFound(NotFound):
    code = "decision_not_found"

    def __init__(self) -> None:
        super().__init__("decision not found")


class RegistrationNotFound(NotFound):
    code = "registration_not_found"

    def __init__(self) -> None:
        super().__init__("registration not found")


class AgendaItemNotFound(ValidationFailed):
    code = "unknown_agenda_item"

    def __init__(self) -> None:
        super().__init__("the agenda item is not on this meeting's agenda")


class MeetingClosed(Conflict):
    """The meeting is over or cancelled: nobody registers or checks in any more."""

    code = "meeting_closed"

    def __init__(self, detail: str = "the meeting is over or cancelled") -> None:
        super().__init__(detail)


class NotLive(Conflict):
    code = "meeting_not_live"

    def __init__(self) -> None:
        super().__init__("minutes and decisions are taken while the meeting is live or after")


class BadTransition(Conflict):
    code = "bad_meeting_transition"


class WrongCode(ValidationFailed):
    code = "wrong_checkin_code"

    def __init__(self) -> None:
        super().__init__("that is not this meeting's check-in code")
