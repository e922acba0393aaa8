"""Fixtures every test shares: a migrated database on SQLite and on PostgreSQL, sessions, a cipher.

Every test that asks for ``database_url`` (or ``engine``, ``sessions``) runs twice, once per
backend. PostgreSQL comes from RESLOG_TEST_POSTGRES_URL, or from scripts/test-postgres.sh,
which installs and starts the machine's server; it is never skipped.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from storage.base import Base
from storage.crypto import AddressCipher
from storage.engine import create_engine, create_sessionmaker
from storage.migrate import upgrade

PROJECT_DIR = Path(__file__).resolve().parent.parent
BACKENDS = ("sqlite", "postgres")
TEST_SECRET = "test-secret-key-for-reslog-tests-only-0123456789"


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """A PostgreSQL server for the tests, started by the project's own script if needed."""
    url = os.environ.get("RESLOG_TEST_POSTGRES_URL")
    if url:
        return url
    script = PROJECT_DIR / "scripts" / "test-postgres.sh"
    return subprocess.run([str(script)], check=True, capture_output=True, text=True).stdout.strip()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite database migrated once, copied for each test."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(upgrade, f"sqlite:///{path}").result()
    return path


@pytest.fixture(scope="session")
def postgres_migrated(postgres_url: str) -> str:
    """The PostgreSQL test database, emptied and migrated once per run."""

    async def reset() -> None:
        engine = create_engine(postgres_url)
        async with engine.begin() as connection:
            await connection.execute(text("DROP SCHEMA public CASCADE"))
            await connection.execute(text("CREATE SCHEMA public"))
        await engine.dispose()

    def reset_and_migrate() -> None:
        asyncio.run(reset())
        upgrade(postgres_url)

    # Requested from inside a running test loop: do the work on a thread with its own loop.
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(reset_and_migrate).result()
    return postgres_url


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """The database backend of this run of the test."""
    return str(request.param)


@pytest.fixture
async def database_url(
    backend: str, tmp_path: Path, sqlite_template: Path, request: pytest.FixtureRequest
) -> str:
    """An empty, migrated database of the test's backend."""
    if backend == "sqlite":
        path = tmp_path / "reslog.db"
        shutil.copy(sqlite_template, path)
        return f"sqlite:///{path}"
    return await _emptied(request.getfixturevalue("postgres_migrated"))


@pytest.fixture
async def postgres_database_url(postgres_migrated: str) -> str:
    """An empty, migrated PostgreSQL database, for tests of what only PostgreSQL offers
    (several processes on one database)."""
    return await _emptied(postgres_migrated)


async def _emptied(url: str) -> str:
    """The PostgreSQL test database with every table emptied."""
    engine = create_engine(url)
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    async with engine.begin() as connection:
        await connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    await engine.dispose()
    return url


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    """An engine on the test database."""
    built = create_engine(database_url)
    yield built
    await built.dispose()


@pytest.fixture
def sessions(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """The session factory, as the bot builds it."""
    return create_sessionmaker(engine)


@pytest.fixture
def cipher() -> AddressCipher:
    """The address cipher with the tests' secret."""
    return AddressCipher.from_secret(TEST_SECRET)


@pytest.fixture
def cli_env(database_url: str, tmp_path: Path) -> dict[str, str]:
    """Environment for running `reslog` in a subprocess against the test database."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("TELEGRAM_", "DATABASE_URL", "RESLOG_", "SMTP_", "TWILIO_"))
    }
    env.update(
        {"DATABASE_URL": database_url, "RESLOG_SECRET_KEY": TEST_SECRET, "HOME": str(tmp_path)}
    )
    return env


@pytest.fixture
async def demo(sessions: async_sessionmaker[AsyncSession]) -> str:
    """The demo assembly (three languages, a profile, an open poll of every kind); its join code."""
    from bot.cli.demo import DEMO_CODE, seed_demo

    async with sessions() as session:
        await seed_demo(session)
        await session.commit()
    return DEMO_CODE
