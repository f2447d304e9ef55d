"""Errors of resident accounts, each with a stable code."""

from __future__ import annotations

from linli.core.errors import Forbidden, TooManyRequests, Unauthenticated, ValidationFailed


class CodeRefused(Unauthenticated):
    """A one-time code that is wrong, expired, used or burnt; the answer never says which."""

    code = "code_refused"

    def __init__(self) -> None:
        super().__init__("the code is wrong or no longer valid; ask for a new one")


class SignInThrottled(TooManyRequests):
    code = "sign_in_throttled"

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"too many tries; try again in {retry_after} s", retry_after=retry_after)


class BadContact(ValidationFailed):
    code = "bad_contact"


class NoLiveConsent(Forbidden):
    """Acting for a senior without a consent in force."""

    code = "no_consent"

    def __init__(self) -> None:
        super().__init__(
            "you may not act for this resident: there is no consent in force "
            "(it was never given, or it was revoked)"
        )
