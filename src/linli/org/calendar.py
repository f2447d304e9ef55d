"""Work-calendar arithmetic: add working time to an instant, count working time between two."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo


@dataclass(frozen=True, slots=True)
class Calendar:
    """Working hours in a time zone; `workdays` holds weekday numbers (Monday = 0)."""

    timezone: str = "UTC"
    workdays: frozenset[int] = frozenset(range(7))
    day_start: time = time(0, 0)
    day_end: time = time(0, 0)  # equal to day_start: the whole day
    holidays: frozenset[date] = frozenset()

    @classmethod
    def always(cls) -> Calendar:
        """Return a 24/7 calendar."""
        return cls()

    def _is_workday(self, day: date) -> bool:
        return day.weekday() in self.workdays and day not in self.holidays

    def _window(self, day: date) -> tuple[datetime, datetime]:
        # In UTC, so that lengths are elapsed time: Python subtracts two datetimes of one
        # zone by their wall clocks, which is an hour off across a DST change.
        tz = ZoneInfo(self.timezone)
        start = datetime.combine(day, self.day_start, tz)
        end_day = day + timedelta(days=1) if self.day_end <= self.day_start else day
        end = datetime.combine(end_day, self.day_end, tz)
        return start.astimezone(UTC), end.astimezone(UTC)

    def add(self, start: datetime, work: timedelta) -> datetime:
        """Return the instant at which `work` of working time after `start` has elapsed."""
        if not self.workdays:
            raise ValueError("a calendar needs at least one working day")
        remaining = work
        local = start.astimezone(ZoneInfo(self.timezone))
        day = local.date() - timedelta(days=1)  # a window may start the day before
        for _ in range(3660):
            if self._is_workday(day):
                w_start, w_end = self._window(day)
                begin = max(w_start, start)
                if begin < w_end:
                    available = w_end - begin
                    if remaining <= available:
                        return (begin + remaining).astimezone(UTC)
                    remaining -= available
            day += timedelta(days=1)
        raise ValueError("deadline is more than ten years of working time away")

    def work_between(self, start: datetime, end: datetime) -> timedelta:
        """Return the working time between two instants."""
        if end <= start:
            return timedelta(0)
        total = timedelta(0)
        day = start.astimezone(ZoneInfo(self.timezone)).date() - timedelta(days=1)
        last = end.astimezone(ZoneInfo(self.timezone)).date()
        while day <= last:
            if self._is_workday(day):
                w_start, w_end = self._window(day)
                lo, hi = max(w_start, start), min(w_end, end)
                if lo < hi:
                    total += hi - lo
            day += timedelta(days=1)
        return total


def parse_workdays(value: str) -> frozenset[int]:
    """Turn "01234" into {0, 1, 2, 3, 4}."""
    return frozenset(int(c) for c in value if c.isdigit() and int(c) < 7)


def make_calendar(
    timezone: str, workdays: str, day_start: time, day_end: time, holidays: Collection[date]
) -> Calendar:
    """Build a Calendar from stored columns."""
    return Calendar(timezone, parse_workdays(workdays), day_start, day_end, frozenset(holidays))
