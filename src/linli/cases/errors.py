"""Errors of the case core, each with a stable code."""

from __future__ import annotations

from linli.core.errors import Conflict, NotFound, ValidationFailed


class CaseNotFound(NotFound):
    """No such case, or not one the caller may see (the same answer, so ids cannot be probed)."""

    code = "case_not_found"

    def __init__(self) -> None:
        super().__init__("case not found")


class AttachmentNotFound(NotFound):
    code = "attachment_not_found"

    def __init__(self) -> None:
        super().__init__("attachment not found")


class UnknownCategory(ValidationFailed):
    code = "unknown_category"

    def __init__(self, code: str) -> None:
        super().__init__(f"no case category '{code}'", category=code)


class CaseClosed(Conflict):
    code = "case_closed"

    def __init__(self, status: str) -> None:
        super().__init__(f"the case is {status}; nothing more can be added", case_status=status)


class PhotoRequired(Conflict):
    """The step needs a photo on the case first (town profile, or a photo-evidence category)."""

    code = "photo_required"

    def __init__(self, action: str) -> None:
        message = (
            "handling this case needs a photo of the work: attach one first"
            if action == "handle"
            else "closing this case needs at least one photo"
        )
        super().__init__(message, action=action)
