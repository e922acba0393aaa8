"""Confirming notices and running the outbox dispatcher in a test until everything due is sent."""

from __future__ import annotations

import asyncio

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.outbox.dispatcher import Dispatcher
from handlers.notices.queue import queue_notice
from storage.base import utcnow
from storage.models import Notice
from storage.outbox import pending_count

DRAIN_ROUNDS = 2000


async def drain(sessions: async_sessionmaker[AsyncSession], dispatcher: Dispatcher) -> None:
    """Recover what a stopped dispatcher left, then run rounds until nothing is left to send
    (rows waiting for a retry included)."""
    await dispatcher.recover()
    for _ in range(DRAIN_ROUNDS):
        async with sessions() as session:
            if await pending_count(session, dispatcher.sender.channel) == 0:
                return
        if await dispatcher.run_round() == 0:
            await asyncio.sleep(0.02)
    raise AssertionError("the outbox did not drain")


async def queue(sessions: async_sessionmaker[AsyncSession], notice_id: int) -> int:
    """Confirm a draft notice as a facilitator would; how many people it goes to."""
    async with sessions() as session:
        notice = await session.get(Notice, notice_id)
        assert notice is not None
        count = await queue_notice(session, notice, utcnow())
        await session.commit()
    return count
