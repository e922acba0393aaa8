"""Fresh, migrated databases for a benchmark run: a SQLite file, or a PostgreSQL database of its own.

The PostgreSQL database is made next to the one the server URL names (the test suite's, from
scripts/test-postgres.sh), so a benchmark never touches the tests' data.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url

from storage.engine import create_engine
from storage.migrate import upgrade_async

BENCH_DATABASE = "reslog_bench"


async def fresh_sqlite(folder: Path) -> str:
    """A new, migrated SQLite database file in ``folder``; its URL."""
    url = f"sqlite:///{folder / 'bench.db'}"
    await upgrade_async(url)
    return url


async def fresh_postgres(server_url: str, name: str = BENCH_DATABASE) -> str:
    """A new, migrated PostgreSQL database called ``name`` on the server of ``server_url``."""
    url = make_url(server_url)
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as connection:
            await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            await connection.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        await admin.dispose()
    bench_url = url.set(drivername="postgresql", database=name).render_as_string(
        hide_password=False
    )
    await upgrade_async(bench_url)
    return bench_url


BACKENDS = ("sqlite", "postgres")


def add_backend_argument(parser: argparse.ArgumentParser) -> None:
    """``--backend sqlite postgres``: the databases to measure on."""
    parser.add_argument("--backend", nargs="+", choices=BACKENDS, default=list(BACKENDS))


def postgres_server(backends: Sequence[str], program: str) -> str | None:
    """RESLOG_BENCH_POSTGRES_URL when PostgreSQL is asked for; raises SystemExit(2) if unset."""
    url = os.environ.get("RESLOG_BENCH_POSTGRES_URL")
    if "postgres" in backends and not url:
        print(
            f"{program}: set RESLOG_BENCH_POSTGRES_URL (make bench does) or pass --backend sqlite",
            file=sys.stderr,
        )
        raise SystemExit(2)
    return url


async def on_each_database(
    backends: Sequence[str],
    program: str,
    heading: str,
    measure: Callable[[str, str, Path], Awaitable[None]],
) -> int:
    """Print the heading, then ``measure(backend, url, folder)`` on a fresh database of each."""
    postgres = postgres_server(backends, program)
    print(heading)
    with tempfile.TemporaryDirectory(prefix="reslog-bench-") as tmp:
        folder = Path(tmp)
        for backend in backends:
            await measure(backend, await fresh_database(backend, folder, postgres), folder)
    return 0


async def fresh_database(backend: str, folder: Path, postgres: str | None) -> str:
    """A fresh, migrated database of the backend; its URL."""
    if backend == "sqlite":
        return await fresh_sqlite(folder)
    return await fresh_postgres(str(postgres))
