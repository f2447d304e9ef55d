"""The one source of "now": the system clock, or a clock that tests move by hand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    """Wall-clock UTC time."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class ManualClock:
    """A clock that only moves when told to."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("ManualClock needs an aware datetime")
        self._now = start.astimezone(UTC)

    def now(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta) -> datetime:
        """Move the clock forward by `delta` and return the new time."""
        self._now += delta
        return self._now

    def set(self, when: datetime) -> None:
        """Jump to `when`."""
        self._now = when.astimezone(UTC)


_clock: Clock = SystemClock()


def now() -> datetime:
    """Return the current UTC time from the installed clock."""
    return _clock.now()


def install(clock: Clock) -> Clock:
    """Install `clock` as the process clock and return the previous one."""
    global _clock
    previous, _clock = _clock, clock
    return previous


def as_utc(value: datetime) -> datetime:
    """Return `value` as an aware UTC datetime (SQLite hands back naive UTC values)."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)
