"""Opening and closing polls, with the checks that keep answers meaningful."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.poll_file import missing_translations
from handlers.poll_invitation import invite_members
from handlers.poll_outcome import send_outcome
from storage.base import utcnow
from storage.models import Assembly, Poll


class PollStateError(ValueError):
    """The poll cannot make this change; the message says why."""


async def open_poll(session: AsyncSession, poll: Poll) -> int:
    """Open a draft poll, if every language of its assembly has every text, and invite the
    members (in the same transaction); how many were invited."""
    if poll.status == "open":
        raise PollStateError(f"poll {poll.slug} is open already")
    if poll.status == "closed":
        raise PollStateError(
            f"poll {poll.slug} is closed; a closed poll is not reopened, import a new one"
        )
    assembly = await session.get(Assembly, poll.assembly_id)
    gaps = missing_translations(poll, list(assembly.languages) if assembly else [])
    if gaps:
        raise PollStateError(f"poll {poll.slug} lacks translations: {'; '.join(gaps)}")
    poll.status = "open"
    poll.opened_at = utcnow()
    await session.flush()
    return await invite_members(session, poll, assembly, poll.opened_at) if assembly else 0


async def close_poll(session: AsyncSession, poll: Poll) -> int:
    """Close an open poll: answers stop being accepted, and everyone who answered is sent the
    results (in the same transaction); how many they go to."""
    if poll.status != "open":
        raise PollStateError(f"poll {poll.slug} is not open (it is {poll.status})")
    poll.status = "closed"
    poll.closed_at = utcnow()
    await session.flush()
    assembly = await session.get(Assembly, poll.assembly_id)
    return await send_outcome(session, poll, assembly, poll.closed_at) if assembly else 0
