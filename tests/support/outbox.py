"""Confirming notices and running the outbox dispatcher in a test until everything due is sent."""

from __future__ import annotations

import asyncio

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.outbox.dispatcher import Dispatcher
from handlers.notices.queue import queue_notice
from storage.base import utcnow
from storage.models import Notice
from storage.outbox import pending_count

DRAIN_TIMEOUT = 60.0
POLL_SECONDS = 0.02


async def drain(sessions: async_sessionmaker[AsyncSession], dispatcher: Dispatcher) -> None:
    """Run the dispatcher's loop (which first recovers what a stopped one left) until nothing is
    left to send, rows waiting for a retry included; then stop it."""
    stop = asyncio.Event()
    running = asyncio.create_task(dispatcher.run(stop))
    try:
        async with asyncio.timeout(DRAIN_TIMEOUT):
            while True:
                await asyncio.sleep(POLL_SECONDS)
                if running.done():
                    break
                async with sessions() as session:
                    if await pending_count(session, dispatcher.sender.channel) == 0:
                        break
    except TimeoutError:
        raise AssertionError("the outbox did not drain") from None
    finally:
        stop.set()
        await running


async def queue(sessions: async_sessionmaker[AsyncSession], notice_id: int) -> int:
    """Confirm a draft notice as a facilitator would; how many people it goes to."""
    async with sessions() as session:
        notice = await session.get(Notice, notice_id)
        assert notice is not None
        count = await queue_notice(session, notice, utcnow())
        await session.commit()
    return count
