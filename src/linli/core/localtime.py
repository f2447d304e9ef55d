"""Times as people read them: in the site's time zone, written the way their language writes them.

Storage is UTC; every time shown to a person — pages, charts, messages, exports — goes through
`format_when` here (the pages' `when` filter and the message templates call it), so one instant
reads the same everywhere. The zone is the site's: the time zone of the work calendar in force at
the unit (`linli.org.service.site_timezone`), never the viewer's browser or the server's.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.dates import format_date, format_datetime, format_time

from linli.core import clock

Style = Literal["full", "long", "medium", "short"]
STYLES = ("full", "long", "medium", "short")


def zone(name: str | None) -> ZoneInfo:
    """Return the named time zone, or UTC for a missing or unknown name."""
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def local(value: datetime, timezone: str | None) -> datetime:
    """Return the instant `value` (naive means UTC) on the wall clock of `timezone`."""
    return clock.as_utc(value).astimezone(zone(timezone))


def format_when(
    value: datetime | date | None,
    *,
    timezone: str | None,
    locale: str,
    style: str = "medium",
    part: Literal["datetime", "date", "time"] = "datetime",
) -> str:
    """Write an instant in `timezone`, as `locale` writes dates and times ("" for None).

    `style` is a CLDR width (full, long, medium, short); anything else falls back to medium,
    so a template typo never shows a raw pattern. A `date` is a day of the site already (a
    local day of the figures) and is written as it is.
    """
    if value is None:
        return ""
    width = style if style in STYLES else "medium"
    if not isinstance(value, datetime):
        return format_date(value, width, locale=locale or "en")
    at = local(value, timezone)
    lang = locale or "en"
    if part == "date":
        return format_date(at.date(), width, locale=lang)
    if part == "time":
        return format_time(at, width, tzinfo=at.tzinfo, locale=lang)
    return format_datetime(at, width, tzinfo=at.tzinfo, locale=lang)


def iso_local(value: datetime | None, timezone: str | None) -> str:
    """Return the instant as ISO 8601 with the site's offset (for exports people open)."""
    return "" if value is None else local(value, timezone).isoformat()
