"""Events of notifications: the live inbox of the person told."""

from __future__ import annotations

import uuid
from typing import ClassVar

from linli.core.events import Event


class NotificationCreated(Event):
    """A staff member got a notification; only `account_id` should see it live."""

    subject: ClassVar[str] = "notification.created"

    notification_id: uuid.UUID
    account_id: uuid.UUID
    alarm_id: uuid.UUID | None
    kind: str
    severity: str
    title: str
    link: str | None = None  # the page where one acts on it (a path on the site)
