"""Scheduling a poll's opening and closing, and its reminder, in the municipality's local time.

The times are kept on the poll (``opens_at``, ``closes_at``, in UTC); ``bot/schedule/polls.py`` acts
on them. Every refusal is a ``PollStateError`` with an English line for the command line and a
sentence to translate for chat; a refused change leaves the poll as it was.

A local time that does not exist (in the hour the clocks skip when summer time starts) moves
forward by the length of the gap (02:30 becomes 03:30); a time that happens twice (when the
clocks go back) is the first of the two. The command line shows the time it understood.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.i18n.core import N_
from handlers.polls.lifecycle import PollStateError, check_translations, poll_error
from storage.errors import lazy, lazy_plural
from storage.models import Assembly, Poll
from storage.vocabulary import PollStatus

LOCAL_TIME_FORMATS = ("%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%d.%m.%Y %H:%M")
MAX_REMIND_BEFORE_DAYS = 30
MAX_REMIND_BEFORE_MINUTES = MAX_REMIND_BEFORE_DAYS * 24 * 60
LEAD_TIME = re.compile(r"(\d+)\s*([mhd]?)")
LEAD_UNITS = {"m": 1, "": 1, "h": 60, "d": 24 * 60}
# Arabic-Indic and Eastern Arabic-Indic digits, as a phone keyboard in Arabic or Persian types them.
DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")


def parse_local_time(text: str, timezone: str) -> datetime:
    """A local time written like 2026-12-05 10:00, 2026-12-05T10:00 or 05.12.2026 10:00, in
    ``timezone``, as an aware UTC datetime; a ``PollStateError`` for anything else."""
    cleaned = " ".join(text.translate(DIGITS).split())
    for layout in LOCAL_TIME_FORMATS:
        try:
            naive = datetime.strptime(cleaned, layout)
        except ValueError:
            continue
        return _to_utc(naive, ZoneInfo(timezone))
    raise PollStateError(
        N_("Please write the time like 05.12.2026 10:00 (day, month, year, hour)."),
        english=f"{text!r} is not a local time like 2026-12-05 10:00 or 05.12.2026 10:00",
    )


def _to_utc(naive: datetime, zone: ZoneInfo) -> datetime:
    """A wall-clock time in ``zone``, in UTC.

    With ``fold=0`` a time in a gap takes the offset from before the change, which lands it as
    far past the gap's start as it was written (02:30 in a gap from 02:00 to 03:00 is 03:30),
    and a time that happens twice is the first of the two (PEP 495).
    """
    return naive.replace(tzinfo=zone, fold=0).astimezone(UTC)


def parse_lead_time(text: str) -> int:
    """A reminder's lead time written like 90m, 24h, 2d or 0 (no reminder), in minutes."""
    match = LEAD_TIME.fullmatch(text.translate(DIGITS).strip().lower())
    if match is None:
        raise PollStateError(
            lazy(
                N_(
                    "Please write how long before closing the reminder goes, like 90m, 24h or 2d "
                    "(0 for no reminder)."
                )
            ),
            english=f"{text!r} is not a lead time like 90m, 24h or 2d (0: no reminder)",
        )
    return int(match.group(1)) * LEAD_UNITS[match.group(2)]


def check_lead_time(minutes: int) -> None:
    """A reminder goes between 0 (none) and 30 days before closing."""
    if minutes < 0:
        raise PollStateError(
            N_("A reminder cannot go after the poll closes."),
            english=(
                f"the reminder cannot go after the poll closes ({minutes:,} minutes before closing)"
            ),
        )
    if minutes > MAX_REMIND_BEFORE_MINUTES:
        raise PollStateError(
            lazy_plural(
                "The reminder can go at most {count} day before the poll closes.",
                "The reminder can go at most {count} days before the poll closes.",
                MAX_REMIND_BEFORE_DAYS,
            ),
            english=f"the reminder can go at most {MAX_REMIND_BEFORE_DAYS} days before closing,"
            f" not {minutes:,} minutes",
        )


async def schedule_poll(
    session: AsyncSession,
    poll: Poll,
    *,
    opens_at: datetime | None,
    closes_at: datetime | None,
    remind_before_minutes: int | None = None,
    now: datetime,
) -> None:
    """Set the poll's opening and closing times and reminder lead time (None: left as it is).

    Refused with a ``PollStateError``: any change to a closed poll, an opening time for a poll
    that is open, a time in the past, a closing at or before the opening, a draft lacking a
    translation, a lead time below 0 or above 30 days. The caller commits.
    """
    if poll.status == PollStatus.CLOSED:
        raise _closed(poll)
    if opens_at is not None and poll.status == PollStatus.OPEN:
        raise poll_error(
            poll,
            f"poll {poll.slug} is open already; only its closing time can be set",
            N_("The poll {title} is open already; only its closing time can be set."),
        )
    if opens_at is not None and opens_at <= now:
        raise _passed(f"the opening time {_utc(opens_at)} has already passed")
    if closes_at is not None and closes_at <= now:
        raise _passed(f"the closing time {_utc(closes_at)} has already passed")
    if remind_before_minutes is not None:
        check_lead_time(remind_before_minutes)
    opening = (opens_at or poll.opens_at) if poll.status == PollStatus.DRAFT else poll.opened_at
    closing = closes_at or poll.closes_at
    if opening is not None and closing is not None and closing <= opening:
        raise PollStateError(
            lazy(
                N_(
                    "The poll would close before it opens. Please choose a closing time after "
                    "the opening time."
                )
            ),
            english=(
                f"poll {poll.slug} would close ({_utc(closing)}) before it opens ({_utc(opening)})"
            ),
        )
    if poll.status == PollStatus.DRAFT:
        check_translations(poll, await session.get(Assembly, poll.assembly_id))
    if opens_at is not None:
        poll.opens_at = opens_at
    if closes_at is not None:
        poll.closes_at = closes_at
    if remind_before_minutes is not None:
        poll.remind_before_minutes = remind_before_minutes
    await session.flush()


async def clear_schedule(session: AsyncSession, poll: Poll) -> None:
    """Forget the poll's opening and closing times: it opens and closes only when told to."""
    if poll.status == PollStatus.CLOSED:
        raise _closed(poll)
    poll.opens_at = None
    poll.closes_at = None
    await session.flush()


def _closed(poll: Poll) -> PollStateError:
    """A closed poll's times are history."""
    return poll_error(
        poll,
        f"poll {poll.slug} is closed; its times cannot change",
        N_("The poll {title} is closed, so its times cannot change."),
    )


def _passed(line: str) -> PollStateError:
    """A time given is not in the future."""
    return PollStateError(
        N_("That time has already passed. Please choose a time in the future."), english=line
    )


def _utc(moment: datetime) -> str:
    """A moment for an English line."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
