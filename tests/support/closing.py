"""Closing a poll in tests: as a facilitator does (its figures fixed), or marked closed only."""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from handlers.polls.lifecycle import close_poll
from storage.models import Poll


async def close_unfixed(sessions: async_sessionmaker[AsyncSession], poll: Poll) -> None:
    """Mark the poll closed without fixing its figures, as a poll closed before figures were
    fixed is: each output not committed then counts it afresh, exactly, at the K asked for."""
    async with sessions() as session:
        await session.execute(update(Poll).where(Poll.id == poll.id).values(status="closed"))
        await session.commit()
    poll.status = "closed"


async def close_as_facilitator(sessions: async_sessionmaker[AsyncSession], poll_id: int) -> int:
    """Close the poll as a facilitator would: its figures are fixed and the results message
    goes to those who answered; how many it goes to."""
    async with sessions() as session:
        poll = await session.get_one(Poll, poll_id)
        reached = await close_poll(session, poll)
        await session.commit()
        return reached
