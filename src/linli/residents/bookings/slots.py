"""Opening hours and slots on the site's clock: pure time arithmetic, no database."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from linli.core import clock, localtime
from linli.core.errors import ValidationFailed

# The days bookings and calendars deal in: nothing near the ends of the calendar, where local
# times and weeks would fall off it.
EARLIEST, LATEST = date(2000, 1, 1), date(2100, 12, 31)


def check_day(day: date) -> None:
    """Raise ValidationFailed unless `day` lies between EARLIEST and LATEST."""
    if not EARLIEST <= day <= LATEST:
        raise ValidationFailed(
            f"choose a day between {EARLIEST} and {LATEST}", code="day_out_of_range"
        )


@dataclass(frozen=True, slots=True)
class Hours:
    """When a facility is open: weekdays (Monday = 0), one daily window, slots of a length."""

    days: str
    opens: time
    closes: time
    slot_minutes: int
    timezone: str

    def open_on(self, day: date) -> bool:
        return str(day.weekday()) in self.days

    def day_window(self, day: date) -> tuple[datetime, datetime]:
        """Return the UTC instants the facility opens and closes on local `day`."""
        zone = localtime.zone(self.timezone)
        start = datetime.combine(day, self.opens, tzinfo=zone)
        end = datetime.combine(day, self.closes, tzinfo=zone)
        return clock.as_utc(start), clock.as_utc(end)

    def slot_starts(self, day: date) -> list[datetime]:
        """Return the UTC starts of the slots of local `day` (none on a closed day)."""
        if not self.open_on(day):
            return []
        start, end = self.day_window(day)
        step = timedelta(minutes=self.slot_minutes)
        found = []
        at = start
        while at + step <= end:
            found.append(at)
            at += step
        return found

    def covered_slots(self, starts_at: datetime, ends_at: datetime) -> list[datetime]:
        """Return the slot starts from `starts_at` up to `ends_at` (aligned times)."""
        step = timedelta(minutes=self.slot_minutes)
        found = []
        at = clock.as_utc(starts_at)
        while at < ends_at:
            found.append(at)
            at += step
        return found

    def local_day(self, at: datetime) -> date:
        return localtime.local(at, self.timezone).date()

    def fits(self, starts_at: datetime, ends_at: datetime) -> str | None:
        """Return why the time is not bookable by the hours ("outside_opening_hours",
        "not_on_slot"), or None when it lies on the slots of one open day."""
        local_start = localtime.local(starts_at, self.timezone)
        local_end = localtime.local(ends_at, self.timezone)
        day = local_start.date()
        if ends_at <= starts_at or not self.open_on(day):
            return "outside_opening_hours"
        opens, closes = self.day_window(day)
        if starts_at < opens or ends_at > closes or local_end.date() != day:
            return "outside_opening_hours"
        step = self.slot_minutes * 60
        offset = (starts_at - opens).total_seconds()
        length = (ends_at - starts_at).total_seconds()
        if offset % step or length % step:
            return "not_on_slot"
        return None

    def describe(self) -> str:
        """Return the hours as "08:00–22:00" (the weekdays are shown apart)."""
        return f"{self.opens:%H:%M}–{self.closes:%H:%M}"


def local_week(at: datetime, timezone: str) -> tuple[datetime, datetime]:
    """Return the UTC bounds of the local week (Monday to Monday) holding `at`."""
    zone = localtime.zone(timezone)
    day = localtime.local(at, timezone).date()
    monday = day - timedelta(days=day.weekday())
    start = datetime.combine(monday, time(0, 0), tzinfo=zone)
    end = datetime.combine(monday + timedelta(days=7), time(0, 0), tzinfo=zone)
    return clock.as_utc(start), clock.as_utc(end)
