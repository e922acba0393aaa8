"""Which period a digest covers: whole local days, in the subject's time zone.

A digest covers only the periods its schedule produces (``Schedule``): each whole local day for
a daily setting, each week ending the day before its weekday for a weekly one (the week a
Monday digest goes out after, Monday to Sunday). A setting that is off has weekly periods on
its weekday, Monday unless set. Two digests of overlapping periods would give away, by
difference, the people counted in one and not the other (13 joined in the seven days through
29 November, 17 through 30 November: 4 joined on the 30th), so the command line names other
windows only when asked to, and never sends them. The scheduler and the command line name a
period the same way (``days_before``), so a period sent by one is never sent again by the other.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from handlers.core.text_input import to_western_digits
from handlers.digests.report import Period
from handlers.i18n.core import N_
from storage.errors import DomainError, lazy

PERIOD = re.compile(r"^\s*(\d{1,3})\s*([dw])\s*$", re.IGNORECASE)
MAX_DAYS = 366
FREQUENCIES = ("off", "daily", "weekly")
FREQUENCY_DAYS = {"daily": 1, "weekly": 7}


class PeriodError(DomainError):
    """A period, frequency or send time that cannot be used."""


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
    """A local time of day as HH:MM (``8:30`` -> ``08:30``), in any digits; a PeriodError
    otherwise."""
    match = re.fullmatch(r"\s*([01]?\d|2[0-3])[:.]([0-5]\d)\s*", to_western_digits(text))
    if match is None:
        raise PeriodError(
            lazy(N_("{text} is not a time of day. Write it like 08:00."), text=text.strip()),
            english=f"time {text!r} must be a time of day like 08:00",
        )
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


@dataclass(frozen=True)
class Schedule:
    """The periods a digest setting produces; ``frequency`` off counts as weekly on ``weekday``."""

    frequency: str
    weekday: int
    timezone: str

    @property
    def days(self) -> int:
        """How many days each period covers."""
        return FREQUENCY_DAYS.get(self.frequency, FREQUENCY_DAYS["weekly"])

    @property
    def last_weekday(self) -> int:
        """The weekday each weekly period ends on: the day before the one the digest goes on."""
        return (self.weekday - 1) % 7

    def ends_period(self, day: date) -> bool:
        """Whether ``day`` is the last day of one of the periods."""
        return self.days == 1 or day.weekday() == self.last_weekday

    def through(self, day: date) -> Period:
        """The period whose last day is ``day`` (which must end one: ``ends_period``)."""
        return days_before(day + timedelta(days=1), self.days, self.timezone)

    def latest(self, now: datetime) -> Period:
        """The latest period that has ended by ``now``."""
        today = now.astimezone(ZoneInfo(self.timezone)).date()
        last = today - timedelta(days=1)
        if self.days > 1:
            last -= timedelta(days=(last.weekday() - self.last_weekday) % 7)
        return self.through(last)

    def produces(self, period: Period) -> bool:
        """Whether ``period`` is one of the periods, exactly."""
        last = last_day(period)
        return self.ends_period(last) and self.through(last) == period

    def neighbours(self, day: date) -> tuple[date, date]:
        """The last days of the periods nearest before and after ``day`` (for a message)."""
        if self.ends_period(day):
            return day, day
        back = (day.weekday() - self.last_weekday) % 7
        return day - timedelta(days=back), day + timedelta(days=7 - back)

    def describe(self) -> str:
        """The periods in a few English words, for the command line."""
        if self.days == 1:
            return "whole days (daily)"
        sent = calendar.day_name[self.weekday]
        ends = calendar.day_name[self.last_weekday]
        if self.frequency == "weekly":
            return f"weeks ending on {ends}s (weekly, sent on {sent}s)"
        return f"weeks ending on {ends}s (the digest is off: weekly on {sent}s unless set)"


def last_day(period: Period) -> date:
    """The last local day a period covers."""
    return (period.end.astimezone(ZoneInfo(period.timezone)) - timedelta(days=1)).date()


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
    period = Schedule(frequency, weekday, timezone).through(day - timedelta(days=1))
    return period, moment.astimezone(UTC)
