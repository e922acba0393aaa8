"""How many statements one answer costs: the answer lane stays lean.

An answer in the middle of a poll is read in one statement (the person, their step and where
they stand in the poll) and written in three (the message's key, the answer, the step),
committed once, in one trip to aiosqlite's thread on SQLite; PostgreSQL adds the person's
lock. The first answer adds the response, the last its completion and the two reads of what
comes next. SQLite's own trace (every statement
the database ran, BEGIN and COMMIT included) counts them there, SQLAlchemy's cursor events on
PostgreSQL.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import aiosqlite
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bench.people import seed_demo_assembly, seed_people
from handlers.core.events import Incoming
from handlers.core.router import handle
from storage.crypto import AddressCipher

USER = 4_300_000
TYPED = ("2", "1 3", "4", "1", "3", "Daha çok park")


@asynccontextmanager
async def statements_run(engine: AsyncEngine, backend: str) -> AsyncIterator[list[str]]:
    """The first word of every statement the database runs inside the block."""
    seen: list[str] = []

    def note(statement: str) -> None:
        seen.append(statement.split()[0].upper())

    if backend == "sqlite":  # the process's one connection, traced by SQLite itself
        async with engine.connect() as connection:
            driver = (await connection.get_raw_connection()).driver_connection
        assert isinstance(driver, aiosqlite.Connection)
        await driver.set_trace_callback(note)
        try:
            yield seen
        finally:
            await driver.set_trace_callback(None)  # type: ignore[arg-type]  # None: tracing off
        return

    def count(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        note(statement)

    listener: Callable[..., None] = count
    event.listen(engine.sync_engine, "before_cursor_execute", listener)
    try:
        yield seen
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", listener)


async def test_an_answer_in_the_middle_of_a_poll_is_one_read_and_three_writes(
    engine: AsyncEngine,
    sessions: async_sessionmaker[AsyncSession],
    cipher: AddressCipher,
    backend: str,
) -> None:
    demo = await seed_demo_assembly(sessions)
    await seed_people(sessions, cipher, demo, [USER])
    per_answer: list[list[str]] = []
    async with statements_run(engine, backend) as seen:
        for number, text in enumerate(TYPED):
            seen.clear()
            async with sessions() as session:
                answer = await handle(
                    session,
                    cipher,
                    Incoming("telegram", str(USER), text=text, message_id=str(number)),
                )
            assert answer.replies
            per_answer.append(list(seen))
    lock = ["SELECT"] if backend == "postgres" else []
    transaction = ["BEGIN", "COMMIT"] if backend == "sqlite" else []
    middle = [*lock, "SELECT", "INSERT", "INSERT", "UPDATE", *transaction]
    for run in per_answer[2:-1]:
        assert sorted(run) == sorted(middle)
    # the first: the response, and the poll's definition, which this process had not read yet
    assert sorted(per_answer[0]) == sorted([*middle, "INSERT", "SELECT"])
    # two options ticked: two rows, which SQLite runs one by one and PostgreSQL takes in one
    second_row = ["INSERT"] if backend == "sqlite" else []
    assert sorted(per_answer[1]) == sorted([*middle, *second_row])
    last = [*middle, "UPDATE", "SELECT", "SELECT"]  # the completion; what comes next
    assert sorted(per_answer[-1]) == sorted(last)
