"""The async engine and session factory, built once at start-up and passed in explicitly.

``IntegrityError`` (SQLAlchemy's: a write broke a unique or other constraint) is named here too,
so that the conversation core can catch a conflict without importing SQLAlchemy.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import IntegrityError as IntegrityError  # a write broke a constraint
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import Session

from storage.errors import DomainError
from storage.poll_cache import POLL_DEFINITIONS, PollDefinitions, bump_poll_revisions
from storage.sqlite_driver import one_trip_dbapi

SQLITE_DRIVER = "sqlite+aiosqlite"
POSTGRES_DRIVER = "postgresql+asyncpg"


class DatabaseURLError(DomainError):
    """DATABASE_URL cannot be used; the message says why in one line."""


def unreachable(error: BaseException) -> bool:
    """Whether an error says the database is out of reach (down, restarting, the connection
    lost), rather than that a statement was wrong: the same work may succeed once it is back."""
    if isinstance(error, DBAPIError) and error.connection_invalidated:
        return True
    return isinstance(error, OperationalError | InterfaceError | OSError)


def normalise_database_url(raw: str) -> URL:
    """Parse a database URL and pick the async driver; raise DatabaseURLError if it is unusable."""
    try:
        url = make_url(raw)
    except ArgumentError as exc:
        raise DatabaseURLError(f"DATABASE_URL {raw!r} is not a database URL ({exc})") from None
    backend = url.get_backend_name()
    if backend == "sqlite":
        return url.set(drivername=SQLITE_DRIVER)
    if backend in ("postgresql", "postgres"):
        return url.set(drivername=POSTGRES_DRIVER)
    raise DatabaseURLError(
        f"DATABASE_URL {raw!r} names {backend!r}; use sqlite:///path or postgresql://user@host/db"
    )


def _tune_sqlite(dbapi_connection: Any, _record: Any) -> None:
    """Turn on what SQLite needs for a bot: WAL, foreign keys, and waiting on a lock."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=15000")
    cursor.close()


def create_engine(database_url: str, **kwargs: Any) -> AsyncEngine:
    """Build the engine for DATABASE_URL (SQLite through aiosqlite, PostgreSQL through asyncpg)."""
    url = normalise_database_url(database_url)
    if url.get_backend_name() == "sqlite":
        # One connection per process: SQLite has one writer at a time, and connections that
        # compete for its lock wait in sleeps of up to 100 ms each (SQLite's busy handler),
        # while sessions waiting for the pool's only connection queue in order, without sleeping.
        options = {"pool_size": 1, "max_overflow": 0, "module": one_trip_dbapi(), **kwargs}
        engine = create_async_engine(url, **options)
        event.listen(engine.sync_engine, "connect", _tune_sqlite)
        return engine
    return create_async_engine(url, pool_pre_ping=True, **kwargs)


class ReslogSession(Session):
    """The sessions of the project: a poll's revision moves whenever it changes."""


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """One session factory for the process; objects stay readable after commit, and the
    process's poll definitions (``storage.poll_cache``) are shared by its sessions."""
    if not event.contains(ReslogSession, "before_flush", bump_poll_revisions):
        event.listen(ReslogSession, "before_flush", bump_poll_revisions)
    return async_sessionmaker(
        engine,
        expire_on_commit=False,
        sync_session_class=ReslogSession,
        info={POLL_DEFINITIONS: PollDefinitions()},
    )
