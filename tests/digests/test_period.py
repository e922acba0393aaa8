"""Digest periods: whole local days, named the same by the command line and the scheduler, and
only those a digest's schedule produces (hole B: overlapping windows give counts away)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from handlers.digests.period import (
    PeriodError,
    Schedule,
    days_before,
    due_period,
    last_day,
    last_days,
    parse_period,
    parse_send_time,
)

ISTANBUL = "Europe/Istanbul"  # UTC+3 all year


def test_periods_are_read_in_days_or_weeks() -> None:
    assert parse_period("7d") == 7
    assert parse_period(" 2W ") == 14
    assert parse_period("1d") == 1


@pytest.mark.parametrize("text", ["", "7", "d7", "0d", "400d", "3m", "-1d"])
def test_a_bad_period_is_refused_in_one_line(text: str) -> None:
    with pytest.raises(PeriodError) as refused:
        parse_period(text)
    assert "\n" not in str(refused.value)


def test_send_times_are_normalised_and_bad_ones_refused() -> None:
    assert parse_send_time("8:30") == "08:30"
    assert parse_send_time("23.05") == "23:05"
    for bad in ("24:00", "8", "08:60", "noon"):
        with pytest.raises(PeriodError):
            parse_send_time(bad)


def test_the_last_seven_days_end_at_local_midnight_today() -> None:
    now = datetime(2026, 12, 1, 1, 30, tzinfo=UTC)  # 04:30 on 1 December in Istanbul
    period = last_days(now, 7, ISTANBUL)
    assert period.start == datetime(2026, 11, 23, 21, 0, tzinfo=UTC)
    assert period.end == datetime(2026, 11, 30, 21, 0, tzinfo=UTC)
    assert period.days == 7
    assert period.previous.end == period.start
    assert period.previous.days == 7


def test_a_daily_digest_covers_yesterday_once_its_time_has_come() -> None:
    before = datetime(2026, 12, 1, 4, 59, tzinfo=UTC)  # 07:59 in Istanbul
    after = datetime(2026, 12, 1, 5, 0, tzinfo=UTC)  # 08:00
    due_before = due_period("daily", 0, "08:00", ISTANBUL, before)
    due_after = due_period("daily", 0, "08:00", ISTANBUL, after)
    assert due_before is not None and due_after is not None
    assert due_after[0] == last_days(after, 1, ISTANBUL)
    assert due_after[1] == after
    assert due_before[0] == due_after[0].previous  # before 08:00 the latest due is the day before's


def test_a_weekly_digest_covers_the_seven_days_before_its_weekday() -> None:
    tuesday = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    due = due_period("weekly", 0, "09:00", ISTANBUL, tuesday)  # Mondays at 09:00
    assert due is not None
    period, moment = due
    assert moment == datetime(2026, 11, 30, 6, 0, tzinfo=UTC)
    assert period.days == 7
    assert period.end == datetime(2026, 11, 29, 21, 0, tzinfo=UTC)  # Monday 30 Nov, 00:00 local


def test_a_digest_that_is_off_is_never_due() -> None:
    assert due_period("off", 0, "08:00", ISTANBUL, datetime(2026, 12, 1, tzinfo=UTC)) is None


def test_the_command_line_and_the_scheduler_name_the_same_day_the_same_way() -> None:
    now = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    due = due_period("daily", 0, "08:00", ISTANBUL, now)
    assert due is not None
    assert due[0] == last_days(now, 1, ISTANBUL)


def test_a_weekly_schedule_has_weeks_ending_the_day_before_its_weekday() -> None:
    mondays = Schedule("weekly", 0, ISTANBUL)
    assert [mondays.ends_period(date(2026, 11, day)) for day in (28, 29, 30)] == [
        False,
        True,
        False,
    ]
    week = mondays.through(date(2026, 11, 29))
    assert (week.start, week.end) == (
        datetime(2026, 11, 22, 21, 0, tzinfo=UTC),
        datetime(2026, 11, 29, 21, 0, tzinfo=UTC),
    )
    assert mondays.produces(week) and mondays.produces(week.previous)
    assert last_day(week) == date(2026, 11, 29)
    overlapping = days_before(date(2026, 12, 1), 7, ISTANBUL)  # 24 to 30 November
    assert not mondays.produces(overlapping)
    assert not mondays.produces(days_before(date(2026, 11, 30), 14, ISTANBUL))
    assert mondays.neighbours(date(2026, 11, 30)) == (date(2026, 11, 29), date(2026, 12, 6))
    assert "weeks ending on Sundays" in mondays.describe()


def test_a_digest_that_is_off_has_the_weeks_of_its_weekday_for_the_command_line() -> None:
    off = Schedule("off", 4, ISTANBUL)  # Fridays, as it may have been set before it was off
    assert off.days == 7 and off.ends_period(date(2026, 11, 26))  # a Thursday
    assert "off" in off.describe() and "Fridays" in off.describe()
    assert Schedule("off", 0, ISTANBUL).produces(days_before(date(2026, 11, 30), 7, ISTANBUL))


def test_a_daily_schedule_has_every_whole_day_and_nothing_longer() -> None:
    daily = Schedule("daily", 3, ISTANBUL)
    assert all(daily.ends_period(date(2026, 11, day)) for day in range(1, 31))
    assert daily.produces(days_before(date(2026, 12, 1), 1, ISTANBUL))
    assert not daily.produces(days_before(date(2026, 12, 1), 7, ISTANBUL))
    assert not daily.produces(days_before(date(2026, 12, 1), 1, "UTC"))  # another clock's day


def test_the_latest_period_is_the_last_that_has_ended() -> None:
    thursday = datetime(2026, 12, 3, 8, 0, tzinfo=UTC)
    assert Schedule("weekly", 0, ISTANBUL).latest(thursday) == days_before(
        date(2026, 11, 30), 7, ISTANBUL
    )
    monday_night = datetime(2026, 11, 30, 0, 30, tzinfo=UTC)  # 03:30 on Monday in Istanbul
    assert last_day(Schedule("weekly", 0, ISTANBUL).latest(monday_night)) == date(2026, 11, 29)
    assert last_day(Schedule("daily", 0, ISTANBUL).latest(thursday)) == date(2026, 12, 2)


@pytest.mark.parametrize("timezone", [ISTANBUL, "Europe/Berlin"])
@pytest.mark.parametrize("frequency", ["daily", "weekly"])
@pytest.mark.parametrize("weekday", range(7))
def test_every_period_the_scheduler_sends_is_one_the_command_line_accepts(
    timezone: str, frequency: str, weekday: int
) -> None:
    schedule = Schedule(frequency, weekday, timezone)
    start = datetime(2026, 3, 1, tzinfo=UTC)
    for hours in range(0, 24 * 60, 7):  # two months, across Berlin's change to summer time
        now = start + timedelta(hours=hours)
        due = due_period(frequency, weekday, "08:00", timezone, now)
        assert due is not None
        assert schedule.produces(due[0])
        assert schedule.through(last_day(due[0])) == due[0]
        assert due[0].end <= now
