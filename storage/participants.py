"""Reading and changing participants: look-up by keyed hash, creation, erasure."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Feedback, Participant, Response


async def erase_participant(session: AsyncSession, participant: Participant) -> None:
    """Erase a person: responses become unlinkable, everything else about them is deleted."""
    await session.execute(
        update(Response)
        .where(Response.participant_id == participant.id)
        .values(participant_id=None)
    )
    await session.execute(delete(Participant).where(Participant.id == participant.id))
    session.expunge(participant)


async def reset_step(session: AsyncSession, participant_id: int, step: str) -> None:
    """Put a person's conversation back at ``step`` (the core's "no step"), with no step data
    and a new nonce: their next message works out the step afresh and no button they were
    shown still works."""
    await session.execute(
        update(Participant)
        .where(Participant.id == participant_id)
        .values(step=step, step_data={}, step_nonce=Participant.step_nonce + 1)
    )


async def move_step_of_poll(session: AsyncSession, poll_id: int, step: str, to: str) -> None:
    """Everyone at ``step`` on this poll (``step_data["poll"]``) moves to ``to`` with empty
    step data and a new nonce, so that no button they were shown still works."""
    await session.execute(
        update(Participant)
        .where(Participant.step == step, Participant.step_data["poll"].as_integer() == poll_id)
        .values(step=to, step_data={}, step_nonce=Participant.step_nonce + 1)
        .execution_options(synchronize_session=False)
    )


async def participant_feedback(session: AsyncSession, participant_id: int) -> list[Feedback]:
    """Everything a participant wrote to their assemblies, as stored."""
    query = select(Feedback).where(Feedback.participant_id == participant_id)
    return list((await session.execute(query)).scalars())


async def purge_unconsented(session: AsyncSession, created_before: datetime) -> int:
    """Delete people who started but never accepted the notice; how many were deleted."""
    result = await session.execute(
        delete(Participant).where(
            Participant.consented_at.is_(None), Participant.created_at < created_before
        )
    )
    return int(getattr(result, "rowcount", 0) or 0)
