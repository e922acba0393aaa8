"""One person's turns one after another across processes, held by the database.

On PostgreSQL a turn first takes a transaction-scoped advisory lock keyed by the person's
address hash: a second process's turn of the same person waits there until the first commits
or rolls back, then reads the state it left. The lock ends with the transaction, so a process
killed in the middle of a turn frees it at once (its connection closes, its transaction rolls
back). SQLite has one writer process, whose per-person order is ``bot.channels.person_turns``.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

# The first key of the two-key advisory lock: the turns' own space, apart from any other lock.
TURNS_LOCK_SPACE = 0x7E5106
_HOLD = text("SELECT pg_advisory_xact_lock(:space, :person)")


def person_key(address_hash: str) -> int:
    """A 32-bit signed key for the person, from the first eight hex digits of their hash."""
    value = int(address_hash[:8], 16)
    return value - (1 << 32) if value >= 1 << 31 else value


async def hold_person(session: AsyncSession, address_hash: str) -> None:
    """Wait until no other transaction holds this person, then hold them until this one ends."""
    if session.get_bind().dialect.name != "postgresql":
        return
    await session.execute(_HOLD, {"space": TURNS_LOCK_SPACE, "person": person_key(address_hash)})
