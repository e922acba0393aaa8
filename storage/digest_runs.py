"""Digest runs and deliveries: what makes "never two digests for the same period" hold.

A run is one row per digest setting and period, under a unique constraint, so whoever inserts
it first owns the period and anyone else finds it taken. Each recipient's delivery is claimed
(a row in ``sending``) and committed before the digest goes to them, then settled as sent or
failed. A process stopped between the two leaves the row in ``sending``; the next process to
take up the run marks it ``unconfirmed`` and never sends it again, since it may have arrived.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.digest_report import Period
from storage.models import DigestDelivery, DigestRun

SENDING, SENT, PARTLY_SENT, FAILED, WRITTEN = "sending", "sent", "partly sent", "failed", "written"
UNCONFIRMED = "unconfirmed"


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


async def settled_addresses(session: AsyncSession, run_id: int) -> set[tuple[str, str]]:
    """The (kind, address hash) of every recipient this run was already sent to, or tried."""
    query = select(DigestDelivery.kind, DigestDelivery.address_hash).where(
        DigestDelivery.run_id == run_id
    )
    return {(kind, address_hash) for kind, address_hash in (await session.execute(query)).all()}


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
    """Claim one recipient of a run; None if someone already claimed them."""
    delivery = DigestDelivery(
        run_id=run_id,
        recipient_id=recipient_id,
        kind=kind,
        address_hash=address_hash,
        status=SENDING,
    )
    try:
        async with session.begin_nested():
            session.add(delivery)
            await session.flush()
    except IntegrityError:
        return None
    return delivery


async def run_outcome(session: AsyncSession, run_id: int) -> str:
    """The run's status from its deliveries: sent, partly sent or failed."""
    statuses = list(
        (
            await session.execute(
                select(DigestDelivery.status).where(DigestDelivery.run_id == run_id)
            )
        ).scalars()
    )
    reached = sum(1 for status in statuses if status == SENT)
    if statuses and reached == len(statuses):
        return SENT
    return PARTLY_SENT if reached else FAILED
