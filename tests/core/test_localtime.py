"""Times as people read them: the site's zone and the reader's language, from one helper."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from linli.core import localtime
from linli.web.templating import env

# 06:37 UTC is 14:37 in Shenzhen and in Singapore, 01:37 in New York (EST).
AT = datetime(2026, 1, 5, 6, 37, tzinfo=UTC)


def plain(text: str) -> str:
    """CLDR puts narrow no-break spaces before AM/PM; compare with ordinary spaces."""
    return text.replace("\u202f", " ").replace("\xa0", " ")


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        ("en", "Jan 5, 2026, 2:37:00 PM"),
        ("zh_Hans", "2026年1月5日 14:37:00"),
        ("ms", "5 Jan 2026, 2:37:00 PTG"),
        ("ta", "5 ஜன., 2026, 2:37:00 PM"),
    ],
)
def test_an_instant_is_written_in_the_site_zone_in_each_language(
    locale: str, expected: str
) -> None:
    text = localtime.format_when(AT, timezone="Asia/Shanghai", locale=locale)
    assert plain(text) == expected


def test_the_same_instant_reads_the_same_in_both_demo_sites() -> None:
    bao_an = localtime.format_when(AT, timezone="Asia/Shanghai", locale="en", style="short")
    sengkang = localtime.format_when(AT, timezone="Asia/Singapore", locale="en", style="short")
    assert plain(bao_an) == plain(sengkang) == "1/5/26, 2:37 PM"


def test_naive_values_are_utc_and_unknown_zones_fall_back_to_utc() -> None:
    naive = AT.replace(tzinfo=None)  # what SQLite hands back
    assert localtime.format_when(naive, timezone="Asia/Shanghai", locale="en") == (
        localtime.format_when(AT, timezone="Asia/Shanghai", locale="en")
    )
    assert plain(localtime.format_when(AT, timezone="Mars/Olympus", locale="en", part="time")) == (
        "6:37:00 AM"
    )
    assert localtime.format_when(None, timezone="UTC", locale="en") == ""


def test_parts_and_widths() -> None:
    zone = "Asia/Singapore"
    assert localtime.format_when(AT, timezone=zone, locale="en", part="date") == "Jan 5, 2026"
    assert plain(
        localtime.format_when(AT, timezone=zone, locale="en", style="short", part="time")
    ) == ("2:37 PM")
    # A width that is not one falls back to medium instead of being read as a pattern.
    assert localtime.format_when(AT, timezone=zone, locale="en", style="yyyy") == (
        localtime.format_when(AT, timezone=zone, locale="en")
    )


def test_exports_carry_the_site_offset() -> None:
    assert localtime.iso_local(AT, "Asia/Shanghai") == "2026-01-05T14:37:00+08:00"
    assert localtime.iso_local(None, "Asia/Shanghai") == ""


def test_the_page_filter_uses_the_site_zone_not_the_server_or_browser() -> None:
    page = env.from_string('{{ at|when("short") }} · {{ at|when("short", "time") }}')
    text = page.render(at=AT, timezone="Asia/Shanghai", locale="zh_Hans")
    assert plain(text) == "2026/1/5 14:37 · 14:37"
    assert plain(page.render(at=AT, timezone="America/New_York", locale="en")) == (
        "1/5/26, 1:37 AM · 1:37 AM"
    )
