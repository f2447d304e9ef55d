"""Events of meetings. Only what the public may read is ever logged: the live page streams them."""

from __future__ import annotations

import uuid
from typing import Any, ClassVar, Literal

from linli.core.events import Event

LIVE_PATTERN = "meeting.*"


class MeetingUpdated(Event):
    """Something public happened at a meeting: its status, the item under discussion, a line of
    the minutes, a decision or a decision's progress."""

    subject: ClassVar[str] = "meeting.updated"
    meeting_id: uuid.UUID
    kind: Literal["status", "item", "minute", "decision"]
    public: bool = True
    item: dict[str, Any]


def is_public_for(envelope: dict[str, Any], meeting_id: uuid.UUID) -> bool:
    """Return whether a logged envelope is a public item of the meeting `meeting_id`."""
    return (
        envelope.get("subject") == MeetingUpdated.subject
        and envelope.get("meeting_id") == str(meeting_id)
        and envelope.get("public") is True
    )
