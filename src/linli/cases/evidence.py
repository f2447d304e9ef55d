"""What a step must bring: a note saying why, evidence of the case's own, and a photo of the work
where the case needs one.

A case needs a photo in the town profile, and in any profile when its category's
`required_evidence` holds "photo". Closing such a case is refused without a photo on it, and so
is handling it: the handler brings the photo of the work, so no case reaches `verified` with
nothing to close on. Whoever may verify or close the case may add a photo too (see
`linli.cases.service.add_photo`).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from linli.cases import repository
from linli.cases.errors import PhotoRequired
from linli.cases.models import Case, Category
from linli.core.errors import ValidationFailed

# The steps refused while a case that needs a photo holds none.
PHOTO_STEPS = ("handle", "close")


def needs_photo(case: Case, category: Category | None) -> bool:
    """Return whether handling and closing the case need a photo on it."""
    return case.profile == "town" or (category is not None and category.requires_photo)


async def require_photo(
    session: AsyncSession, case: Case, category: Category | None, *, action: str
) -> None:
    """Raise PhotoRequired (409) when the case needs a photo and holds none yet."""
    if needs_photo(case, category) and await repository.count_photos(session, case.id) == 0:
        raise PhotoRequired(action)


def need_reason(action: str, note: str | None) -> str:
    """Return the stripped note, or raise ValidationFailed when the step needs one."""
    if note is None or not note.strip():
        code = "note_required" if action == "handle" else "reason_required"
        raise ValidationFailed(f"'{action}' needs a note saying why or what was done", code=code)
    return note.strip()


async def evidence_ids(session: AsyncSession, case: Case, ids: Sequence[uuid.UUID]) -> list[str]:
    """Return the evidence ids as text, each once; refuse ids that are not the case's photos."""
    if not ids:
        return []
    known = await repository.attachment_ids(session, case.id)
    missing = [str(i) for i in ids if i not in known]
    if missing:
        raise ValidationFailed(
            "evidence must be attachments of this case", code="unknown_attachment", ids=missing
        )
    return [str(i) for i in dict.fromkeys(ids)]
