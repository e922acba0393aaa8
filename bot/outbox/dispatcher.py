"""The dispatcher: sends the outbox, under the channel's rate limits, nothing twice.

One loop per channel, run by the process that holds the channel's leadership lock. It reads due
rows ahead (without claiming them) and, as the rate allows and while fewer than
``max_in_flight`` requests are under way, claims the next few with a conditional update
(``pending`` → ``sending``, committed) just before their requests go; the requests run
concurrently, and what became of them is written in the next tick's transaction (at most
``tick`` seconds later), together with the next claim. So a row is ``sending`` only while its
request may be under way, or its answer not yet written:

- sent: the message id is recorded;
- 429: the row waits ``retry_after`` and the whole channel pauses as long (not an attempt);
- network or server trouble: retried with exponential backoff, at most ``max_attempts`` tries;
- blocked or gone: the row is ``blocked`` and the person stopped, never written to again;
- refused: the row has ``failed``.

Each channel says how long one chat must wait between two messages (``Sender.chat_interval``:
Telegram one second for a private chat and three for a group, WhatsApp six, Meta's limit per
recipient); a row that would break that waits in the outbox. When the loop starts, rows a dead
dispatcher left ``sending`` are settled (``recover``): a channel that can look up what it sent
(``Lookup``: WhatsApp, in Twilio's Messages list) records the message it finds as sent and
sends again only what it has no record of; on a channel without (Telegram) they become
``unconfirmed``, since they may have arrived, and go again only when staff ask. A sender is
given the whole ``Outbound`` message: the text, the person's language and when they last wrote
(WhatsApp needs both outside its 24-hour window).
"""

from __future__ import annotations

import asyncio
import logging
import math
import random
import time
from collections import Counter, deque
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Protocol, runtime_checkable

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.outbox.leader import Leadership
from bot.outbox.send_errors import ContactStopped, SendError, Throttled
from storage.base import utcnow
from storage.crypto import AddressCipher
from storage.outbox import (
    Claimed,
    Outcome,
    Stranded,
    claim,
    left_sending,
    mark_unconfirmed,
    postpone,
    read_due,
    recorded_ids,
    settle,
    skip_stopped,
    stop_participants,
)
from storage.vocabulary import OutboxStatus

log = logging.getLogger(__name__)

LEADERSHIP_RETRY = 5.0
BURST_SECONDS = 0.25  # the most sending time a slow turn of the loop makes up for at once
READ_AHEAD_SECONDS = 0.25  # rows read ahead: a quarter of a second's worth at the rate
CLOCK_MARGIN = timedelta(minutes=5)  # a channel's clock may be behind ours when looking up


@dataclass(frozen=True)
class Outbound:
    """One message to send: the address in clear, the text, and what the channel may need.

    ``last_inbound_at`` is when the person last wrote to us; ``template_only`` says the
    channel already refused this message free-form because that was too long ago.
    """

    address: str
    text: str
    language: str
    last_inbound_at: datetime | None = None
    template_only: bool = False


class Sender(Protocol):
    """A channel adapter's way of sending one message to one person."""

    channel: str

    def chat_interval(self, address: str) -> float:
        """The seconds one chat must wait between two messages."""
        ...

    async def send(self, message: Outbound) -> str:
        """Send; the channel's message id. Raises ``SendError``."""
        ...


@runtime_checkable
class Lookup(Protocol):
    """A channel that can say which messages it took: a dead dispatcher's rows are checked."""

    async def sent_since(self, message: Outbound, since: datetime) -> list[str]:
        """The ids of the messages with this content the channel took for the address since
        ``since``, oldest first. Raises ``SendError``."""
        ...


class DispatchObserver(Protocol):
    """Who counts what a dispatcher did (the worker's metrics)."""

    def dispatched(self, channel: str, outcomes: Sequence[Outcome]) -> None:
        """Rows settled in one transaction."""

    def send_failed(self, channel: str, reason: str) -> None:
        """One send the channel refused or failed; ``reason`` is the kind of error."""


@dataclass(frozen=True)
class DispatchConfig:
    """How fast and how persistently one channel is sent to.

    ``max_in_flight`` bounds the requests under way (0: a tenth of a second's worth at the
    rate, 4 to 64); ``tick`` is the longest an answer waits to be written.
    """

    rate: float = 25.0
    max_attempts: int = 3
    backoff: float = 2.0  # seconds before the first retry; doubled for each further one
    idle_wait: float = 0.5
    max_in_flight: int = 0
    tick: float = 0.02

    @property
    def in_flight_limit(self) -> int:
        """The most requests under way at once."""
        return self.max_in_flight or min(64, max(4, math.ceil(self.rate / 10)))


class Pacer:
    """Spaces sends at ``rate`` per second; time the loop spent elsewhere is made up for in a
    burst of at most ``burst`` seconds' worth."""

    def __init__(self, rate: float, burst: float) -> None:
        self.interval = 1.0 / rate
        self.burst = burst
        self.free_at = time.monotonic()

    def allowed(self) -> int:
        """How many messages may go now: none before ``free_at``, then those whose turn came."""
        now = time.monotonic()
        start = max(self.free_at, now - self.burst)
        if start > now:
            return 0
        return int((now - start) / self.interval) + 1

    async def wait(self, gather: float = 0.0) -> None:
        """Sleep until the rate allows the next message, and ``gather`` seconds' worth more
        (less one message): several are then claimed in one transaction."""
        delay = self.free_at + max(0.0, gather - self.interval) - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)

    def spend(self, count: int) -> None:
        """Account for ``count`` messages just sent."""
        start = max(self.free_at, time.monotonic() - self.burst)
        self.free_at = start + count * self.interval

    def pause(self, seconds: float) -> None:
        """Send nothing for ``seconds``."""
        self.free_at = max(self.free_at, time.monotonic() + seconds)


class Dispatcher:
    """Sends one channel's outbox."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        cipher: AddressCipher,
        sender: Sender,
        config: DispatchConfig | None = None,
        observer: DispatchObserver | None = None,
    ) -> None:
        self.sessions = sessions
        self.observer = observer
        self.cipher = cipher
        self.sender = sender
        self.config = config or DispatchConfig()
        self.pacer = Pacer(self.config.rate, BURST_SECONDS)
        self.chat_free_at: dict[str, float] = {}
        self.ahead: deque[Claimed] = deque()
        self.in_flight: set[asyncio.Task[Outcome]] = set()
        self.done: list[tuple[Claimed, Outcome]] = []
        self.addresses: dict[int, str | None] = {}

    # ---- after a crash ----------------------------------------------------------------

    async def recover(self) -> int:
        """Settle what a previous dispatcher left under way; call once when taking over. How
        many rows were left: looked up where the channel can, else ``unconfirmed``."""
        async with self.sessions() as session:
            stranded = await left_sending(session, self.sender.channel)
        if not stranded:
            return 0
        if isinstance(self.sender, Lookup):
            await self._reconcile(self.sender, stranded)
        async with self.sessions() as session:
            count = await mark_unconfirmed(session, self.sender.channel)
            await session.commit()
        if count:
            log.warning(
                "%d %s messages were under way when the last dispatcher stopped; they are "
                "unconfirmed and go again only if staff ask",
                count,
                self.sender.channel,
            )
        return len(stranded)

    async def _reconcile(self, lookup: Lookup, stranded: Sequence[Stranded]) -> None:
        """Rows the channel has a message for are sent (its id recorded); those it has none
        for go again; those it could not be asked about are left to become unconfirmed."""
        taken: set[str] = set()
        found: list[Outcome] = []
        again: list[Outcome] = []
        for left in stranded:
            address = self._address(left.row)
            if address is None or left.row.text is None:
                again.append(Outcome(left.row.id, OutboxStatus.PENDING, attempted=False))
                continue
            since = (left.claimed_at or utcnow()) - CLOCK_MARGIN
            try:
                sids = await lookup.sent_since(self._outbound(left.row, address), since)
            except SendError as exc:
                log.warning("a %s message could not be looked up: %s", self.sender.channel, exc)
                continue
            async with self.sessions() as session:
                known = await recorded_ids(session, self.sender.channel, sids)
            sid = next((s for s in sids if s not in known and s not in taken), None)
            if sid is None:
                again.append(Outcome(left.row.id, OutboxStatus.PENDING, attempted=False))
            else:
                taken.add(sid)
                found.append(Outcome(left.row.id, OutboxStatus.SENT, external_id=sid))
        async with self.sessions() as session:
            await settle(session, [*found, *again], utcnow())
            await session.commit()
        log.warning(
            "%d %s messages under way when the last dispatcher stopped had gone; %d go again",
            len(found),
            self.sender.channel,
            len(again),
        )

    # ---- the loop ---------------------------------------------------------------------

    async def run(self, stop: asyncio.Event) -> None:
        """Send until ``stop`` is set; then let the requests under way finish and write them."""
        await self.recover()
        try:
            while not stop.is_set():
                if await self.step() == 0:
                    await self._idle(stop)
        finally:
            await self.finish()

    async def step(self) -> int:
        """Claim and start the next requests the rate and the bound allow, writing the answers
        come meanwhile in the same transaction; how many rows it took from the outbox."""
        await self.pacer.wait(self.config.tick)
        await self._room()
        if not self.ahead:
            await self._read_ahead()
        take = min(self.pacer.allowed(), self.config.in_flight_limit - len(self.in_flight))
        batch = [self.ahead.popleft() for _ in range(min(take, len(self.ahead)))]
        stopped = [row.id for row in batch if row.stopped]
        ready, held = self._respect_chat_limits([row for row in batch if not row.stopped])
        claimed = await self._write(ready, held, stopped)
        for row in ready:
            if row.id in claimed:
                task = asyncio.create_task(self._send(row, self.addresses[row.id]))
                task.add_done_callback(partial(self._finished, row))
                self.in_flight.add(task)
        for row in batch:
            if row.id not in claimed:  # skipped, held, or no longer pending
                self.addresses.pop(row.id, None)
        self.pacer.spend(len(claimed))
        return len(batch)

    async def finish(self) -> None:
        """Wait for the requests under way and write what became of them."""
        if self.in_flight:
            await asyncio.wait(set(self.in_flight))
        await self._write([], {}, [])
        for row in self.ahead:
            self.addresses.pop(row.id, None)
        self.ahead.clear()

    async def _idle(self, stop: asyncio.Event) -> None:
        """Nothing due: write the answers as they come; with none under way, wait a while."""
        if self.in_flight:
            await asyncio.wait(set(self.in_flight), timeout=self.config.tick)
            await self._write([], {}, [])
        elif self.done:
            await self._write([], {}, [])
        else:
            await _sleep_or_stop(stop, self.config.idle_wait)

    async def _room(self) -> None:
        """Wait until fewer than the bound are under way (writing the answers meanwhile)."""
        while len(self.in_flight) >= self.config.in_flight_limit:
            await asyncio.wait(
                set(self.in_flight), timeout=self.config.tick, return_when=asyncio.FIRST_COMPLETED
            )
            if len(self.in_flight) >= self.config.in_flight_limit:
                await self._write([], {}, [])

    async def _read_ahead(self) -> None:
        """Read the next due rows (not claimed) and their addresses."""
        limit = max(self.config.in_flight_limit, int(self.config.rate * READ_AHEAD_SECONDS))
        async with self.sessions() as session:
            rows = await read_due(session, self.sender.channel, limit, utcnow())
        self.ahead.extend(rows)
        self.addresses.update((row.id, self._address(row)) for row in rows)

    async def _write(
        self, ready: Sequence[Claimed], held: dict[int, datetime], stopped: Sequence[int]
    ) -> set[int]:
        """One transaction: the answers come so far, the rows held or skipped, and the claim of
        ``ready``; the ids claimed."""
        done, self.done = self.done, []
        if not (done or ready or held or stopped):
            return set()
        outcomes = [outcome for _row, outcome in done]
        blocked = [row.participant_id for row, o in done if o.status == OutboxStatus.BLOCKED]
        now = utcnow()
        async with self.sessions() as session:
            await settle(session, outcomes, now)
            await stop_participants(session, blocked, now)
            await postpone(session, held)
            await skip_stopped(session, stopped)
            claimed = await claim(session, [row.id for row in ready], now)
            await session.commit()
        for row, _outcome in done:
            self.addresses.pop(row.id, None)
        self._log_failures(outcomes)
        if self.observer is not None and outcomes:
            self.observer.dispatched(self.sender.channel, outcomes)
        return claimed

    def _finished(self, row: Claimed, task: asyncio.Task[Outcome]) -> None:
        """A request is answered: keep its outcome for the next transaction."""
        self.in_flight.discard(task)
        if task.cancelled():
            return
        failure = task.exception()
        if failure is not None:  # a bug, not the channel: the row fails rather than hang
            log.error("sending a %s message failed", self.sender.channel, exc_info=failure)
            error = f"unexpected {type(failure).__name__}"
            outcome = Outcome(row.id, OutboxStatus.FAILED, error=error)
        else:
            outcome = task.result()
        self.done.append((row, outcome))
        address = self.addresses.get(row.id)
        if outcome.status != OutboxStatus.SENT and address is not None:
            self.chat_free_at.pop(address, None)  # nothing reached the chat: no need to wait

    def _respect_chat_limits(
        self, rows: Sequence[Claimed]
    ) -> tuple[list[Claimed], dict[int, datetime]]:
        """Rows that may go now, and when the others may, once their chat's interval passed."""
        now = time.monotonic()
        if len(self.chat_free_at) > 10_000:
            self.chat_free_at = {a: t for a, t in self.chat_free_at.items() if t > now}
        ready: list[Claimed] = []
        held: dict[int, datetime] = {}
        for row in rows:
            key = self.addresses.get(row.id)
            if key is None:
                ready.append(row)
                continue
            wait = self.chat_free_at.get(key, now) - now
            if wait > 0:
                held[row.id] = utcnow() + timedelta(seconds=wait)
                self.addresses.pop(row.id, None)
                continue
            self.chat_free_at[key] = now + self.sender.chat_interval(key)
            ready.append(row)
        return ready, held

    def _log_failures(self, outcomes: Sequence[Outcome]) -> None:
        """One line per distinct reason messages were given up for."""
        reasons = Counter(o.error or "unknown" for o in outcomes if o.status == OutboxStatus.FAILED)
        for reason, count in reasons.items():
            log.warning("%d %s messages failed: %s", count, self.sender.channel, reason)

    def _address(self, row: Claimed) -> str | None:
        """The row's address in clear, or None if it cannot be read."""
        if row.address_enc is None:
            return None
        try:
            return self.cipher.decrypt(row.address_enc)
        except ValueError:
            return None

    @staticmethod
    def _outbound(row: Claimed, address: str) -> Outbound:
        """The message a row sends."""
        return Outbound(
            address, row.text or "", row.language, row.last_inbound_at, row.template_only
        )

    async def _send(self, row: Claimed, address: str | None) -> Outcome:
        """Send one row to its address in clear; what became of it."""
        if address is None:
            return Outcome(row.id, OutboxStatus.FAILED, error="the address cannot be read")
        if row.text is None:
            return Outcome(
                row.id, OutboxStatus.FAILED, error="the notice has no text in this language"
            )
        try:
            message_id = await self.sender.send(self._outbound(row, address))
        except SendError as exc:
            if self.observer is not None:
                self.observer.send_failed(self.sender.channel, type(exc).__name__)
            return self._failure(row, exc)
        return Outcome(row.id, OutboxStatus.SENT, external_id=message_id)

    def _failure(self, row: Claimed, exc: SendError) -> Outcome:
        """What becomes of a row whose send failed: wait and retry, stop, or give up."""
        if isinstance(exc, Throttled):
            self.pacer.pause(exc.retry_after)
            until = utcnow() + timedelta(seconds=exc.retry_after)
            return Outcome(
                row.id,
                OutboxStatus.PENDING,
                error=str(exc)[:200],
                not_before=until,
                attempted=False,
            )
        if isinstance(exc, ContactStopped):
            return Outcome(row.id, OutboxStatus.BLOCKED, error=str(exc)[:200])
        return self._after_failure(row, exc)

    def _after_failure(self, row: Claimed, exc: SendError) -> Outcome:
        """Retry later with backoff, or give up."""
        attempts = row.attempts + 1
        if not exc.retryable or attempts >= self.config.max_attempts:
            return Outcome(row.id, OutboxStatus.FAILED, error=str(exc)[:200])
        delay = self.config.backoff * 2 ** (attempts - 1) * (1 + random.random() / 2)
        return Outcome(
            row.id,
            OutboxStatus.PENDING,
            error=str(exc)[:200],
            not_before=utcnow() + timedelta(seconds=delay),
        )


async def lead_and_dispatch(
    engine: AsyncEngine, dispatcher: Dispatcher, stop: asyncio.Event
) -> None:
    """Wait to be the channel's only dispatcher, then send until ``stop`` is set."""
    leadership = Leadership(engine, f"dispatcher-{dispatcher.sender.channel}")
    while not await leadership.acquire():
        log.info("another dispatcher sends %s; waiting", dispatcher.sender.channel)
        if await _sleep_or_stop(stop, LEADERSHIP_RETRY):
            return
    try:
        await dispatcher.run(stop)
    finally:
        await leadership.release()


async def _sleep_or_stop(stop: asyncio.Event, seconds: float) -> bool:
    """Sleep up to ``seconds``; whether ``stop`` was set meanwhile."""
    try:
        await asyncio.wait_for(stop.wait(), seconds)
    except TimeoutError:
        return False
    return True
