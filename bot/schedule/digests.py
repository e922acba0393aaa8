"""Digests on time: every round, each digest whose sending time has come goes out, once.

Run in the worker beside the poll scheduler, under its own lock (``digests``), so a long digest
never holds up a poll opening. A round looks at every digest setting that is on and has
recipients, works out the latest period due (``handlers.digests.period.due_period``) and runs it
unless its run has finished; ``bot.digests.job`` makes sure no period goes twice. One digest that
fails is logged and tried again next round; the others go on.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.digests.delivery import DigestChannels
from bot.digests.job import run_digest, subject_timezone
from bot.schedule.polls import RoundObserver, lead_and_repeat
from handlers.digests.period import due_period
from handlers.digests.report import Period
from storage.base import utcnow
from storage.crypto import AddressCipher
from storage.digest_runs import find_run, waiting_for_retry
from storage.models import DigestRecipient, DigestSetting

log = logging.getLogger(__name__)


@dataclass
class DigestRound:
    """What one round sent: a line per digest run, and the settings that failed."""

    sent: list[str] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.sent or self.failed)

    def summary(self) -> str:
        """One line for the log."""
        parts = list(self.sent)
        if self.failed:
            parts.append(f"{len(self.failed)} failed")
        return "; ".join(parts)


async def due_digests(
    sessions: async_sessionmaker[AsyncSession], now: datetime
) -> list[tuple[int, Period]]:
    """The settings whose latest scheduled period is due and not yet finished, with the period."""
    due: list[tuple[int, Period]] = []
    async with sessions() as session:
        query = select(DigestSetting).where(
            DigestSetting.frequency != "off",
            DigestSetting.id.in_(select(DigestRecipient.setting_id)),
        )
        for setting in (await session.execute(query)).scalars():
            timezone = await subject_timezone(session, setting)
            found = due_period(setting.frequency, setting.weekday, setting.send_time, timezone, now)
            if found is None:
                continue
            run = await find_run(session, setting.id, found[0])
            if run is None or (
                run.finished_at is None and not await waiting_for_retry(session, run.id, now)
            ):
                due.append((setting.id, found[0]))
    return due


async def send_due_digests(
    sessions: async_sessionmaker[AsyncSession],
    cipher: AddressCipher,
    channels: DigestChannels,
    now: datetime,
) -> DigestRound:
    """Run every digest due now."""
    done = DigestRound()
    for setting_id, period in await due_digests(sessions, now):
        try:
            result = await run_digest(
                sessions, cipher, setting_id, period, channels, now, "schedule"
            )
        except Exception:
            log.exception("the digest of setting %s could not be sent; trying again", setting_id)
            done.failed.append(setting_id)
            continue
        done.sent.append(
            f"digest {setting_id} {period.start:%Y-%m-%d}+{period.days}d {result.status}"
            f" ({len(result.reached)} reached, {len(result.undelivered)} not)"
        )
    return done


async def run_digest_scheduler(
    engine: AsyncEngine,
    sessions: async_sessionmaker[AsyncSession],
    cipher: AddressCipher,
    channels: DigestChannels,
    stop: asyncio.Event,
    interval: float,
    observe: RoundObserver | None = None,
) -> None:
    """Send digests on time, as the one process holding the ``digests`` lock, until ``stop``."""
    await lead_and_repeat(
        engine,
        "digests",
        lambda: send_due_digests(sessions, cipher, channels, utcnow()),
        stop,
        interval,
        observe=observe,
    )
