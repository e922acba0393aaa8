"""Update ordering: one person's updates are handled in order, different people's concurrently.

python-telegram-bot hands each update to the processor as its own task, in the order the
updates arrived. A per-person ``asyncio.Lock`` (FIFO for its waiters) makes the tasks of one
person wait for each other while the others run (``bot.channels.person_turns``, which WhatsApp's
webhook uses too); a lock is dropped when no task needs it.

The library's own bound (``max_concurrent_updates``) counts tasks still waiting for their
person's lock, so it is set high: someone who sends fifty messages at once must not hold up
everyone else. The work actually running (each holding a database connection) is bounded
separately by ``max_active``, taken only once the person's lock is held.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

from bot.channels.person_turns import MAX_ACTIVE, PersonTurns

MAX_WAITING = 1024


class PerPersonUpdateProcessor(BaseUpdateProcessor):
    """Processes updates concurrently, except that one person's updates run one after another."""

    __slots__ = ("_turns",)

    def __init__(
        self, max_concurrent_updates: int = MAX_WAITING, max_active: int = MAX_ACTIVE
    ) -> None:
        super().__init__(max_concurrent_updates)
        self._turns = PersonTurns(max_active)

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Await the update's processing under its person's lock."""
        person = person_of(update)
        async with self._turns.turn(str(person) if person is not None else None):
            await coroutine

    @property
    def people_in_progress(self) -> int:
        """How many people have updates being handled or waiting."""
        return self._turns.people_in_progress

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to free: the locks go with their last task."""


def person_of(update: object) -> int | None:
    """The id of the person an update comes from, if any."""
    if isinstance(update, Update) and update.effective_user is not None:
        return update.effective_user.id
    return None
