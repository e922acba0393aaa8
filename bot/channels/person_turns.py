"""One person's messages handled one after another, different people's at the same time.

Telegram hands each update to its own task, and Twilio posts every WhatsApp message on a request
of its own, so two messages of one person can be handled at once (someone who types fast, or a
copy of a message beside the original). Both turns would read the same conversation step and
both write it. A per-person ``asyncio.Lock`` (its waiters are served in order) makes them wait
for each other in this process; a semaphore, taken once the person's lock is held, bounds the
turns running at once, each holding a database connection. A lock is dropped when no
message of its person needs it. Processes do not share these locks: across them, on
PostgreSQL, each turn holds the person in the database for its transaction
(``storage.person_lock``), and these locks only keep a process from spending connections on
turns that would wait there.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

MAX_ACTIVE = 10


class PersonTurns:
    """Turns of one person in order, at most ``max_active`` turns of anyone running at once."""

    def __init__(self, max_active: int = MAX_ACTIVE) -> None:
        self._active = asyncio.Semaphore(max_active)
        self._locks: dict[str, asyncio.Lock] = {}
        self._users: dict[str, int] = {}

    @asynccontextmanager
    async def turn(self, person: str | None) -> AsyncIterator[None]:
        """Wait for the person's earlier turns and for a free slot, then run the block (a turn
        of nobody in particular waits only for the slot)."""
        if person is None:
            async with self._active:
                yield
            return
        lock = self._locks.setdefault(person, asyncio.Lock())
        self._users[person] = self._users.get(person, 0) + 1
        try:
            async with lock, self._active:
                yield
        finally:
            self._users[person] -= 1
            if self._users[person] == 0:
                del self._users[person]
                del self._locks[person]

    @property
    def people_in_progress(self) -> int:
        """How many people have a message being handled or waiting."""
        return len(self._locks)
