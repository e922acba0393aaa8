"""CPU per SQL statement on SQLite: the one-trip aiosqlite cursor beside SQLAlchemy's own adapter.

    python -m bench.sqlite_trips [--statements 2000]

Both engines open the same fresh, migrated SQLite file with one connection each, on uvloop as
`reslog serve` runs. Each runs the same statements, one after another: ``SELECT 1``, and the
participant look-up a conversation turn starts with. The figure is process CPU per statement;
the baseline is SQLAlchemy's stock ``sqlite+aiosqlite`` adapter (four hand-overs to aiosqlite's
thread per statement), measured in the same run.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, create_async_engine

from bench.databases import fresh_sqlite
from bot import event_loop
from storage.engine import create_engine, create_sessionmaker, normalise_database_url
from storage.models import Participant

Statement = Callable[[AsyncSession], Awaitable[object]]


async def select_one(session: AsyncSession) -> object:
    """The cheapest statement there is."""
    return (await session.execute(text("SELECT 1"))).scalar()


async def participant_lookup(session: AsyncSession) -> object:
    """The look-up every conversation turn starts with (by channel and address hash)."""
    query = select(Participant).where(
        Participant.channel == "telegram", Participant.address_hash == "0" * 64
    )
    return (await session.execute(query)).scalar_one_or_none()


async def cpu_per_statement(engine: AsyncEngine, statement: Statement, count: int) -> float:
    """Process CPU (both threads) per statement, in microseconds, after a warm-up."""
    async with create_sessionmaker(engine)() as session:
        for _ in range(50):
            await statement(session)
        started = time.process_time()
        for _ in range(count):
            await statement(session)
        return (time.process_time() - started) / count * 1e6


async def measure(count: int) -> list[tuple[str, float, float]]:
    """(statement, one-trip µs, stock µs) for each statement."""
    with tempfile.TemporaryDirectory(prefix="reslog-bench-") as tmp:
        url = await fresh_sqlite(Path(tmp))
        one_trip = create_engine(url)
        stock = create_async_engine(normalise_database_url(url), pool_size=1, max_overflow=0)
        try:
            return [
                (
                    name,
                    await cpu_per_statement(one_trip, statement, count),
                    await cpu_per_statement(stock, statement, count),
                )
                for name, statement in (
                    ("SELECT 1", select_one),
                    ("participant look-up", participant_lookup),
                )
            ]
        finally:
            await one_trip.dispose()
            await stock.dispose()


def main(argv: Sequence[str] | None = None) -> int:
    """Measure and print."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.sqlite_trips", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--statements", type=int, default=2000, help="statements per figure")
    args = parser.parse_args(argv)
    print(
        f"RESLOG SQLite statement benchmark: {os.cpu_count()} CPUs, Python"
        f" {platform.python_version()}; CPU per statement, one-trip cursor beside the stock adapter"
    )
    for name, ours, stock in event_loop.run(measure(args.statements)):
        print(
            f"sqlite     {name:<24} {ours:>8.0f} µs   stock adapter {stock:.0f} µs; ratio {ours / stock:.2f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
