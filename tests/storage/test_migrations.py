"""One migration history that matches the models, up and down, on both databases."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from alembic import command
from sqlalchemy import inspect, select, text

from storage.engine import IntegrityError, create_engine, create_sessionmaker
from storage.migrate import alembic_config, upgrade
from storage.models import Poll, Response


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


def _seed_two_responses(url: str) -> tuple[int, int, dict[str, int]]:
    """The demo poll with two responses of nobody in particular; their ids and some questions."""

    async def seed() -> tuple[int, int, dict[str, int]]:
        from bot.cli.demo import seed_demo

        engine = create_engine(url)
        async with create_sessionmaker(engine)() as session:
            await seed_demo(session)
            poll = (await session.execute(select(Poll).where(Poll.status == "open"))).scalar_one()
            await session.refresh(poll, ["questions"])
            first, second = (Response(poll_id=poll.id, language="ar") for _ in range(2))
            session.add_all([first, second])
            await session.flush()
            by_kind: dict[str, int] = {}
            for question in poll.questions:
                by_kind.setdefault(question.kind, question.id)
            ids = first.id, second.id
            await session.commit()
        await engine.dispose()
        return *ids, by_kind

    return asyncio.run(seed())


def _sql(url: str, statement: str, **values: object) -> list[tuple[object, ...]]:
    async def run() -> list[tuple[object, ...]]:
        engine = create_engine(url)
        async with engine.begin() as connection:
            result = await connection.execute(text(statement), values)
            rows = [tuple(row) for row in result] if result.returns_rows else []
        await engine.dispose()
        return rows

    return asyncio.run(run())


def test_migration_0009_repairs_doubled_answers_then_refuses_them(
    database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    doubled, clean, kind = _seed_two_responses(database_url)
    first_option, second_option, third_option, _fourth = (
        int(str(id_))
        for (id_,) in _sql(
            database_url,
            "SELECT id FROM options WHERE question_id = :q ORDER BY position",
            q=kind["multi"],
        )
    )
    command.downgrade(alembic_config(database_url), "0008")
    earlier = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
    later = earlier + timedelta(seconds=5)
    rows = [
        # a scale question answered twice by two turns at once: the later value is kept
        (doubled, kind["scale"], None, 2, earlier),
        (doubled, kind["scale"], None, 4, later),
        # a multiple choice written twice: the later write (one option, itself doubled) is kept
        (doubled, kind["multi"], first_option, None, earlier),
        (doubled, kind["multi"], second_option, None, earlier),
        (doubled, kind["multi"], third_option, None, later),
        (doubled, kind["multi"], third_option, None, later),
        # an answer given once is not touched, nor a multiple choice of two options
        (clean, kind["scale"], None, 3, earlier),
        (clean, kind["multi"], first_option, None, earlier),
        (clean, kind["multi"], second_option, None, earlier),
    ]
    for response_id, question_id, option_id, value, at in rows:
        _sql(
            database_url,
            "INSERT INTO answers (response_id, question_id, option_id, value_int, answered_at) "
            "VALUES (:r, :q, :o, :v, :at)",
            r=response_id,
            q=question_id,
            o=option_id,
            v=value,
            at=at,
        )
    capsys.readouterr()
    upgrade(database_url)
    assert "migration 0009: 4 doubled answer rows in 1 responses removed" in capsys.readouterr().err
    kept = _sql(
        database_url,
        "SELECT response_id, question_id, option_id, value_int, slot FROM answers "
        "ORDER BY response_id, question_id, option_id",
    )
    assert sorted(kept, key=repr) == sorted(
        [
            (doubled, kind["scale"], None, 4, 0),
            (doubled, kind["multi"], third_option, None, third_option),
            (clean, kind["scale"], None, 3, 0),
            (clean, kind["multi"], first_option, None, first_option),
            (clean, kind["multi"], second_option, None, second_option),
        ],
        key=repr,
    )
    with pytest.raises(IntegrityError):
        _sql(
            database_url,
            "INSERT INTO answers (response_id, question_id, value_int, answered_at, slot) "
            "VALUES (:r, :q, 5, :at, 0)",
            r=clean,
            q=kind["scale"],
            at=later,
        )
