"""How many statements one answer costs: the lean path stays lean.

A typical answer (not the first of a poll, not the last) is read in two statements (the
person with their step; where they stand in the poll, with its revision) and written in three
(the answer, the message's key, the step), committed once; PostgreSQL adds the person's lock.
"""

from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bench.people import seed_demo_assembly, seed_people
from handlers.core.events import Incoming
from handlers.core.router import handle
from storage.crypto import AddressCipher

USER = 4_300_000
TYPED = ("2", "1 3", "4", "1", "3", "Daha çok park")


async def test_an_answer_in_the_middle_of_a_poll_takes_five_statements(
    engine: AsyncEngine,
    sessions: async_sessionmaker[AsyncSession],
    cipher: AddressCipher,
    backend: str,
) -> None:
    demo = await seed_demo_assembly(sessions)
    await seed_people(sessions, cipher, demo, [USER])
    statements: list[str] = []

    def count(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        statements.append(statement.split()[0])

    per_answer: list[list[str]] = []
    event.listen(engine.sync_engine, "before_cursor_execute", count)
    try:
        for number, text in enumerate(TYPED):
            statements.clear()
            async with sessions() as session:
                answer = await handle(
                    session,
                    cipher,
                    Incoming("telegram", str(USER), text=text, message_id=str(number)),
                )
            assert answer.replies
            per_answer.append(list(statements))
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", count)
    lock = ["SELECT"] if backend == "postgres" else []
    for middle in per_answer[1:-1]:
        assert sorted(middle) == sorted([*lock, "SELECT", "SELECT", "INSERT", "INSERT", "UPDATE"])
