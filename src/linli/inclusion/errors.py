"""Errors of digital inclusion, each with a stable code."""

from __future__ import annotations

from linli.core.errors import Conflict, NotFound


class CourseNotFound(NotFound):
    """No such course, or one the caller may not see (the same answer: ids cannot be probed)."""

    code = "course_not_found"

    def __init__(self) -> None:
        super().__init__("course not found")


class SessionNotFound(NotFound):
    code = "session_not_found"

    def __init__(self) -> None:
        super().__init__("session not found")


class RegistrationNotFound(NotFound):
    code = "registration_not_found"

    def __init__(self) -> None:
        super().__init__("registration not found")


class HelpRequestNotFound(NotFound):
    code = "help_request_not_found"

    def __init__(self) -> None:
        super().__init__("help request not found")


class SessionOver(Conflict):
    """The session has ended: nobody registers for it or gives up a place any more."""

    code = "session_over"

    def __init__(self) -> None:
        super().__init__("the session is over")


class BadHelpTransition(Conflict):
    code = "bad_help_transition"
