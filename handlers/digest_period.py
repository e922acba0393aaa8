"""Which period a digest covers: whole local days, in the subject's time zone.

A digest of ``7d`` covers the seven whole local days before today; the scheduler's daily digest
covers yesterday, its weekly one the seven days before the day it goes. So the command line and
the scheduler name the same period the same way, and a period sent by one is never sent again
by the other.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from handlers.digest_report import Period

PERIOD = re.compile(r"^\s*(\d{1,3})\s*([dw])\s*$", re.IGNORECASE)
MAX_DAYS = 366
FREQUENCIES = ("off", "daily", "weekly")
FREQUENCY_DAYS = {"daily": 1, "weekly": 7}


class PeriodError(ValueError):
    """A period, frequency or send time that cannot be used; the message is one line."""


def parse_period(text: str) -> int:
    """The number of days in ``7d`` or ``2w``; a PeriodError for anything else."""
    match = PERIOD.match(text)
    if match is None:
        raise PeriodError(f"period {text!r} must be a number of days or weeks, like 7d or 2w")
    days = int(match.group(1)) * (7 if match.group(2).lower() == "w" else 1)
    if not 1 <= days <= MAX_DAYS:
        raise PeriodError(f"period {text!r} must be between 1 and {MAX_DAYS} days")
    return days


def parse_send_time(text: str) -> str:
    """A local time of day as HH:MM (``8:30`` -> ``08:30``); a PeriodError otherwise."""
    match = re.fullmatch(r"\s*([01]?\d|2[0-3])[:.]([0-5]\d)\s*", text)
    if match is None:
        raise PeriodError(f"time {text!r} must be a time of day like 08:00")
    return f"{int(match.group(1)):02d}:{match.group(2)}"


def days_before(day: date, days: int, timezone: str) -> Period:
    """The ``days`` whole local days before ``day`` (which is not included)."""
    zone = ZoneInfo(timezone)
    end = datetime.combine(day, time(), tzinfo=zone)
    start = datetime.combine(day - timedelta(days=days), time(), tzinfo=zone)
    return Period(start.astimezone(UTC), end.astimezone(UTC), timezone)


def last_days(now: datetime, days: int, timezone: str) -> Period:
    """The ``days`` whole local days before today, as the command line's ``--period`` means."""
    return days_before(now.astimezone(ZoneInfo(timezone)).date(), days, timezone)


def due_period(
    frequency: str, weekday: int, send_time: str, timezone: str, now: datetime
) -> tuple[Period, datetime] | None:
    """The latest scheduled digest whose sending time has come, and that time; None when off.

    Daily: the day before each day, sent at ``send_time``. Weekly: the seven days before the
    ``weekday`` it goes on (0 is Monday). Only the latest is due: a worker that was stopped for
    a week sends one digest when it starts, not seven.
    """
    if frequency not in FREQUENCY_DAYS:
        return None
    zone = ZoneInfo(timezone)
    local_now = now.astimezone(zone)
    hour, minute = (int(part) for part in send_time.split(":"))
    day = local_now.date()
    if frequency == "weekly":
        day -= timedelta(days=(day.weekday() - weekday) % 7)
    moment = datetime.combine(day, time(hour, minute), tzinfo=zone)
    if moment > local_now:
        day -= timedelta(days=FREQUENCY_DAYS[frequency])
        moment = datetime.combine(day, time(hour, minute), tzinfo=zone)
    return days_before(day, FREQUENCY_DAYS[frequency], timezone), moment.astimezone(UTC)
