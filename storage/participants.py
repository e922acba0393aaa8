"""Reading and changing participants: look-up by keyed hash, creation, erasure."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.base import utcnow
from storage.destructions import record_destruction
from storage.erasures import remember_erased
from storage.models import (
    Assembly,
    ErasedAddress,
    Feedback,
    Membership,
    Participant,
    Response,
)
from storage.vocabulary import DestructionCategory, DestructionReason


async def erase_participant(
    session: AsyncSession,
    participant: Participant,
    reason: DestructionReason = DestructionReason.REQUEST,
) -> None:
    """Erase a person: responses become unlinkable, everything else about them is deleted."""
    await erase_people(session, [participant.id], reason, utcnow())
    session.expunge(participant)


async def erase_people(
    session: AsyncSession,
    ids: Sequence[int],
    reason: DestructionReason,
    now: datetime,
    run_id: int | None = None,
) -> int:
    """Erase these people in the caller's transaction; how many this transaction erased.

    Their responses become unlinkable rows; the participant row goes and everything hanging
    from it with it (memberships, profile, feedback, outbox rows, the conversation). Someone
    who had accepted the notice leaves the keyed hash of their address behind
    (``storage.erasures``), and the destruction is logged once per municipality they were a
    member of (or once without one). A person another transaction erased first is not counted.
    """
    if not ids:
        return 0
    wanted = list(ids)
    memberships = await session.execute(
        select(Membership.participant_id, Assembly.municipality_id)
        .join(Assembly, Assembly.id == Membership.assembly_id)
        .where(Membership.participant_id.in_(wanted))
        .distinct()
    )
    municipalities: dict[int, set[int | None]] = {}
    for participant_id, municipality_id in memberships:
        municipalities.setdefault(participant_id, set()).add(municipality_id)
    await session.execute(
        update(Response)
        .where(Response.participant_id.in_(wanted))
        .values(participant_id=None)
        .execution_options(synchronize_session=False)
    )
    erased = (
        await session.execute(
            delete(Participant)
            .where(Participant.id.in_(wanted))
            .returning(
                Participant.id,
                Participant.channel,
                Participant.address_hash,
                Participant.consented_at,
            )
            .execution_options(synchronize_session=False)
        )
    ).all()
    consented = [row for row in erased if row.consented_at is not None]
    await remember_erased(session, [(row.channel, row.address_hash, now) for row in consented])
    per_municipality: Counter[int | None] = Counter()
    for row in consented:
        for controller in municipalities.get(row.id) or {None}:
            per_municipality[controller] += 1
    for controller, count in per_municipality.items():
        await record_destruction(
            session,
            DestructionCategory.PARTICIPANT,
            reason,
            count,
            now,
            municipality_id=controller,
            run_id=run_id,
        )
    return len(erased)


async def reapply_erasures(session: AsyncSession, now: datetime) -> int:
    """Erase again everyone a restored backup brought back (their hash was erased after they
    were created); how many. In the caller's transaction."""
    back = await session.execute(
        select(Participant.id).join(
            ErasedAddress,
            (ErasedAddress.channel == Participant.channel)
            & (ErasedAddress.address_hash == Participant.address_hash)
            & (Participant.created_at <= ErasedAddress.erased_at),
        )
    )
    return await erase_people(session, list(back.scalars()), DestructionReason.RESTORE, now)


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
