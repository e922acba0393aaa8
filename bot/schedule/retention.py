"""The purge's schedule: a run at most a day after the last one that went to its end.

Every worker first erases again anyone whose erasure a restored backup undid
(``storage.erasures``). The one process holding the ``retention`` lock looks every ``SCHEDULER_INTERVAL`` seconds at
when the last run finished (``retention_runs``, so a restart changes nothing) and runs the purge
once that is a day ago or more, or there never was one. KVKK asks for a destruction at least
every six months; a daily one keeps each period to within a day.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.schedule.polls import LEADERSHIP_RETRY, RoundObserver, RoundSummary, lead_and_repeat
from handlers.retention.purge import run_purge
from storage.base import utcnow
from storage.destructions import last_finished_run
from storage.participants import reapply_erasures

log = logging.getLogger(__name__)

EVERY = timedelta(days=1)


@dataclass(frozen=True)
class NotDue:
    """A look that found the last run recent enough: nothing to do."""

    def __bool__(self) -> bool:
        return False

    def summary(self) -> str:
        """Nothing to say."""
        return ""


async def purge_if_due(
    sessions: async_sessionmaker[AsyncSession], backup_keep_days: int
) -> RoundSummary:
    """Run the purge if the last finished run began a day ago or more (or never)."""
    now = utcnow()
    async with sessions() as session:
        last = await last_finished_run(session)
    if last is not None and now - last < EVERY:
        return NotDue()
    return await run_purge(sessions, now, "schedule", backup_keep_days)


async def run_retention(
    engine: AsyncEngine,
    sessions: async_sessionmaker[AsyncSession],
    stop: asyncio.Event,
    interval: float,
    backup_keep_days: int,
    retry: float = LEADERSHIP_RETRY,
    observe: RoundObserver | None = None,
) -> None:
    """Erase again anyone a restored backup brought back, then purge once a day, as the one
    process doing so, until ``stop`` is set."""
    async with sessions() as session:
        if again := await reapply_erasures(session, utcnow()):
            log.warning("erased again %d people a restored backup brought back", again)
        await session.commit()
    await lead_and_repeat(
        engine,
        "retention",
        lambda: purge_if_due(sessions, backup_keep_days),
        stop,
        interval,
        retry,
        observe,
    )
