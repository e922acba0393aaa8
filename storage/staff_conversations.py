"""Finding a person and their staff conversation together, in one statement where possible."""

from __future__ import annotations

from sqlalchemy import and_, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Participant, StaffConversation


async def find_person(
    session: AsyncSession, channel: str, address_hash: str
) -> tuple[Participant | None, StaffConversation | None]:
    """The participant with this address, and where their staff conversation stands, if anywhere.

    A participant and their staff conversation come in one outer-joined statement, so that the
    participants who are not staff (nearly everyone) pay nothing for it; only someone without a
    participant row takes a second look-up.
    """
    query = (
        select(Participant, StaffConversation)
        .outerjoin(
            StaffConversation,
            and_(
                StaffConversation.channel == Participant.channel,
                StaffConversation.address_hash == Participant.address_hash,
            ),
        )
        .where(Participant.channel == channel, Participant.address_hash == address_hash)
    )
    row = (await session.execute(query)).first()
    if row is not None:
        return row[0], row[1]
    return None, await session.get(StaffConversation, (channel, address_hash))
