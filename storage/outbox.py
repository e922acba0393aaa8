"""The durable outbox: one row per recipient of a notice, claimed and settled by the dispatcher.

Rows are written in the same transaction as their notice is queued. The dispatcher claims a
few due rows at a time (``pending`` → ``sending``, committed before any request goes out; on
PostgreSQL with ``FOR UPDATE SKIP LOCKED``), sends them, and settles each in one transaction.
Only one dispatcher per channel runs, so a row still ``sending`` when a dispatcher starts was
under way when the last one died: it becomes ``unconfirmed`` and is never sent again, because
it may have arrived. That is what keeps every notice from going to anyone twice.

A channel that reports delivery afterwards (WhatsApp, through Twilio's status callbacks) moves
``delivery_status`` forward only (``record_delivery``); the row's ``status`` keeps its meaning,
except that an opt-out reported late makes it ``blocked``, and a free-form message refused for
being outside the person's 24-hour window goes back to ``pending``, to be sent as a template.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.audience import Recipient
from storage.models import Notice, OutboxMessage, Participant
from storage.vocabulary import DeliveryStatus, OutboxStatus

INSERT_BATCH = 5000

# What a channel may report after sending, in the order a message goes through it: a report
# is recorded only if it ranks above the one recorded (a late "sent" after "read" changes
# nothing). Failing ranks with arriving: a message either arrives or fails, then may be read.
DELIVERY_RANK: dict[str, int] = {
    DeliveryStatus.ACCEPTED: 0,
    DeliveryStatus.SCHEDULED: 0,
    DeliveryStatus.QUEUED: 0,
    DeliveryStatus.SENDING: 1,
    DeliveryStatus.SENT: 2,
    DeliveryStatus.DELIVERED: 3,
    DeliveryStatus.UNDELIVERED: 3,
    DeliveryStatus.FAILED: 3,
    DeliveryStatus.READ: 4,
}
ARRIVED = frozenset({DeliveryStatus.DELIVERED, DeliveryStatus.READ})
NOT_DELIVERED = frozenset({DeliveryStatus.FAILED, DeliveryStatus.UNDELIVERED})
WINDOW_RESENDS = 3  # sends of one row, all told, before a window refusal is left as it is


@dataclass(frozen=True)
class Claimed:
    """A row the dispatcher is now sending: to whom, and what."""

    id: int
    participant_id: int
    address_enc: str | None
    text: str | None
    attempts: int
    language: str = ""
    last_inbound_at: datetime | None = None
    template_only: bool = False  # the channel refused it free-form once: outside the window


@dataclass(frozen=True)
class Outcome:
    """What became of one claimed row.

    ``status`` is a final status, or ``pending`` to try again at ``not_before``.
    """

    id: int
    status: OutboxStatus
    external_id: str | None = None
    error: str | None = None
    not_before: datetime | None = None
    attempted: bool = True


async def queue_recipients(
    session: AsyncSession,
    notice: Notice,
    people: Sequence[Recipient],
    not_before: datetime,
    priority: int = 0,
) -> int:
    """Write one pending row per recipient of the notice (in the caller's transaction)."""
    for start in range(0, len(people), INSERT_BATCH):
        await session.execute(
            insert(OutboxMessage),
            [
                {
                    "notice_id": notice.id,
                    "participant_id": person.participant_id,
                    "channel": person.channel,
                    "language": person.language,
                    "priority": priority,
                    "status": OutboxStatus.PENDING,
                    "attempts": 0,
                    "not_before": not_before,
                }
                for person in people[start : start + INSERT_BATCH]
            ],
        )
    return len(people)


async def claim_due(
    session: AsyncSession, channel: str, limit: int, now: datetime
) -> list[Claimed]:
    """Mark up to ``limit`` due rows of a channel as being sent, and return them (then commit).

    Rows whose person opted out since the notice was queued are settled as skipped instead.
    """
    due = (
        select(OutboxMessage.id)
        .where(
            OutboxMessage.channel == channel,
            OutboxMessage.status == OutboxStatus.PENDING,
            OutboxMessage.not_before <= now,
        )
        .order_by(OutboxMessage.priority.desc(), OutboxMessage.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    ids = list((await session.execute(due)).scalars())
    if not ids:
        return []
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(ids))
        .values(status=OutboxStatus.SENDING, claimed_at=now)
    )
    rows = await session.execute(
        select(
            OutboxMessage.id,
            OutboxMessage.participant_id,
            OutboxMessage.language,
            OutboxMessage.attempts,
            OutboxMessage.delivery_status,
            Participant.address_enc,
            Participant.stopped_at,
            Participant.last_inbound_at,
            Notice.text,
        )
        .join(Participant, Participant.id == OutboxMessage.participant_id)
        .join(Notice, Notice.id == OutboxMessage.notice_id)
        .where(OutboxMessage.id.in_(ids))
        .order_by(OutboxMessage.priority.desc(), OutboxMessage.id)
    )
    claimed: list[Claimed] = []
    stopped: list[int] = []
    for row in rows:
        if row.stopped_at is not None:
            stopped.append(row.id)
            continue
        claimed.append(
            Claimed(
                row.id,
                row.participant_id,
                row.address_enc,
                (row.text or {}).get(row.language),
                row.attempts,
                language=row.language,
                last_inbound_at=row.last_inbound_at,
                template_only=row.delivery_status in NOT_DELIVERED,
            )
        )
    if stopped:
        await session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(stopped))
            .values(status=OutboxStatus.SKIPPED, error="opted out")
        )
    return claimed


async def settle(session: AsyncSession, outcomes: Iterable[Outcome], now: datetime) -> None:
    """Record what became of claimed rows (in the caller's transaction)."""
    for outcome in outcomes:
        values: dict[str, object] = {"status": outcome.status, "error": outcome.error}
        if outcome.attempted:
            values["attempts"] = OutboxMessage.attempts + 1
        if outcome.status == OutboxStatus.SENT:  # a new message: earlier reports are void
            values.update(
                sent_at=now,
                external_id=outcome.external_id,
                delivery_status=None,
                delivered_at=None,
            )
        if outcome.not_before is not None:
            values["not_before"] = outcome.not_before
        await session.execute(
            update(OutboxMessage).where(OutboxMessage.id == outcome.id).values(**values)
        )


async def skip_unsent(session: AsyncSession, poll_id: int, kinds: Sequence[str], error: str) -> int:
    """Rows of the poll's notices of these kinds not sent yet: skipped, with ``error``, never
    sent now; how many."""
    notices = select(Notice.id).where(Notice.poll_id == poll_id, Notice.kind.in_(kinds))
    result = await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.notice_id.in_(notices), OutboxMessage.status == OutboxStatus.PENDING)
        .values(status=OutboxStatus.SKIPPED, error=error)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def stop_participants(
    session: AsyncSession, participant_ids: Sequence[int], now: datetime
) -> None:
    """People who blocked the bot or left: no notice goes to them again."""
    if participant_ids:
        await session.execute(
            update(Participant)
            .where(Participant.id.in_(list(participant_ids)), Participant.stopped_at.is_(None))
            .values(stopped_at=now)
        )


async def mark_unconfirmed(session: AsyncSession, channel: str) -> int:
    """Rows a dead dispatcher left under way: never sent again; how many there were."""
    result = await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.channel == channel, OutboxMessage.status == OutboxStatus.SENDING)
        .values(status=OutboxStatus.UNCONFIRMED, error="the dispatcher stopped while sending")
    )
    return int(getattr(result, "rowcount", 0) or 0)


@dataclass(frozen=True)
class DeliveryReport:
    """What a channel reported about one message it was given: its id there, and how it fares."""

    channel: str
    external_id: str
    status: str
    stopped: bool = False  # the person opted out or blocked the sender
    outside_window: bool = False  # refused free-form: the person's window had closed
    error: str | None = None


async def record_delivery(session: AsyncSession, report: DeliveryReport, now: datetime) -> bool:
    """Move the row's delivery status forward (in the caller's transaction); whether it moved.

    A report about an unknown message, or one no further than what is recorded, changes
    nothing. A failure because the person opted out blocks the row and stops the person; one
    because their window had closed sends the row again, as a template, if it had gone free-form.
    """
    rank = DELIVERY_RANK.get(report.status)
    if rank is None:
        return False
    lower = [status for status, r in DELIVERY_RANK.items() if r < rank]
    values: dict[str, object] = {"delivery_status": report.status}
    if report.status in ARRIVED:
        values["delivered_at"] = func.coalesce(OutboxMessage.delivered_at, now)
    if report.error is not None:
        values["error"] = report.error[:200]
    row = (
        await session.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.channel == report.channel,
                OutboxMessage.external_id == report.external_id,
                or_(
                    OutboxMessage.delivery_status.is_(None),
                    OutboxMessage.delivery_status.in_(lower),
                ),
            )
            .values(**values)
            .returning(OutboxMessage.id, OutboxMessage.participant_id)
        )
    ).first()
    if row is None:
        return False
    if report.status in NOT_DELIVERED and report.stopped:
        await session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == row.id)
            .values(status=OutboxStatus.BLOCKED)
        )
        await stop_participants(session, [row.participant_id], now)
    elif report.status in NOT_DELIVERED and report.outside_window:
        await session.execute(
            update(OutboxMessage)
            .where(
                and_(
                    OutboxMessage.id == row.id,
                    OutboxMessage.status == OutboxStatus.SENT,
                    OutboxMessage.attempts < WINDOW_RESENDS,
                )
            )
            .values(status=OutboxStatus.PENDING, not_before=now)
        )
    return True


async def delivery_counts(
    session: AsyncSession, notice_ids: Sequence[int]
) -> dict[int, Counter[str]]:
    """How many rows of each notice are in each status."""
    rows = await session.execute(
        select(OutboxMessage.notice_id, OutboxMessage.status, func.count())
        .where(OutboxMessage.notice_id.in_(list(notice_ids)))
        .group_by(OutboxMessage.notice_id, OutboxMessage.status)
    )
    counts: dict[int, Counter[str]] = {notice_id: Counter() for notice_id in notice_ids}
    for notice_id, status, count in rows:
        counts[notice_id][status] = int(count)
    return counts


async def pending_count(session: AsyncSession, channel: str) -> int:
    """Rows of a channel not yet settled (pending or under way)."""
    count = await session.scalar(
        select(func.count())
        .select_from(OutboxMessage)
        .where(
            OutboxMessage.channel == channel,
            OutboxMessage.status.in_([OutboxStatus.PENDING, OutboxStatus.SENDING]),
        )
    )
    return int(count or 0)
