"""Checking a notice and queueing it: the notice and one outbox row per recipient, in one transaction.

A notice is a draft until it is confirmed. Confirming moves it to ``queued`` with a conditional
update, so a second confirm (a double press, a retried request, two facilitators at once) finds
it queued already and sends nothing more; the outbox's (notice, participant) key backs that up.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.i18n.core import LANGUAGE_NAMES, N_
from handlers.notices.quiet_hours import after_quiet_hours
from storage.audience import Recipient, recipients
from storage.errors import DomainError, lazy
from storage.models import Assembly, Notice
from storage.notices import queue_draft
from storage.outbox import queue_recipients

URGENT_PRIORITY = 10


class NoticeProblem(DomainError):
    """The notice cannot be sent as it is; the message says why."""


def check_texts(assembly: Assembly, texts: dict[str, str]) -> None:
    """Every language of the assembly needs a non-empty text."""
    missing = [lang for lang in assembly.languages if not (texts.get(lang) or "").strip()]
    if missing:
        names = [LANGUAGE_NAMES.get(lang, lang) for lang in missing]
        raise NoticeProblem(lazy(N_("The notice has no text in: {languages}."), languages=names))


def check_schedule(send_at: datetime | None, now: datetime) -> None:
    """A scheduled time must lie ahead."""
    if send_at is not None and send_at <= now:
        raise NoticeProblem(N_("That time has already passed. Please choose a time in the future."))


async def audience_of(session: AsyncSession, notice: Notice) -> list[Recipient]:
    """Who the notice would reach now (people who sent /stop never included)."""
    audience = notice.audience or {}
    return await recipients(
        session,
        notice.assembly_id,
        languages=list(audience.get("languages", [])),
        profile=dict(audience.get("profile", {})),
        answered_poll=audience.get("answered"),
        not_answered_poll=audience.get("not_answered"),
    )


async def queue_unless_nobody(session: AsyncSession, notice: Notice, now: datetime) -> int:
    """Keep and queue a notice the system writes (an invitation, results) if anyone is in its
    audience; how many it goes to (nobody: no notice is kept)."""
    people = await audience_of(session, notice)
    if not people:
        return 0
    session.add(notice)
    await session.flush()
    return await queue_notice(session, notice, now, people)


async def queue_notice(
    session: AsyncSession, notice: Notice, now: datetime, people: list[Recipient] | None = None
) -> int:
    """Confirm a draft notice: write its outbox rows; how many people it goes to.

    The caller commits. Raises ``NoticeProblem`` if it was queued already, has a missing
    text, a time in the past, or nobody to go to. ``people`` is its audience if just read.
    """
    assembly = await session.get(Assembly, notice.assembly_id)
    if assembly is None:
        raise NoticeProblem(N_("This assembly no longer exists."))
    check_texts(assembly, notice.text or {})
    check_schedule(notice.send_at, now)
    if people is None:
        people = await audience_of(session, notice)
    if not people:
        raise NoticeProblem(N_("Nobody is in this audience, so nothing was sent."))
    if not await queue_draft(session, notice.id, now):
        raise NoticeProblem(N_("This notice has already been sent."))
    start = notice.send_at or now
    municipality = assembly.municipality
    not_before = (
        start
        if notice.urgent
        else after_quiet_hours(
            start, municipality.timezone, municipality.quiet_start, municipality.quiet_end
        )
    )
    priority = URGENT_PRIORITY if notice.urgent else 0
    return await queue_recipients(session, notice, people, not_before, priority)
