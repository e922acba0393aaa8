"""The keyed hashes of erased people's addresses, so a restored backup cannot bring them back.

Never the address: only the keyed hash a participant is looked up by, and when they were erased.
A participant created before that moment with that hash is someone the backup brought back;
one created afterwards joined again of their own accord.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ErasedAddress

ErasedRow = tuple[str, str, datetime]  # channel, address hash, erased at


async def remember_erased(session: AsyncSession, rows: Sequence[ErasedRow]) -> None:
    """Keep these erasures (the later time if one is known already), in the caller's transaction."""
    if not rows:
        return
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    statement = insert(ErasedAddress)
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=["channel", "address_hash"],
            set_={"erased_at": statement.excluded.erased_at},
            where=ErasedAddress.erased_at < statement.excluded.erased_at,
        ),
        [{"channel": c, "address_hash": h, "erased_at": at} for c, h, at in rows],
    )


async def erased_rows(session: AsyncSession) -> list[ErasedRow]:
    """Every erasure kept."""
    query = select(ErasedAddress.channel, ErasedAddress.address_hash, ErasedAddress.erased_at)
    return [(row[0], row[1], row[2]) for row in await session.execute(query)]


async def forget_old_erasures(session: AsyncSession, before: datetime) -> int:
    """Drop erasures from before ``before`` (no backup kept is that old); how many went."""
    result = await session.execute(delete(ErasedAddress).where(ErasedAddress.erased_at < before))
    return int(getattr(result, "rowcount", 0) or 0)
