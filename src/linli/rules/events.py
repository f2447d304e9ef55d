"""Events about alarms, published after the commit for the live map and the workers."""

from __future__ import annotations

import uuid
from typing import ClassVar

from linli.core.events import Event


class AlarmEvent(Event):
    alarm_id: uuid.UUID
    rule_id: uuid.UUID
    device_code: str
    device_type: str
    metric: str
    value: float
    severity: str
    status: str
    lon: float | None
    lat: float | None
    case_id: uuid.UUID | None = None


class AlarmRaised(AlarmEvent):
    """A rule was breached and a new alarm opened."""

    subject: ClassVar[str] = "alarm.raised"


class AlarmChanged(AlarmEvent):
    """An alarm was acknowledged or cleared."""

    subject: ClassVar[str] = "alarm.changed"
