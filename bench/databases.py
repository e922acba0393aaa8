"""Fresh, migrated databases for a benchmark run: a SQLite file, or a PostgreSQL database of its own.

The PostgreSQL database is made next to the one the server URL names (the test suite's, from
scripts/test-postgres.sh), so a benchmark never touches the tests' data. ``bench_database`` makes
one per run, migrated as an operator does (`reslog db upgrade`), and drops it afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path

import asyncpg
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


def asyncpg_dsn(url: str) -> str:
    """A SQLAlchemy PostgreSQL URL as asyncpg takes it (no driver name)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def postgres_unreachable(server_url: str) -> str | None:
    """Why the PostgreSQL server cannot be used, in one line, or None if it answers."""
    url = make_url(server_url)
    try:
        connection = await asyncpg.connect(asyncpg_dsn(server_url), timeout=10)
    except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return (
            f"PostgreSQL at {url.host}:{url.port or 5432} is not reachable ({reason}); "
            "start it with scripts/test-postgres.sh and set RESLOG_BENCH_POSTGRES_URL"
        )
    await connection.close()
    return None


async def reslog_db_upgrade(url: str) -> None:
    """Migrate a database as an operator does: `reslog db upgrade`."""
    reslog = Path(sys.executable).parent / "reslog"
    process = await asyncio.create_subprocess_exec(
        str(reslog),
        "db",
        "upgrade",
        env={**os.environ, "DATABASE_URL": url},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await process.communicate()
    if process.returncode != 0:
        raise RuntimeError(f"reslog db upgrade failed:\n{output.decode(errors='replace')}")


async def _admin(server_url: str, statement: str) -> None:
    """Run one statement outside a transaction (CREATE or DROP DATABASE) on the server."""
    connection = await asyncpg.connect(asyncpg_dsn(server_url), timeout=10)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


@asynccontextmanager
async def bench_database(
    backend: str, folder: Path, server_url: str | None, name: str
) -> AsyncIterator[str]:
    """A new database migrated with `reslog db upgrade` (a SQLite file in ``folder``, or a
    PostgreSQL database named after this process and ``name``, dropped afterwards); its URL."""
    if backend == "sqlite":
        path = f"sqlite:///{folder / f'{name}.db'}"
        await reslog_db_upgrade(path)
        yield path
        return
    if server_url is None:
        raise RuntimeError("no PostgreSQL server URL")
    database = f"reslog_bench_{os.getpid()}_{name}"
    await drop_postgres(server_url, database)
    await _admin(server_url, f'CREATE DATABASE "{database}"')
    try:
        url = make_url(server_url).set(drivername="postgresql", database=database)
        bench_url = url.render_as_string(hide_password=False)
        await reslog_db_upgrade(bench_url)
        yield bench_url
    finally:
        await drop_postgres(server_url, database)


async def drop_postgres(server_url: str, database: str) -> None:
    """Drop a database; sessions left in it are ended (autovacuum's end by themselves)."""
    try:
        await _admin(server_url, f'DROP DATABASE IF EXISTS "{database}"')
    except asyncpg.ObjectInUseError:
        await _admin(server_url, f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
