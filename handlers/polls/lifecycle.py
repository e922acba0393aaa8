"""Opening and closing polls, with the checks that keep answers meaningful.

Both changes are conditional updates on the poll's status, so two at once (the scheduler and a
facilitator, or two scheduler runs) cannot open or close a poll twice: the second finds the
status changed and is refused, and its transaction sends nothing.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.i18n.core import LANGUAGE_NAMES, N_
from handlers.polls.file import missing_translations
from handlers.polls.invitation import invite_members
from handlers.polls.outcome import send_outcome
from handlers.polls.reminder import withdraw_unsent
from storage.base import utcnow
from storage.errors import Argument, DomainError, lazy
from storage.models import Assembly, Poll
from storage.polls import move_status
from storage.vocabulary import PollStatus


class PollStateError(DomainError):
    """The poll cannot make this change; the message says why.

    Its English line, for the command line, names the poll by its slug; its message, for a
    facilitator in chat, by its title.
    """


def poll_error(poll: Poll, line: str, chat: str, **values: Argument) -> PollStateError:
    """An error about this poll: ``line`` in English, ``chat`` an ``N_()``-marked sentence with
    ``{title}`` (the poll's title in the reader's language) and ``values`` in it."""
    titles = dict(poll.title)  # read now: the poll may be expired by a rollback when shown
    return PollStateError(lazy(chat, title=titles, **values), english=line)


def check_translations(poll: Poll, assembly: Assembly | None) -> None:
    """Every language of the assembly needs every text of the poll."""
    languages = list(assembly.languages) if assembly else []
    gaps = missing_translations(poll, languages)
    if not gaps:
        return
    lacking = [lang for lang in languages if any(gap.endswith(f": {lang}") for gap in gaps)]
    raise poll_error(
        poll,
        f"poll {poll.slug} lacks translations: {'; '.join(gaps)}",
        N_("The poll {title} has texts missing in: {languages}."),
        languages=[LANGUAGE_NAMES.get(lang, lang) for lang in lacking],
    )


async def open_poll(
    session: AsyncSession,
    poll: Poll,
    now: datetime | None = None,
    opened_by: int | None = None,
) -> int:
    """Open a draft poll, if every language of its assembly has every text, and invite the
    members (in the same transaction); how many were invited. ``opened_by``: the staff member
    who opened it in chat, recorded on the invitation."""
    if poll.status == PollStatus.OPEN:
        raise poll_error(
            poll, f"poll {poll.slug} is open already", N_("The poll {title} is open already.")
        )
    if poll.status == PollStatus.CLOSED:
        raise poll_error(
            poll,
            f"poll {poll.slug} is closed; a closed poll is not reopened, import a new one",
            N_(
                "The poll {title} is closed. A closed poll is not opened again; "
                "make a new poll instead."
            ),
        )
    assembly = await session.get(Assembly, poll.assembly_id)
    check_translations(poll, assembly)
    opened_at = now or utcnow()
    if poll.closes_at is not None and poll.closes_at <= opened_at:
        raise poll_error(
            poll,
            f"poll {poll.slug} was to close at {poll.closes_at:%Y-%m-%d %H:%M} UTC, which has"
            " passed; set a new closing time or clear it first",
            N_(
                "The closing time of the poll {title} has already passed. Please set a new "
                "closing time first."
            ),
        )
    await _move(session, poll, PollStatus.DRAFT, PollStatus.OPEN, opened_at=opened_at)
    if assembly is None:
        return 0
    return await invite_members(session, poll, assembly, opened_at, opened_by)


async def close_poll(session: AsyncSession, poll: Poll, now: datetime | None = None) -> int:
    """Close an open poll: answers stop being accepted, invitations and reminders not yet sent
    are withdrawn, and everyone who answered is sent the results (in the same transaction); how
    many they go to."""
    if poll.status == PollStatus.DRAFT:
        raise poll_error(
            poll,
            f"poll {poll.slug} is not open (it is draft)",
            N_("The poll {title} has not been opened yet."),
        )
    if poll.status != PollStatus.OPEN:
        raise poll_error(
            poll,
            f"poll {poll.slug} is not open (it is {poll.status})",
            N_("The poll {title} is closed already."),
        )
    closed_at = now or utcnow()
    await _move(session, poll, PollStatus.OPEN, PollStatus.CLOSED, closed_at=closed_at)
    await withdraw_unsent(session, poll)
    assembly = await session.get(Assembly, poll.assembly_id)
    return await send_outcome(session, poll, assembly, closed_at) if assembly else 0


async def _move(
    session: AsyncSession, poll: Poll, before: PollStatus, after: PollStatus, **values: object
) -> None:
    """Move the poll from ``before`` to ``after`` if it is still ``before`` (one conditional
    update), else say that someone else changed it at the same moment."""
    if not await move_status(session, poll.id, before, after, **values):
        raise poll_error(
            poll,
            f"poll {poll.slug} was opened or closed by someone else at the same moment; look again",
            N_(
                "The poll {title} was opened or closed by someone else at the same moment. "
                "Please look at it again."
            ),
        )
