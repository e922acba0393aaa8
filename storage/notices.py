"""Reading and changing notices: the latest ones, drafts, and those a poll sent."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Notice
from storage.vocabulary import NoticeStatus


async def recent_notices(
    session: AsyncSession, assembly_ids: Sequence[int], limit: int
) -> list[Notice]:
    """The ``limit`` notices of these assemblies queued last (drafts left out), latest first."""
    query = (
        select(Notice)
        .where(Notice.assembly_id.in_(list(assembly_ids)), Notice.status != NoticeStatus.DRAFT)
        .order_by(Notice.queued_at.desc(), Notice.id.desc())
        .limit(limit)
    )
    return list((await session.execute(query)).scalars())


async def queue_draft(session: AsyncSession, notice_id: int, now: datetime) -> bool:
    """Mark a draft notice queued now if it is still a draft (one conditional update); whether
    this call queued it."""
    claimed = await session.execute(
        update(Notice)
        .where(Notice.id == notice_id, Notice.status == NoticeStatus.DRAFT)
        .values(status=NoticeStatus.QUEUED, queued_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(claimed, "rowcount", 0))


async def delete_draft(session: AsyncSession, notice_id: int) -> None:
    """Delete the notice if it is still a draft."""
    await session.execute(
        delete(Notice).where(Notice.id == notice_id, Notice.status == NoticeStatus.DRAFT)
    )


async def poll_notices(session: AsyncSession, poll_id: int, kinds: Sequence[str]) -> list[Notice]:
    """The notices about a poll of these kinds (its invitation, its results message, ...)."""
    query = select(Notice).where(Notice.poll_id == poll_id, Notice.kind.in_(list(kinds)))
    return list((await session.execute(query)).scalars())


async def sent_by_since(session: AsyncSession, staff_id: int, since: datetime) -> list[datetime]:
    """When the notices this staff member had sent (theirs and the invitations of the polls they
    opened) were queued, since ``since``, oldest first."""
    query = (
        select(Notice.queued_at)
        .where(
            Notice.created_by == staff_id,
            Notice.status == NoticeStatus.QUEUED,
            Notice.queued_at >= since,
        )
        .order_by(Notice.queued_at)
    )
    return [when for when in (await session.execute(query)).scalars() if when is not None]
