"""Work-calendar arithmetic: SLA deadlines follow working hours, weekends and holidays."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from factories import make_district
from linli.core import clock as clock_mod
from linli.core.database import session_scope
from linli.core.errors import ValidationFailed
from linli.org import service as org_service
from linli.org.calendar import Calendar, make_calendar

SHENZHEN = ZoneInfo("Asia/Shanghai")
OFFICE = make_calendar("Asia/Shanghai", "01234", time(9, 0), time(18, 0), [])


def local(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=SHENZHEN)


def test_work_within_one_day() -> None:
    assert OFFICE.add(local(2026, 3, 2, 10, 0), timedelta(hours=4)) == local(2026, 3, 2, 14, 0)


def test_friday_evening_to_monday() -> None:
    # Reported Friday 17:00 with a 4-hour limit: 1 hour on Friday, 3 on Monday.
    due = OFFICE.add(local(2026, 3, 6, 17, 0), timedelta(hours=4))
    assert due == local(2026, 3, 9, 12, 0)
    assert due.tzinfo == UTC


def test_time_outside_working_hours_starts_at_the_next_opening() -> None:
    assert OFFICE.add(local(2026, 3, 7, 11, 0), timedelta(hours=1)) == local(2026, 3, 9, 10, 0)
    assert OFFICE.add(local(2026, 3, 2, 20, 0), timedelta(0)) == local(2026, 3, 3, 9, 0)
    assert OFFICE.add(local(2026, 3, 2, 6, 0), timedelta(hours=9)) == local(2026, 3, 2, 18, 0)


def test_holidays_are_skipped() -> None:
    # Qingming 2026 falls on Saturday 4 April; say the office also closes Friday 3 April.
    cal = make_calendar("Asia/Shanghai", "01234", time(9), time(18), [date(2026, 4, 3)])
    assert cal.add(local(2026, 4, 2, 17, 0), timedelta(hours=2)) == local(2026, 4, 6, 10, 0)
    assert cal.work_between(local(2026, 4, 2, 9, 0), local(2026, 4, 7, 9, 0)) == timedelta(hours=18)


def test_a_window_over_midnight() -> None:
    night = make_calendar("Asia/Shanghai", "0123456", time(22, 0), time(6, 0), [])
    assert night.add(local(2026, 3, 2, 23, 0), timedelta(hours=4)) == local(2026, 3, 3, 3, 0)
    # Started at 05:00, one hour before the shift ends: the rest runs into the next night.
    assert night.add(local(2026, 3, 3, 5, 0), timedelta(hours=2)) == local(2026, 3, 3, 23, 0)
    assert night.work_between(local(2026, 3, 2, 12, 0), local(2026, 3, 3, 12, 0)) == timedelta(
        hours=8
    )


def test_a_friday_night_shift_runs_into_saturday_morning() -> None:
    # Monday-to-Friday night shifts: the Friday shift runs into Saturday morning.
    nights = make_calendar("Asia/Shanghai", "01234", time(22, 0), time(6, 0), [])
    assert nights.add(local(2026, 3, 7, 5, 0), timedelta(hours=2)) == local(2026, 3, 9, 23, 0)


def test_work_between_counts_only_working_time() -> None:
    friday_5pm, monday_10am = local(2026, 3, 6, 17, 0), local(2026, 3, 9, 10, 0)
    assert OFFICE.work_between(friday_5pm, monday_10am) == timedelta(hours=2)
    assert OFFICE.work_between(monday_10am, friday_5pm) == timedelta(0)
    week = OFFICE.work_between(local(2026, 3, 2, 0, 0), local(2026, 3, 9, 0, 0))
    assert week == timedelta(hours=45)


def test_add_and_work_between_agree() -> None:
    start = local(2026, 3, 5, 16, 30)
    for hours in (0.5, 3, 9, 17, 40):
        due = OFFICE.add(start, timedelta(hours=hours))
        assert OFFICE.work_between(start, due) == timedelta(hours=hours)


def test_elapsed_time_is_real_across_a_daylight_saving_change() -> None:
    # London moves its clocks forward on Sunday 29 March 2026: that day has 23 hours.
    london = Calendar(timezone="Europe/London")
    start = datetime(2026, 3, 28, 12, 0, tzinfo=UTC)
    assert london.add(start, timedelta(hours=24)) == datetime(2026, 3, 29, 12, 0, tzinfo=UTC)
    end = datetime(2026, 3, 30, 0, 0, tzinfo=UTC)
    assert london.work_between(start, end) == timedelta(hours=36)


def test_always_is_plain_elapsed_time() -> None:
    start = datetime(2026, 3, 6, 22, 0, tzinfo=UTC)
    assert Calendar.always().add(start, timedelta(hours=5)) == start + timedelta(hours=5)


async def test_a_unit_uses_its_nearest_calendar(db: str, clock: clock_mod.ManualClock) -> None:
    async with session_scope() as session:
        tree = await make_district(session)
        grid = tree.unit("S1-C1-G1")
        inherited = await org_service.calendar_for(session, grid)
        assert inherited.timezone == "Asia/Shanghai" and inherited.workdays == frozenset(range(5))
        await org_service.set_calendar(
            session,
            unit=tree.unit("S1-C1"),
            timezone="Asia/Singapore",
            workdays="012345",
            day_start=time(8, 0),
            day_end=time(20, 0),
            holidays=[date(2026, 3, 9)],
        )
        own = await org_service.calendar_for(session, grid)
        assert own.timezone == "Asia/Singapore" and date(2026, 3, 9) in own.holidays
        assert (await org_service.calendar_for(session, tree.unit("S2-C1-G1"))).timezone == (
            "Asia/Shanghai"
        )


async def test_setting_a_calendar_again_replaces_it(db: str, clock: clock_mod.ManualClock) -> None:
    async with session_scope() as session:
        tree = await make_district(session)
        await org_service.set_calendar(
            session, unit=tree.district, timezone="Asia/Shanghai", holidays=[date(2026, 5, 1)]
        )
        await org_service.set_calendar(
            session,
            unit=tree.district,
            timezone="Asia/Shanghai",
            workdays="0123456",
            holidays=[date(2026, 10, 1)],
        )
    async with session_scope() as session:
        cal = await org_service.calendar_for(session, tree.district)
    assert cal.workdays == frozenset(range(7)) and cal.holidays == frozenset({date(2026, 10, 1)})


@pytest.mark.parametrize(
    ("timezone", "workdays", "code"),
    [
        ("Mars/Olympus", "01234", "bad_timezone"),
        ("", "01234", "bad_timezone"),
        ("Asia/Shanghai", "", "bad_workdays"),
        ("Asia/Shanghai", "17", "bad_workdays"),
    ],
)
async def test_bad_calendars_are_refused(db: str, timezone: str, workdays: str, code: str) -> None:
    async with session_scope() as session:
        tree = await make_district(session)
        with pytest.raises(ValidationFailed) as err:
            await org_service.set_calendar(
                session, unit=tree.district, timezone=timezone, workdays=workdays
            )
    assert err.value.code == code
