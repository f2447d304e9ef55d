"""Errors of the volunteers domain, each with a stable code."""

from __future__ import annotations

from linli.core.errors import Conflict, NotFound, ValidationFailed


class VolunteerNotFound(NotFound):
    """No such volunteer, or one the caller may not see (the same answer: ids cannot be probed)."""

    code = "volunteer_not_found"

    def __init__(self) -> None:
        super().__init__("volunteer not found")


class NotAVolunteer(NotFound):
    code = "no_volunteer_profile"

    def __init__(self) -> None:
        super().__init__("your account has no volunteer profile")


class LeaveNotFound(NotFound):
    code = "leave_not_found"

    def __init__(self) -> None:
        super().__init__("leave not found")


class ProgrammeNotFound(NotFound):
    code = "programme_not_found"

    def __init__(self) -> None:
        super().__init__("programme not found")


class ShiftNotFound(NotFound):
    code = "shift_not_found"

    def __init__(self) -> None:
        super().__init__("shift not found")


class SignupNotFound(NotFound):
    code = "signup_not_found"

    def __init__(self) -> None:
        super().__init__("sign-up not found")


class UnknownAccount(ValidationFailed):
    code = "unknown_account"

    def __init__(self) -> None:
        super().__init__("no such staff account")


class AccountTaken(Conflict):
    code = "account_has_volunteer"

    def __init__(self) -> None:
        super().__init__("this staff account already has a volunteer profile")


class OverlappingShift(Conflict):
    """The volunteer already holds a place on a shift at the same time."""

    code = "overlapping_shift"


class ShiftClosed(Conflict):
    code = "shift_closed"

    def __init__(self, detail: str = "the shift is cancelled or over") -> None:
        super().__init__(detail)


class BadCheck(Conflict):
    """Check-in or check-out out of order (not confirmed, already in, not in yet…)."""

    code = "bad_check"
