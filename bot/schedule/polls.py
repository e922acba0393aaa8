"""The scheduler: opens polls, sends their reminders and closes them when their times come.

A plain loop over due rows in the database, every ``SCHEDULER_INTERVAL`` seconds, run by the one
process that holds the ``scheduler`` lock. Every schedule lives on the poll rows, so a restart, a
second worker or a facilitator acting at the same moment changes nothing: each poll is handled in
its own transaction behind a conditional update (status ``draft`` → ``open``, ``open`` →
``closed``, ``reminded_at`` empty → set), and a second attempt finds the work done and does
nothing. A poll that cannot be handled is logged and retried next round; the others go on.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.outbox.leader import Leadership
from handlers.polls.lifecycle import PollStateError, close_poll, open_poll
from handlers.polls.reminder import arrives_in_time, remind_members, reminder_time
from handlers.privacy.headcount import Headcount
from handlers.results.by_language import municipality_k
from storage.base import utcnow
from storage.models import Assembly, Poll
from storage.vocabulary import PollStatus

log = logging.getLogger(__name__)

LEADERSHIP_RETRY = 5.0


@dataclass(frozen=True)
class Done:
    """One poll the scheduler acted on, how many people its notice goes to, and its K."""

    poll_id: int
    slug: str
    recipients: int
    k: int

    def logged(self) -> str:
        """The poll and its recipients as the log says them (under K only ``<K``)."""
        return f"{self.slug} ({Headcount(self.recipients, self.k).plain()})"


@dataclass
class Round:
    """What one run of the scheduler did."""

    opened: list[Done] = field(default_factory=list)
    reminded: list[Done] = field(default_factory=list)
    closed: list[Done] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.opened or self.reminded or self.closed or self.failed)

    def summary(self) -> str:
        """One line for the log."""
        parts = [
            f"{what} {', '.join(d.logged() for d in done)}"
            for what, done in (
                ("opened", self.opened),
                ("reminded", self.reminded),
                ("closed", self.closed),
            )
            if done
        ]
        if self.failed:
            parts.append(f"{len(self.failed)} failed")
        return "; ".join(parts)


Step = Callable[[AsyncSession, Poll, datetime], Awaitable[int | None]]


async def _open(session: AsyncSession, poll: Poll, now: datetime) -> int | None:
    """Open a draft whose opening time has come."""
    if poll.status != PollStatus.DRAFT or poll.opens_at is None or poll.opens_at > now:
        return None
    return await open_poll(session, poll, now)


async def _remind(session: AsyncSession, poll: Poll, now: datetime) -> int | None:
    """Send the reminder of an open poll once it is due (and only once)."""
    if poll.status != PollStatus.OPEN or poll.reminded_at is not None or poll.closes_at is None:
        return None
    if poll.closes_at <= now:
        return None  # closing is due instead
    assembly = await session.get(Assembly, poll.assembly_id)
    if assembly is None:
        return None
    due = reminder_time(poll, assembly.municipality)
    if due is None or due > now or not arrives_in_time(poll, assembly.municipality, now):
        return None
    claimed = await session.execute(
        update(Poll)
        .where(Poll.id == poll.id, Poll.status == PollStatus.OPEN, Poll.reminded_at.is_(None))
        .values(reminded_at=now)
    )
    if not getattr(claimed, "rowcount", 0):
        return None
    return await remind_members(session, poll, assembly, now)


async def _close(session: AsyncSession, poll: Poll, now: datetime) -> int | None:
    """Close an open poll whose closing time has come."""
    if poll.status != PollStatus.OPEN or poll.closes_at is None or poll.closes_at > now:
        return None
    return await close_poll(session, poll, now)


async def _each(
    sessions: async_sessionmaker[AsyncSession],
    poll_ids: list[int],
    step: Step,
    now: datetime,
    done: list[Done],
    failed: list[str],
) -> None:
    """Run one step on each poll, each in its own transaction; a failure stops only its poll."""
    for poll_id in poll_ids:
        async with sessions() as session:
            try:
                poll = await session.get(Poll, poll_id)
                if poll is None:
                    continue
                slug, k = poll.slug, await municipality_k(session, poll)
                recipients = await step(session, poll, now)
                if recipients is None:
                    await session.rollback()
                    continue
                await session.commit()
            except PollStateError as exc:
                await session.rollback()
                log.error("scheduled poll %s: %s", poll_id, exc)
                failed.append(f"{poll_id}: {exc}")
                continue
            except Exception:
                await session.rollback()
                log.exception("scheduled poll %s failed", poll_id)
                failed.append(f"{poll_id}: unexpected error")
                continue
        done.append(Done(poll_id, slug, recipients, k))


async def _due_ids(
    sessions: async_sessionmaker[AsyncSession], now: datetime
) -> dict[str, list[int]]:
    """The polls each step may concern, read once (each step checks its poll again)."""
    async with sessions() as session:
        to_open = select(Poll.id).where(Poll.status == PollStatus.DRAFT, Poll.opens_at <= now)
        with_closing = select(Poll.id).where(
            Poll.status == PollStatus.OPEN, Poll.closes_at.is_not(None)
        )
        to_remind = with_closing.where(Poll.reminded_at.is_(None), Poll.closes_at > now)
        to_close = with_closing.where(Poll.closes_at <= now)
        return {
            name: list((await session.execute(query.order_by(Poll.id))).scalars())
            for name, query in (("open", to_open), ("remind", to_remind), ("close", to_close))
        }


async def run_due(sessions: async_sessionmaker[AsyncSession], now: datetime) -> Round:
    """Open the polls due to open, send the reminders due, close the polls due to close."""
    due = await _due_ids(sessions, now)
    done = Round()
    await _each(sessions, due["open"], _open, now, done.opened, done.failed)
    await _each(sessions, due["remind"], _remind, now, done.reminded, done.failed)
    await _each(sessions, due["close"], _close, now, done.closed, done.failed)
    return done


class RoundSummary(Protocol):
    """What a round of due work did: false when nothing, and one line for the log."""

    def __bool__(self) -> bool: ...

    def summary(self) -> str: ...


RoundObserver = Callable[[str, RoundSummary | None], None]  # a round's summary; None: it failed


async def lead_and_repeat(
    engine: AsyncEngine,
    name: str,
    work: Callable[[], Awaitable[RoundSummary]],
    stop: asyncio.Event,
    interval: float,
    retry: float = LEADERSHIP_RETRY,
    observe: RoundObserver | None = None,
) -> None:
    """Wait to be the only process holding lock ``name`` (asking every ``retry`` seconds), then
    run ``work`` every ``interval`` seconds until ``stop`` is set; a round that fails (the
    database away, say) is logged and the next one runs."""
    leadership = Leadership(engine, name)
    while not await leadership.acquire():
        log.info("another process runs the %s; waiting", name)
        if await sleep_or_stop(stop, retry):
            return
    try:
        while not stop.is_set():
            try:
                done = await work()
            except Exception:
                log.exception("a round of the %s failed; trying again", name)
                if observe is not None:
                    observe(name, None)
            else:
                if done:
                    log.info("%s: %s", name, done.summary())
                if observe is not None:
                    observe(name, done)
            if await sleep_or_stop(stop, interval):
                break
    finally:
        await leadership.release()


async def run_scheduler(
    engine: AsyncEngine,
    sessions: async_sessionmaker[AsyncSession],
    stop: asyncio.Event,
    interval: float,
    retry: float = LEADERSHIP_RETRY,
    observe: RoundObserver | None = None,
) -> None:
    """Open, remind and close polls on time, as the one scheduler, until ``stop`` is set."""
    await lead_and_repeat(
        engine, "scheduler", lambda: run_due(sessions, utcnow()), stop, interval, retry, observe
    )


async def sleep_or_stop(stop: asyncio.Event, seconds: float) -> bool:
    """Sleep up to ``seconds``; whether ``stop`` was set meanwhile."""
    try:
        await asyncio.wait_for(stop.wait(), seconds)
    except TimeoutError:
        return False
    return True
