"""Rule schedules: the days and local hours in which a rule may raise alarms.

A schedule is `{"tz": "Asia/Shanghai", "days": [0..6], "start": "22:00", "end": "06:00"}`;
days are Monday = 0 … Sunday = 6 in the schedule's zone. A window whose end is not after its
start runs across midnight and belongs to the day it starts on: with days [4] (Friday) and
22:00–06:00, Friday 23:00 and Saturday 05:00 are inside, Saturday 23:00 is not. A rule without
a schedule raises at any time. Clearing is never held back by a schedule.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import ConfigDict, Field, ValidationError, field_validator, model_validator

from linli.core.errors import ValidationFailed
from linli.core.schemas import Schema

HHMM = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"


class Schedule(Schema):
    """When a rule may raise: on `days` (0 = Monday) from `start` to `end`, local to `tz`."""

    model_config = ConfigDict(extra="forbid")

    tz: str = Field(default="UTC", min_length=1, max_length=64, examples=["Asia/Shanghai"])
    days: list[int] = Field(default=[0, 1, 2, 3, 4, 5, 6], min_length=1, max_length=7)
    start: str = Field(pattern=HHMM, examples=["22:00"])
    end: str = Field(pattern=HHMM, examples=["06:00"])

    @field_validator("tz")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as err:
            raise ValueError(f"unknown time zone '{value}'") from err
        return value

    @field_validator("days")
    @classmethod
    def _weekdays(cls, value: list[int]) -> list[int]:
        if any(d < 0 or d > 6 for d in value):
            raise ValueError("days are 0 (Monday) to 6 (Sunday)")
        if len(set(value)) != len(value):
            raise ValueError("a day is listed twice")
        return sorted(value)

    @model_validator(mode="after")
    def _not_empty(self) -> Schedule:
        if self.start == self.end:
            raise ValueError("start and end are the same: the window would be empty")
        return self


def check_schedule(raw: dict[str, Any] | None) -> dict[str, Any] | None:
    """Return the schedule normalised, or raise ValidationFailed(bad_schedule)."""
    if raw is None:
        return None
    try:
        return Schedule.model_validate(raw).model_dump()
    except ValidationError as err:
        errors = [
            {"field": ".".join(str(p) for p in e["loc"]) or "schedule", "message": e["msg"]}
            for e in err.errors(include_url=False)
        ]
        raise ValidationFailed("invalid schedule", code="bad_schedule", errors=errors) from err


def _hhmm(value: str) -> time:
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


def in_schedule(schedule: dict[str, Any] | None, ts: datetime) -> bool:
    """Return whether `ts` (zone-aware) falls inside the schedule; always True without one."""
    if not schedule:
        return True
    local = ts.astimezone(ZoneInfo(schedule.get("tz", "UTC")))
    start, end = _hhmm(schedule["start"]), _hhmm(schedule["end"])
    days = set(schedule.get("days", range(7)))
    now = local.time()
    if start < end:
        return local.weekday() in days and start <= now < end
    # Across midnight: the evening part belongs to today, the morning part to yesterday.
    if now >= start:
        return local.weekday() in days
    if now < end:
        return (local - timedelta(days=1)).weekday() in days
    return False


def counted_since(schedule: dict[str, Any] | None, since: datetime, now: datetime) -> datetime:
    """Return when the silence that matters began: `since`, or the start of the window `now`
    is in if that is later (silence outside the window does not count)."""
    if not schedule or not in_schedule(schedule, now):
        return since
    zone = ZoneInfo(schedule.get("tz", "UTC"))
    local = now.astimezone(zone)
    start = datetime.combine(local.date(), _hhmm(schedule["start"]), tzinfo=zone)
    if start > local:  # the morning part of a window that began yesterday evening
        start -= timedelta(days=1)
    return max(since, start)


def silence_alarms(
    schedule: dict[str, Any] | None, params: dict[str, Any], since: datetime, now: datetime
) -> bool:
    """Return whether an absence rule (`params`) should raise at `now` for a device silent since
    `since`: inside its window, and silent too long counting only the window's part."""
    if not in_schedule(schedule, now):
        return False
    silent = (now - counted_since(schedule, since, now)).total_seconds()
    return silent > int(params["silent_seconds"])


def describe(schedule: dict[str, Any] | None) -> str:
    """Return the schedule in words, e.g. `22:00-06:00 Asia/Shanghai on days 0,1,2`."""
    if not schedule:
        return "always"
    days = ",".join(str(d) for d in schedule.get("days", range(7)))
    return f"{schedule['start']}-{schedule['end']} {schedule.get('tz', 'UTC')} on days {days}"
