"""The one-trip aiosqlite cursor behaves as a DBAPI cursor to SQLAlchemy, on a real SQLite file."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import insert, select, text, update
from sqlalchemy.exc import IntegrityError

from storage.base import utcnow
from storage.engine import create_engine
from storage.migrate import upgrade_async
from storage.models import InboundMessage
from storage.sqlite_driver import OneTripConnection


@pytest.fixture
async def sqlite_url(tmp_path: Path) -> str:
    """A migrated SQLite file of the test's own."""
    url = f"sqlite:///{tmp_path / 'driver.db'}"
    await upgrade_async(url)
    return url


async def test_the_engine_hands_out_one_trip_connections(sqlite_url: str) -> None:
    engine = create_engine(sqlite_url)
    try:
        async with engine.connect() as connection:
            raw = await connection.get_raw_connection()
            assert isinstance(raw.dbapi_connection, OneTripConnection)
            assert (await connection.execute(text("PRAGMA journal_mode"))).scalar() == "wal"
    finally:
        await engine.dispose()


async def test_rows_rowcounts_returning_and_many_rows_come_back_as_sqlalchemy_expects(
    sqlite_url: str,
) -> None:
    engine = create_engine(sqlite_url)
    now = utcnow()
    try:
        async with engine.begin() as connection:
            many = [{"channel": "t", "external_id": str(i), "received_at": now} for i in range(5)]
            await connection.execute(insert(InboundMessage), many)
            returned = await connection.execute(
                insert(InboundMessage).returning(InboundMessage.external_id),
                {"channel": "t", "external_id": "r", "received_at": now},
            )
            assert returned.scalar_one() == "r"
            changed = await connection.execute(
                update(InboundMessage)
                .where(InboundMessage.external_id.in_(["1", "2", "3"]))
                .values(received_at=now)
            )
            assert changed.rowcount == 3
            result = await connection.execute(
                select(InboundMessage.external_id).order_by(InboundMessage.external_id)
            )
            assert result.fetchmany(2) == [("0",), ("1",)]
            assert [row[0] for row in result.fetchall()] == ["2", "3", "4", "r"]
            empty = await connection.execute(select(InboundMessage).where(text("0")))
            assert empty.first() is None
    finally:
        await engine.dispose()


async def test_a_constraint_violation_is_an_integrity_error_and_rolls_back_cleanly(
    sqlite_url: str,
) -> None:
    engine = create_engine(sqlite_url)
    row = {"channel": "t", "external_id": "same", "received_at": utcnow()}
    try:
        async with engine.begin() as connection:
            await connection.execute(insert(InboundMessage), row)
        with pytest.raises(IntegrityError):
            async with engine.begin() as connection:
                await connection.execute(insert(InboundMessage), {**row, "external_id": "other"})
                await connection.execute(insert(InboundMessage), row)
        async with engine.connect() as connection:
            kept = await connection.execute(select(InboundMessage.external_id))
            assert [r[0] for r in kept] == ["same"]
    finally:
        await engine.dispose()
