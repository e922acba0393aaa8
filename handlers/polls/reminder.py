"""The reminder before a poll closes, to the members who have not completed it.

It is due ``remind_before_minutes`` before ``closes_at``. Two rules decide when it actually goes:

- Quiet hours: a reminder due during the municipality's quiet hours goes an hour before they
  begin instead (the evening before), never after they end: earlier always leaves people at
  least the time the facilitator asked for, and the morning may be too late for a poll that
  closes early. The hour lets a large assembly's reminder leave before the night.
- No reminder for a poll that opened at or after the moment its reminder would go: the
  invitation has only just reached everyone, and a second message at once would be noise.

The ``reminder`` notice holds the text in every language of the assembly, naming the poll and
when it closes in the municipality's time, written the reader's way (Babel). It and its outbox
rows are written in the caller's transaction, the one that records ``reminded_at``.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_time, get_datetime_format
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.i18n.core import _, isolate, localize_digits, localized, use_language
from handlers.notices.queue import queue_unless_nobody
from handlers.notices.quiet_hours import after_quiet_hours
from storage.models import Assembly, Municipality, Notice, OutboxMessage, Poll
from storage.vocabulary import OutboxStatus

BEFORE_QUIET_HOURS = timedelta(hours=1)
ABOUT_ANSWERING = ("invitation", "reminder")


def local_time_text(moment: datetime, timezone: str, language: str) -> str:
    """A moment as the municipality's clock shows it, written the way ``language`` writes it."""
    local = moment.astimezone(ZoneInfo(timezone))
    pattern = get_datetime_format("full", locale=language)
    text = (
        str(pattern)
        .replace("{1}", format_date(local, "full", locale=language))
        .replace("{0}", format_time(local, "short", locale=language))
    )
    with use_language(language):
        return localize_digits(text)


def reminder_texts(poll: Poll, assembly: Assembly) -> dict[str, str]:
    """The reminder in each language of the assembly."""
    assert poll.closes_at is not None
    timezone = assembly.municipality.timezone
    texts = {}
    for language in assembly.languages:
        with use_language(language):
            texts[language] = _(
                "Reminder: the poll {title} closes on {when}. If you have not finished it yet, "
                "send /polls to answer."
            ).format(
                title=isolate(localized(poll.title)),
                when=local_time_text(poll.closes_at, timezone, language),
            )
    return texts


def reminder_due(poll: Poll) -> datetime | None:
    """When the reminder is due by the poll's own times (before the rules above), if ever."""
    if poll.closes_at is None or poll.remind_before_minutes <= 0:
        return None
    return poll.closes_at - timedelta(minutes=poll.remind_before_minutes)


def quiet_hours_begin(moment: datetime, municipality: Municipality) -> datetime | None:
    """When the quiet hours ``moment`` falls in began (UTC), or None if it falls outside them."""
    if (
        after_quiet_hours(
            moment, municipality.timezone, municipality.quiet_start, municipality.quiet_end
        )
        == moment
    ):
        return None
    zone = ZoneInfo(municipality.timezone)
    local = moment.astimezone(zone)
    quiet_from = time.fromisoformat(municipality.quiet_start)
    day = local.date() if local.time() >= quiet_from else local.date() - timedelta(days=1)
    return datetime.combine(day, quiet_from, tzinfo=zone).astimezone(UTC)


def reminder_time(poll: Poll, municipality: Municipality) -> datetime | None:
    """When the poll's reminder goes, after the rules above; None if it does not go at all."""
    due = reminder_due(poll)
    if due is None:
        return None
    quiet_from = quiet_hours_begin(due, municipality)
    if quiet_from is not None:
        due = quiet_from - BEFORE_QUIET_HOURS
    opening = poll.opened_at or poll.opens_at
    if opening is not None and opening >= due:
        return None
    return due


def arrives_in_time(poll: Poll, municipality: Municipality, now: datetime) -> bool:
    """Whether a reminder queued now would leave before the poll closes, quiet hours allowing
    (after an outage it may not: then it is not sent at all)."""
    assert poll.closes_at is not None
    leaves = after_quiet_hours(
        now, municipality.timezone, municipality.quiet_start, municipality.quiet_end
    )
    return leaves < poll.closes_at


async def remind_members(
    session: AsyncSession, poll: Poll, assembly: Assembly, now: datetime
) -> int:
    """Queue the reminder to every member who has not completed the poll; how many."""
    notice = Notice(
        assembly_id=assembly.id,
        kind="reminder",
        poll_id=poll.id,
        text=reminder_texts(poll, assembly),
        audience={"not_answered": poll.id},
    )
    return await queue_unless_nobody(session, notice, now)


async def withdraw_unsent(session: AsyncSession, poll: Poll) -> int:
    """Invitations and reminders to a poll that has closed, not yet sent: never sent now."""
    notices = select(Notice.id).where(Notice.poll_id == poll.id, Notice.kind.in_(ABOUT_ANSWERING))
    result = await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.notice_id.in_(notices), OutboxMessage.status == OutboxStatus.PENDING)
        .values(status=OutboxStatus.SKIPPED, error="the poll closed")
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)
