"""The durable outbox: one row per recipient of a notice, claimed and settled by the dispatcher.

Rows are written in the same transaction as their notice is queued. The dispatcher reads due
rows ahead (``read_due``) and claims each only just before its request goes (``claim``: a
conditional update ``pending`` → ``sending``, committed first, so that the database decides
across processes and a row is never claimed twice), then records what became of it
(``settle``, many rows in one executemany). Only one dispatcher per channel runs, so a row still
``sending`` when a dispatcher starts was under way when the last one died (``left_sending``):
on WhatsApp it is looked up at the channel and recorded as sent or sent again; on Telegram it
becomes ``unconfirmed`` (``mark_unconfirmed``) and is not sent again, because it may have
arrived, unless staff ask (``resend_unconfirmed``, which may then send it twice).

A channel that reports delivery afterwards (WhatsApp, through Twilio's status callbacks) moves
``delivery_status`` forward only (``record_delivery``); the row's ``status`` keeps its meaning,
except that an opt-out reported late makes it ``blocked``, and a free-form message refused for
being outside the person's 24-hour window goes back to ``pending``, to be sent as a template.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Row, Select, Table, and_, bindparam, func, insert, or_, select, update
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
    """A row the dispatcher sends: to whom, and what."""

    id: int
    participant_id: int
    address_enc: str | None
    text: str | None
    attempts: int
    language: str = ""
    last_inbound_at: datetime | None = None
    template_only: bool = False  # the channel refused it free-form once: outside the window
    stopped: bool = False  # the person opted out since: skipped, not sent


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


async def read_due(session: AsyncSession, channel: str, limit: int, now: datetime) -> list[Claimed]:
    """Up to ``limit`` due rows of a channel, in the order they go, without claiming them.

    The dispatcher reads ahead with this and claims each row (``claim``) only just before its
    request goes, so that a row is ``sending`` only while its request may be under way.
    """
    rows = await session.execute(
        _sendable()
        .where(
            OutboxMessage.channel == channel,
            OutboxMessage.status == OutboxStatus.PENDING,
            OutboxMessage.not_before <= now,
        )
        .order_by(OutboxMessage.priority.desc(), OutboxMessage.id)
        .limit(limit)
    )
    return [_to_send(row) for row in rows]


def _sendable() -> Select[*tuple[Any, ...]]:
    """Outbox rows with what sending one needs: the person's address, whether they opted out
    and when they last wrote, and the notice's texts."""
    return (
        select(
            OutboxMessage.id,
            OutboxMessage.participant_id,
            OutboxMessage.language,
            OutboxMessage.attempts,
            OutboxMessage.delivery_status,
            OutboxMessage.claimed_at,
            Participant.address_enc,
            Participant.stopped_at,
            Participant.last_inbound_at,
            Notice.text,
        )
        .join(Participant, Participant.id == OutboxMessage.participant_id)
        .join(Notice, Notice.id == OutboxMessage.notice_id)
    )


def _to_send(row: Row[*tuple[Any, ...]]) -> Claimed:
    """A row of ``_sendable`` as the dispatcher sends it, in the reader's language."""
    return Claimed(
        row.id,
        row.participant_id,
        row.address_enc,
        (row.text or {}).get(row.language),
        row.attempts,
        language=row.language,
        last_inbound_at=row.last_inbound_at,
        template_only=row.delivery_status in NOT_DELIVERED,
        stopped=row.stopped_at is not None,
    )


async def claim(session: AsyncSession, ids: Sequence[int], now: datetime) -> set[int]:
    """Claim the rows still pending (``pending`` → ``sending``, in the caller's transaction, to
    be committed before their requests go); the ids it claimed. A row claimed or skipped
    meanwhile by another process is not among them: the conditional update is the arbiter."""
    if not ids:
        return set()
    claimed = await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(list(ids)), OutboxMessage.status == OutboxStatus.PENDING)
        .values(status=OutboxStatus.SENDING, claimed_at=now)
        .returning(OutboxMessage.id)
        .execution_options(synchronize_session=False)
    )
    return set(claimed.scalars())


async def skip_stopped(session: AsyncSession, ids: Sequence[int]) -> None:
    """Pending rows whose person opted out since the notice was queued: skipped, never sent."""
    if ids:
        await session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(list(ids)), OutboxMessage.status == OutboxStatus.PENDING)
            .values(status=OutboxStatus.SKIPPED, error="opted out")
            .execution_options(synchronize_session=False)
        )


async def postpone(session: AsyncSession, until: Mapping[int, datetime]) -> None:
    """Pending rows that must wait (their chat's interval): not due before the given time."""
    table = _table()
    if until:
        await session.execute(
            update(table)
            .where(table.c.id == bindparam("row_id"), table.c.status == OutboxStatus.PENDING)
            .values(not_before=bindparam("until")),
            [{"row_id": row_id, "until": at} for row_id, at in until.items()],
        )


async def settle(session: AsyncSession, outcomes: Sequence[Outcome], now: datetime) -> None:
    """Record what became of claimed rows (in the caller's transaction); a row no longer
    ``sending`` is left as it is. The sent ones, nearly all, go in one executemany."""
    table = _table()
    sent = [o for o in outcomes if o.status == OutboxStatus.SENT]
    if sent:
        await session.execute(
            update(table)
            .where(table.c.id == bindparam("row_id"), table.c.status == OutboxStatus.SENDING)
            .values(
                status=OutboxStatus.SENT,
                error=None,
                attempts=table.c.attempts + 1,
                sent_at=now,
                external_id=bindparam("sid"),
                delivery_status=None,
                delivered_at=None,
            ),
            [{"row_id": o.id, "sid": o.external_id} for o in sent],
        )
    for outcome in outcomes:
        if outcome.status == OutboxStatus.SENT:
            continue
        values: dict[str, object] = {"status": outcome.status, "error": outcome.error}
        if outcome.attempted:
            values["attempts"] = OutboxMessage.attempts + 1
        if outcome.not_before is not None:
            values["not_before"] = outcome.not_before
        await session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == outcome.id, OutboxMessage.status == OutboxStatus.SENDING)
            .values(**values)
            .execution_options(synchronize_session=False)
        )


def _table() -> Table:
    """The outbox table, for updates of many rows by id in one executemany."""
    return cast(Table, OutboxMessage.__table__)


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


@dataclass(frozen=True)
class Stranded:
    """A row a dead dispatcher left ``sending``: what it was sending, and since when."""

    row: Claimed
    claimed_at: datetime | None


async def left_sending(session: AsyncSession, channel: str) -> list[Stranded]:
    """Rows of a channel still ``sending``: a dead dispatcher's requests that may have gone."""
    rows = await session.execute(
        _sendable()
        .where(OutboxMessage.channel == channel, OutboxMessage.status == OutboxStatus.SENDING)
        .order_by(OutboxMessage.id)
    )
    return [Stranded(_to_send(row), row.claimed_at) for row in rows]


async def recorded_ids(
    session: AsyncSession, channel: str, external_ids: Sequence[str]
) -> set[str]:
    """Which of these channel message ids some row of the channel already records."""
    if not external_ids:
        return set()
    found = await session.execute(
        select(OutboxMessage.external_id).where(
            OutboxMessage.channel == channel, OutboxMessage.external_id.in_(list(external_ids))
        )
    )
    return {str(sid) for sid in found.scalars()}


async def mark_unconfirmed(
    session: AsyncSession, channel: str, ids: Sequence[int] | None = None
) -> int:
    """Rows a dead dispatcher left under way (all of the channel's, or these): ``unconfirmed``,
    not sent again unless staff ask; how many there were."""
    where = [OutboxMessage.channel == channel, OutboxMessage.status == OutboxStatus.SENDING]
    if ids is not None:
        where.append(OutboxMessage.id.in_(list(ids)))
    result = await session.execute(
        update(OutboxMessage)
        .where(*where)
        .values(status=OutboxStatus.UNCONFIRMED, error="the dispatcher stopped while sending")
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def resend_unconfirmed(session: AsyncSession, notice_id: int, now: datetime) -> int:
    """A notice's unconfirmed rows back to ``pending``, to be sent again (on staff's request:
    some may have arrived, and will then arrive twice); how many."""
    result = await session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.notice_id == notice_id,
            OutboxMessage.status == OutboxStatus.UNCONFIRMED,
        )
        .values(status=OutboxStatus.PENDING, not_before=now, error="sent again on staff's request")
        .execution_options(synchronize_session=False)
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


async def status_counts(session: AsyncSession) -> dict[tuple[str, str], int]:
    """How many outbox rows each channel has in each status (its index answers this)."""
    rows = await session.execute(
        select(OutboxMessage.channel, OutboxMessage.status, func.count()).group_by(
            OutboxMessage.channel, OutboxMessage.status
        )
    )
    return {(channel, status): int(count) for channel, status, count in rows}
