"""The dispatcher: sends the outbox, under the channel's rate limits, nothing twice.

One loop per channel, run by the process that holds the channel's leadership lock. Each round
it waits for its share of the rate, claims that many due rows (committed as ``sending`` before
any request goes out), sends them concurrently, and settles them in one transaction:

- sent: the message id is recorded;
- 429: the row waits ``retry_after`` and the whole channel pauses as long (not an attempt);
- network or server trouble: retried with exponential backoff, at most ``max_attempts`` tries;
- blocked or gone: the row is ``blocked`` and the person stopped, never written to again;
- refused: the row has ``failed``.

Each channel says how long one chat must wait between two messages (``Sender.chat_interval``:
Telegram one second for a private chat and three for a group, WhatsApp six, Meta's limit per
recipient); a row that would break that waits in the outbox. When the loop starts, rows a dead
dispatcher left ``sending`` become ``unconfirmed``: they may have arrived, so they are not
sent again. A sender is given the whole ``Outbound`` message: the text, the person's language
and when they last wrote (WhatsApp needs both outside its 24-hour window).
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.outbox.leader import Leadership
from bot.outbox.send_errors import ContactStopped, SendError, Throttled
from storage.base import utcnow
from storage.crypto import AddressCipher
from storage.outbox import (
    Claimed,
    Outcome,
    claim_due,
    mark_unconfirmed,
    settle,
    stop_participants,
)
from storage.vocabulary import OutboxStatus

log = logging.getLogger(__name__)

ROUND_SECONDS = 0.05
LEADERSHIP_RETRY = 5.0


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


@dataclass(frozen=True)
class DispatchConfig:
    """How fast and how persistently one channel is sent to."""

    rate: float = 25.0
    max_attempts: int = 3
    backoff: float = 2.0  # seconds before the first retry; doubled for each further one
    idle_wait: float = 0.5
    max_round: int = 100


class Pacer:
    """Spaces sends at ``rate`` per second: each round waits for the time its messages take."""

    def __init__(self, rate: float) -> None:
        self.interval = 1.0 / rate
        self.free_at = time.monotonic()

    def round_size(self, limit: int) -> int:
        """How many messages one round may send."""
        return max(1, min(limit, int(ROUND_SECONDS / self.interval)))

    async def wait(self) -> None:
        """Sleep until the rate allows the next round."""
        delay = self.free_at - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)

    def spend(self, count: int) -> None:
        """Account for ``count`` messages just sent."""
        self.free_at = max(self.free_at, time.monotonic()) + count * self.interval

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
    ) -> None:
        self.sessions = sessions
        self.cipher = cipher
        self.sender = sender
        self.config = config or DispatchConfig()
        self.pacer = Pacer(self.config.rate)
        self.chat_free_at: dict[str, float] = {}

    async def recover(self) -> int:
        """Settle what a previous dispatcher left under way; call once when taking over."""
        async with self.sessions() as session:
            count = await mark_unconfirmed(session, self.sender.channel)
            await session.commit()
        if count:
            log.warning(
                "%d %s messages were under way when the last dispatcher stopped; they are not sent again",
                count,
                self.sender.channel,
            )
        return count

    async def run_round(self) -> int:
        """Claim, send and settle one round; how many rows it claimed."""
        await self.pacer.wait()
        now = utcnow()
        async with self.sessions() as session:
            claimed = await claim_due(
                session, self.sender.channel, self.pacer.round_size(self.config.max_round), now
            )
            await session.commit()
        if not claimed:
            return 0
        addresses = {row.id: self._address(row) for row in claimed}
        ready, held = self._respect_chat_limits(claimed, addresses)
        if held:  # back to the outbox before anything is sent, so a crash cannot strand them
            async with self.sessions() as session:
                await settle(session, held, utcnow())
                await session.commit()
        sent = list(await asyncio.gather(*(self._send(row, addresses[row.id]) for row in ready)))
        self.pacer.spend(len(ready))
        self._free_chats_not_sent_to(ready, sent, addresses)
        stopped = [
            row.participant_id
            for row, o in zip(ready, sent, strict=True)
            if o.status == OutboxStatus.BLOCKED
        ]
        async with self.sessions() as session:
            await settle(session, sent, utcnow())
            await stop_participants(session, stopped, utcnow())
            await session.commit()
        self._log_failures(sent)
        return len(claimed)

    async def run(self, stop: asyncio.Event) -> None:
        """Send until ``stop`` is set."""
        await self.recover()
        while not stop.is_set():
            if await self.run_round() == 0:
                await _sleep_or_stop(stop, self.config.idle_wait)

    def _respect_chat_limits(
        self, claimed: Sequence[Claimed], addresses: dict[int, str | None]
    ) -> tuple[list[Claimed], list[Outcome]]:
        """Rows that may go now, and the others put back until their chat's interval has passed."""
        now = time.monotonic()
        self.chat_free_at = {a: t for a, t in self.chat_free_at.items() if t > now}
        ready: list[Claimed] = []
        held: list[Outcome] = []
        for row in claimed:
            key = addresses[row.id]
            if key is None:
                ready.append(row)
                continue
            wait = self.chat_free_at.get(key, now) - now
            if wait > 0:
                until = utcnow() + timedelta(seconds=wait)
                held.append(
                    Outcome(row.id, OutboxStatus.PENDING, not_before=until, attempted=False)
                )
                continue
            self.chat_free_at[key] = now + self.sender.chat_interval(key)
            ready.append(row)
        return ready, held

    def _free_chats_not_sent_to(
        self,
        ready: Sequence[Claimed],
        outcomes: Sequence[Outcome],
        addresses: dict[int, str | None],
    ) -> None:
        """A refused request sent the chat nothing: its retry need not wait the chat's interval."""
        for row, outcome in zip(ready, outcomes, strict=True):
            address = addresses[row.id]
            if outcome.status != OutboxStatus.SENT and address is not None:
                self.chat_free_at.pop(address, None)

    def _log_failures(self, outcomes: Sequence[Outcome]) -> None:
        """One line per distinct reason messages of this round were given up for."""
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

    async def _send(self, row: Claimed, address: str | None) -> Outcome:
        """Send one row to its address in clear; what became of it."""
        if address is None:
            return Outcome(row.id, OutboxStatus.FAILED, error="the address cannot be read")
        if row.text is None:
            return Outcome(
                row.id, OutboxStatus.FAILED, error="the notice has no text in this language"
            )
        message = Outbound(address, row.text, row.language, row.last_inbound_at, row.template_only)
        try:
            message_id = await self.sender.send(message)
        except Throttled as exc:
            self.pacer.pause(exc.retry_after)
            until = utcnow() + timedelta(seconds=exc.retry_after)
            return Outcome(
                row.id,
                OutboxStatus.PENDING,
                error=str(exc)[:200],
                not_before=until,
                attempted=False,
            )
        except ContactStopped as exc:
            return Outcome(row.id, OutboxStatus.BLOCKED, error=str(exc)[:200])
        except SendError as exc:
            return self._after_failure(row, exc)
        return Outcome(row.id, OutboxStatus.SENT, external_id=message_id)

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
