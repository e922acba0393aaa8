"""Digest periods: whole local days, named the same by the command line and the scheduler."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from handlers.digest_period import (
    PeriodError,
    due_period,
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
