"""Errors of votes and ballots, each with a stable code and a reason people can act on."""

from __future__ import annotations

from linli.core.errors import Conflict, NotFound


class VoteNotFound(NotFound):
    """No such vote, or one the caller may not see (the same answer: ids cannot be probed)."""

    code = "vote_not_found"

    def __init__(self) -> None:
        super().__init__("vote not found")


class BatchNotFound(NotFound):
    code = "paper_batch_not_found"

    def __init__(self) -> None:
        super().__init__("paper batch not found")


class WrongPhase(Conflict):
    """The vote is not in the phase the action needs."""

    code = "wrong_phase"

    def __init__(self, detail: str, *, code: str = "wrong_phase", phase: str) -> None:
        super().__init__(detail, code=code, phase=phase)


class AlreadyVoted(Conflict):
    code = "already_voted"

    def __init__(self) -> None:
        super().__init__("this resident has already taken part in this vote (online or on paper)")
