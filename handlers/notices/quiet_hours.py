"""Quiet hours: bulk messages that would arrive at night wait until the morning, local time."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo


def after_quiet_hours(moment: datetime, timezone: str, start: str, end: str) -> datetime:
    """``moment`` itself, or the end of the quiet hours it falls in (in UTC).

    ``start`` and ``end`` are local "HH:MM"; a window may span midnight (22:00-08:00). Equal
    start and end mean no quiet hours.
    """
    quiet_from, quiet_to = time.fromisoformat(start), time.fromisoformat(end)
    local = moment.astimezone(ZoneInfo(timezone))
    now = local.time().replace(tzinfo=None)
    if quiet_from == quiet_to:
        return moment
    if quiet_from < quiet_to:
        inside = quiet_from <= now < quiet_to
        ends_tomorrow = False
    else:
        inside = now >= quiet_from or now < quiet_to
        ends_tomorrow = now >= quiet_from
    if not inside:
        return moment
    day = local.date() + timedelta(days=1 if ends_tomorrow else 0)
    wake = datetime.combine(day, quiet_to, tzinfo=ZoneInfo(timezone))
    return wake.astimezone(UTC)
