"""What the purge reads and changes (``handlers.retention``), each in bounded batches.

Every step selects at most ``limit`` ids and changes only those, in the caller's transaction, so
that no batch holds a lock for long and a run killed between batches leaves nothing half done:
the next run's selection simply finds what is still due.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.audience import Recipient
from storage.models import (
    Assembly,
    Feedback,
    InboundMessage,
    Membership,
    Notice,
    OutboxMessage,
    Participant,
)
from storage.vocabulary import OutboxStatus

SETTLED = (
    OutboxStatus.SENT,
    OutboxStatus.FAILED,
    OutboxStatus.BLOCKED,
    OutboxStatus.SKIPPED,
    OutboxStatus.UNCONFIRMED,
)


def last_activity() -> ColumnElement[datetime]:
    """When the person last wrote to us (or began, if they never wrote since)."""
    return func.coalesce(Participant.last_inbound_at, Participant.created_at)


def _not_warned_since_active() -> ColumnElement[bool]:
    """Not yet warned since their last activity."""
    return or_(
        Participant.retention_warned_at.is_(None),
        Participant.retention_warned_at < last_activity(),
    )


def _members_of(municipality_id: int) -> ColumnElement[bool]:
    """The participant is a member of an assembly of this municipality."""
    return Participant.id.in_(
        select(Membership.participant_id)
        .join(Assembly, Assembly.id == Membership.assembly_id)
        .where(Assembly.municipality_id == municipality_id)
    )


async def warn_due(
    session: AsyncSession,
    municipality_id: int,
    inactive_before: datetime,
    now: datetime,
    limit: int,
) -> list[tuple[Recipient, int]]:
    """Mark up to ``limit`` members of the municipality inactive since before ``inactive_before``
    and not warned since as warned now; each with the first of its assemblies they belong to.

    The update is conditional, so of two runs at once only one warns a person.
    """
    ids = (
        await session.scalars(
            select(Participant.id)
            .where(
                _members_of(municipality_id),
                Participant.consented_at.is_not(None),
                last_activity() < inactive_before,
                _not_warned_since_active(),
            )
            .order_by(Participant.id)
            .limit(limit)
        )
    ).all()
    if not ids:
        return []
    warned = (
        await session.execute(
            update(Participant)
            .where(Participant.id.in_(ids), _not_warned_since_active())
            .values(retention_warned_at=now)
            .returning(Participant.id, Participant.channel, Participant.language)
            .execution_options(synchronize_session=False)
        )
    ).all()
    first_assembly = {
        participant_id: assembly_id
        for participant_id, assembly_id in await session.execute(
            select(Membership.participant_id, func.min(Assembly.id))
            .join(Assembly, Assembly.id == Membership.assembly_id)
            .where(
                Assembly.municipality_id == municipality_id,
                Membership.participant_id.in_([row.id for row in warned]),
            )
            .group_by(Membership.participant_id)
        )
    }
    return [
        (Recipient(row.id, row.channel, row.language or "tr"), first_assembly[row.id])
        for row in warned
        if row.id in first_assembly
    ]


async def erasure_due(
    session: AsyncSession,
    municipality_id: int | None,
    inactive_before: datetime,
    warned_before: datetime,
    limit: int,
) -> list[int]:
    """Up to ``limit`` people to erase for inactivity: members of the municipality inactive since
    before ``inactive_before`` and warned since, before ``warned_before``. With no municipality:
    people who accepted the notice but belong to no assembly (there is no one to warn them in
    whose name), inactive since before ``inactive_before``."""
    query = select(Participant.id).where(
        Participant.consented_at.is_not(None), last_activity() < inactive_before
    )
    if municipality_id is None:
        query = query.where(Participant.id.not_in(select(Membership.participant_id)))
    else:
        query = query.where(
            _members_of(municipality_id),
            Participant.retention_warned_at >= last_activity(),
            Participant.retention_warned_at < warned_before,
        )
    return list((await session.scalars(query.order_by(Participant.id).limit(limit))).all())


async def delete_old_feedback(
    session: AsyncSession, municipality_id: int, before: datetime, limit: int
) -> int:
    """Delete up to ``limit`` feedback items sent to the municipality's assemblies before
    ``before``; how many went."""
    ids = (
        await session.scalars(
            select(Feedback.id)
            .join(Assembly, Assembly.id == Feedback.assembly_id)
            .where(Assembly.municipality_id == municipality_id, Feedback.created_at < before)
            .order_by(Feedback.id)
            .limit(limit)
        )
    ).all()
    return await _deleted(session, delete(Feedback).where(Feedback.id.in_(ids)), ids)


async def unlink_old_outbox(
    session: AsyncSession, municipality_id: int, before: datetime, limit: int
) -> int:
    """Take the recipient (and the channel's message id) off up to ``limit`` settled outbox rows
    of the municipality's notices queued before ``before``; how many. Their counts stay."""
    ids = (
        await session.scalars(
            select(OutboxMessage.id)
            .join(Notice, Notice.id == OutboxMessage.notice_id)
            .join(Assembly, Assembly.id == Notice.assembly_id)
            .where(
                Assembly.municipality_id == municipality_id,
                OutboxMessage.participant_id.is_not(None),
                OutboxMessage.status.in_(SETTLED),
                OutboxMessage.not_before < before,
            )
            .order_by(OutboxMessage.id)
            .limit(limit)
        )
    ).all()
    return await _deleted(
        session,
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(ids), OutboxMessage.participant_id.is_not(None))
        .values(participant_id=None, external_id=None)
        .execution_options(synchronize_session=False),
        ids,
    )


async def delete_old_message_keys(session: AsyncSession, before: datetime, limit: int) -> int:
    """Delete up to ``limit`` inbound message keys received before ``before``; how many."""
    keys = (
        await session.execute(
            select(InboundMessage.channel, InboundMessage.external_id)
            .where(InboundMessage.received_at < before)
            .limit(limit)
        )
    ).all()
    if not keys:
        return 0
    deleted = 0
    for channel in {channel for channel, _ in keys}:
        ids = [key for c, key in keys if c == channel]
        deleted += await _deleted(
            session,
            delete(InboundMessage).where(
                InboundMessage.channel == channel, InboundMessage.external_id.in_(ids)
            ),
            ids,
        )
    return deleted


async def _deleted(session: AsyncSession, statement: object, ids: Sequence[object]) -> int:
    """Run a delete or update of the given ids; how many rows it changed."""
    if not ids:
        return 0
    result = await session.execute(statement)  # type: ignore[call-overload]
    return int(getattr(result, "rowcount", 0) or 0)
