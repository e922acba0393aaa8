"""One migration history that matches the models, up and down, on both databases."""

from __future__ import annotations

import asyncio

from alembic import command
from sqlalchemy import inspect

from storage.engine import create_engine
from storage.migrate import alembic_config, upgrade


def _tables(url: str) -> set[str]:
    async def read() -> set[str]:
        engine = create_engine(url)
        async with engine.connect() as connection:
            names = await connection.run_sync(lambda sync: set(inspect(sync).get_table_names()))
        await engine.dispose()
        return names

    return asyncio.run(read())


def test_migrations_match_the_models_and_go_down_and_up_again(database_url: str) -> None:
    config = alembic_config(database_url)
    command.check(config)
    command.downgrade(config, "base")
    assert _tables(database_url) <= {"alembic_version"}
    upgrade(database_url)
    assert {"participants", "polls", "answers", "feedback"} <= _tables(database_url)
    command.check(config)
