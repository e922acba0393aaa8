"""The destruction log: one row per destruction of personal data (what, how many, why, when, by
which run, for which municipality), never whose; and the purge's runs."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Destruction, Municipality, RetentionRun
from storage.vocabulary import DestructionCategory, DestructionReason


async def record_destruction(
    session: AsyncSession,
    category: DestructionCategory,
    reason: DestructionReason,
    records: int,
    now: datetime,
    *,
    municipality_id: int | None = None,
    run_id: int | None = None,
) -> None:
    """Log a destruction in the caller's transaction (nothing if no record went)."""
    if records > 0:
        await session.execute(
            insert(Destruction).values(
                destroyed_at=now,
                municipality_id=municipality_id,
                category=category,
                reason=reason,
                records=records,
                run_id=run_id,
            )
        )


async def destruction_log(
    session: AsyncSession, since: datetime | None = None, municipality_id: int | None = None
) -> list[tuple[Destruction, str | None]]:
    """The log, oldest first, each row with its municipality's slug (None: not one's own)."""
    query = (
        select(Destruction, Municipality.slug)
        .outerjoin(Municipality, Municipality.id == Destruction.municipality_id)
        .order_by(Destruction.destroyed_at, Destruction.id)
    )
    if since is not None:
        query = query.where(Destruction.destroyed_at >= since)
    if municipality_id is not None:
        query = query.where(Destruction.municipality_id == municipality_id)
    return [(row[0], row[1]) for row in await session.execute(query)]


async def forget_old_destructions(session: AsyncSession, before: datetime) -> int:
    """Delete log rows and runs from before ``before``; how many log rows went."""
    result = await session.execute(delete(Destruction).where(Destruction.destroyed_at < before))
    await session.execute(
        delete(RetentionRun).where(
            RetentionRun.started_at < before, RetentionRun.finished_at.is_not(None)
        )
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def start_run(session: AsyncSession, trigger: str, now: datetime) -> int:
    """Record that a purge run begins; its id."""
    result = await session.execute(
        insert(RetentionRun).values(trigger=trigger, started_at=now).returning(RetentionRun.id)
    )
    return int(result.scalar_one())


async def finish_run(session: AsyncSession, run_id: int, now: datetime) -> None:
    """Record that a purge run went to its end."""
    await session.execute(
        update(RetentionRun).where(RetentionRun.id == run_id).values(finished_at=now)
    )


async def last_finished_run(session: AsyncSession) -> datetime | None:
    """When the last purge run that went to its end began."""
    query = select(RetentionRun.started_at).where(RetentionRun.finished_at.is_not(None))
    return (await session.execute(query.order_by(RetentionRun.started_at.desc()).limit(1))).scalar()
