"""What can go wrong with proposals, each with a stable code."""

from __future__ import annotations

from linli.core.errors import Conflict, Forbidden, NotFound, ValidationFailed


class ProposalNotFound(NotFound):
    code = "proposal_not_found"

    def __init__(self) -> None:
        super().__init__("no such proposal")


class IllegalTransition(Conflict):
    """A state change the proposal's state does not allow; `reason` says why."""

    code = "illegal_transition"

    def __init__(self, current: str, wanted: str, reason: str) -> None:
        super().__init__(reason, current=current, wanted=wanted)


class NotTheAuthor(Forbidden):
    code = "not_the_author"

    def __init__(self) -> None:
        super().__init__("only the proposal's author may withdraw it")


class ProposalClosed(Conflict):
    """Supports and comments are taken only while a proposal is open (not decided)."""

    code = "proposal_closed"

    def __init__(self, status: str) -> None:
        super().__init__(f"the proposal is {status}: it takes no more supports", status=status)


class NoResult(Conflict):
    code = "no_result"

    def __init__(self) -> None:
        super().__init__("only an accepted proposal has a result to track")


class CommentNotFound(NotFound):
    code = "comment_not_found"

    def __init__(self) -> None:
        super().__init__("no such comment")


class MilestoneNotFound(NotFound):
    code = "milestone_not_found"

    def __init__(self) -> None:
        super().__init__("no such milestone")


class UnknownCase(ValidationFailed):
    """The case reference names no case the staff member may read (answered like a missing one)."""

    code = "unknown_case"

    def __init__(self, ref: str) -> None:
        super().__init__(f"no case '{ref}' that you may read", ref=ref)


class UnknownArea(ValidationFailed):
    code = "unknown_area"

    def __init__(self) -> None:
        super().__init__("no such area")
