"""Reading and changing participants: look-up by keyed hash, creation, erasure."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Participant, Response


async def erase_participant(session: AsyncSession, participant: Participant) -> None:
    """Erase a person: responses become unlinkable, everything else about them is deleted."""
    await session.execute(
        update(Response)
        .where(Response.participant_id == participant.id)
        .values(participant_id=None)
    )
    await session.execute(delete(Participant).where(Participant.id == participant.id))
    session.expunge(participant)


async def purge_unconsented(session: AsyncSession, created_before: datetime) -> int:
    """Delete people who started but never accepted the notice; how many were deleted."""
    result = await session.execute(
        delete(Participant).where(
            Participant.consented_at.is_(None), Participant.created_at < created_before
        )
    )
    return int(getattr(result, "rowcount", 0) or 0)
