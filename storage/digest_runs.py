"""Digest runs and deliveries: what makes "never two digests for the same period" hold.

A run is one row per digest setting and period, under a unique constraint, so whoever inserts
it first owns the period and anyone else finds it taken. Each recipient's delivery is claimed
(a row in ``sending``) and committed before the digest goes to them, then settled as sent, failed,
or (when the server could not be reached) to be retried later, a few times, before the run
closes. A process stopped between the two leaves the row in ``sending``; the next process to
take up the run marks it ``unconfirmed`` and never sends it again, since it may have arrived.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import DigestDelivery, DigestRun
from storage.periods import Period

SENDING, SENT, PARTLY_SENT, FAILED = "sending", "sent", "partly sent", "failed"
UNCONFIRMED, RETRY = "unconfirmed", "retry"


@dataclass(frozen=True)
class RunClaim:
    """The run of a period: ``new`` when this call created it, else the one found."""

    run: DigestRun
    new: bool


async def find_run(session: AsyncSession, setting_id: int, period: Period) -> DigestRun | None:
    """The run of this setting and period, if there is one."""
    query = select(DigestRun).where(
        DigestRun.setting_id == setting_id,
        DigestRun.period_start == period.start,
        DigestRun.period_end == period.end,
    )
    return (await session.execute(query)).scalar_one_or_none()


async def claim_run(
    session: AsyncSession, setting_id: int, period: Period, trigger: str, now: datetime
) -> RunClaim:
    """Create the period's run, or find the one that exists (the unique constraint decides)."""
    run = DigestRun(
        setting_id=setting_id,
        period_start=period.start,
        period_end=period.end,
        trigger=trigger,
        status=SENDING,
        started_at=now,
    )
    try:
        async with session.begin_nested():
            session.add(run)
            await session.flush()
    except IntegrityError:
        found = await find_run(session, setting_id, period)
        if found is None:
            raise
        return RunClaim(found, new=False)
    return RunClaim(run, new=True)


async def deliveries(session: AsyncSession, run_id: int) -> dict[tuple[str, str], DigestDelivery]:
    """The run's deliveries so far, by (kind, address hash)."""
    query = select(DigestDelivery).where(DigestDelivery.run_id == run_id)
    return {(d.kind, d.address_hash): d for d in (await session.execute(query)).scalars()}


async def mark_interrupted(session: AsyncSession, run_id: int) -> int:
    """Mark deliveries left in ``sending`` by a stopped process as unconfirmed; how many."""
    result = await session.execute(
        update(DigestDelivery)
        .where(DigestDelivery.run_id == run_id, DigestDelivery.status == SENDING)
        .values(status=UNCONFIRMED, error="the process stopped while it was being sent")
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def claim_delivery(
    session: AsyncSession, run_id: int, recipient_id: int | None, kind: str, address_hash: str
) -> DigestDelivery | None:
    """Claim one recipient of a run for its first attempt; None if it was claimed already."""
    delivery = DigestDelivery(
        run_id=run_id,
        recipient_id=recipient_id,
        kind=kind,
        address_hash=address_hash,
        status=SENDING,
        attempts=1,
    )
    try:
        async with session.begin_nested():
            session.add(delivery)
            await session.flush()
    except IntegrityError:
        return None
    return delivery


async def claim_retry(session: AsyncSession, delivery_id: int, now: datetime) -> bool:
    """Claim a delivery waiting to be retried, if its time has come; whether it was claimed."""
    result = await session.execute(
        update(DigestDelivery)
        .where(
            DigestDelivery.id == delivery_id,
            DigestDelivery.status == RETRY,
            DigestDelivery.not_before <= now,
        )
        .values(status=SENDING, attempts=DigestDelivery.attempts + 1)
    )
    return bool(getattr(result, "rowcount", 0))


async def settle_delivery(
    session: AsyncSession,
    delivery_id: int,
    status: str,
    now: datetime,
    *,
    error: str | None = None,
    not_before: datetime | None = None,
) -> None:
    """Record what became of one attempt: sent, retry (from ``not_before``) or failed."""
    await session.execute(
        update(DigestDelivery)
        .where(DigestDelivery.id == delivery_id)
        .values(
            status=status,
            error=error[:300] if error else None,
            not_before=not_before,
            sent_at=now if status == SENT else None,
        )
    )


async def finish_run(session: AsyncSession, run_id: int, now: datetime) -> str | None:
    """Close the run once no delivery waits for a retry; its final status, or None if open."""
    statuses = list(
        (
            await session.execute(
                select(DigestDelivery.status).where(DigestDelivery.run_id == run_id)
            )
        ).scalars()
    )
    if RETRY in statuses or SENDING in statuses:
        return None
    reached = statuses.count(SENT)
    status = SENT if statuses and reached == len(statuses) else PARTLY_SENT if reached else FAILED
    await session.execute(
        update(DigestRun).where(DigestRun.id == run_id).values(status=status, finished_at=now)
    )
    return status


async def waiting_for_retry(session: AsyncSession, run_id: int, now: datetime) -> bool:
    """Whether the run's only work left is retries whose time has not come."""
    statuses = (
        await session.execute(
            select(DigestDelivery.status, DigestDelivery.not_before).where(
                DigestDelivery.run_id == run_id, DigestDelivery.status.in_((RETRY, SENDING))
            )
        )
    ).all()
    return bool(statuses) and all(
        status == RETRY and not_before is not None and not_before > now
        for status, not_before in statuses
    )
