"""aiosqlite under SQLAlchemy with one trip to aiosqlite's thread per statement instead of four.

SQLAlchemy's aiosqlite adapter awaits aiosqlite for each step of a statement: open a cursor,
execute, fetch the rows, close the cursor. Each await is a hand-over to aiosqlite's worker
thread and back, which costs more than the statement itself on a small machine. This cursor
runs the four steps as one function in that same thread (where aiosqlite runs everything it
is given), keeps what SQLAlchemy reads afterwards (rows, description, rowcount, lastrowid),
and so makes a single hand-over. The connection, its transaction and its errors are
aiosqlite's own, unchanged.

``create_engine(url, module=one_trip_dbapi())`` is how the engine picks it up.
"""

from __future__ import annotations

import collections
import sqlite3
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import aiosqlite
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
)
from sqlalchemy.util.concurrency import await_

Description = tuple[tuple[Any, ...], ...] | None


class Executed:
    """What one statement left behind, read in aiosqlite's thread before its cursor closed."""

    __slots__ = ("description", "lastrowid", "rowcount", "rows")

    def __init__(self, cursor: sqlite3.Cursor) -> None:
        self.description: Description = cursor.description
        self.rows: list[Any] = cursor.fetchall() if cursor.description else []
        self.rowcount = cursor.rowcount
        self.lastrowid = cursor.lastrowid


def _run(connection: sqlite3.Connection, call: Callable[[sqlite3.Cursor], object]) -> Executed:
    """Open a cursor, run the statement, read what it left, close it: all in the caller's thread."""
    cursor = connection.cursor()
    try:
        call(cursor)
        return Executed(cursor)
    finally:
        cursor.close()


class OneTripCursor(AsyncAdapt_aiosqlite_cursor):
    """A client-side cursor whose every statement is one hand-over to aiosqlite's thread."""

    __slots__ = ("_done", "_size")

    def __init__(self, adapt_connection: AsyncAdapt_aiosqlite_connection) -> None:
        self._adapt_connection = adapt_connection
        self._connection = adapt_connection._connection
        self._cursor = None  # type: ignore[assignment]  # no aiosqlite cursor is ever opened
        self._soft_closed_memoized = {}  # type: ignore[assignment]
        self._rows: collections.deque[Any] = collections.deque()
        self._done: Executed | None = None
        self._size = 1

    @property
    def arraysize(self) -> int:
        """Rows ``fetchmany`` returns when given no size."""
        return self._size

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._size = value

    @property
    def description(self) -> Description:
        """The columns of the last statement's rows (None for a statement without rows)."""
        return self._done.description if self._done else None

    @property
    def rowcount(self) -> int:
        """Rows the last statement changed."""
        return self._done.rowcount if self._done else -1

    @property
    def lastrowid(self) -> int:
        """The rowid of the last inserted row."""
        return int(self._done.lastrowid or 0) if self._done else 0

    def _trip(self, call: Callable[[sqlite3.Cursor], object]) -> None:
        """Run ``call`` on a fresh cursor in aiosqlite's thread, once, and keep what it left."""
        connection: aiosqlite.Connection = self._connection  # type: ignore[assignment]

        async def go() -> Executed:
            async with self._adapt_connection._execute_mutex:
                done: Executed = await connection._execute(_run, connection._conn, call)  # type: ignore[no-untyped-call]
                return done

        try:
            done = await_(go())
        except Exception as error:
            self._adapt_connection._handle_exception(error)
        self._done = done
        self._rows = collections.deque(done.rows)

    def execute(
        self, operation: Any, parameters: Sequence[Any] | Mapping[str, Any] | None = None
    ) -> None:
        """Run one statement."""
        if parameters is None:
            self._trip(lambda cursor: cursor.execute(operation))
        else:
            self._trip(lambda cursor: cursor.execute(operation, parameters))

    def executemany(self, operation: Any, seq_of_parameters: Sequence[Any]) -> None:
        """Run one statement for each set of parameters."""
        self._trip(lambda cursor: cursor.executemany(operation, seq_of_parameters))

    def close(self) -> None:
        """Drop unread rows; there is no aiosqlite cursor to close."""
        self._rows.clear()

    async def _async_soft_close(self) -> None:
        """Nothing to close in aiosqlite's thread."""


class OneTripConnection(AsyncAdapt_aiosqlite_connection):
    """aiosqlite's adapted connection, with one-trip cursors for client-side results.

    A commit or rollback with no transaction open (a session that only read, the pool's reset
    of a connection handed back) makes no trip to aiosqlite's thread: there is nothing to end.
    """

    __slots__ = ()
    _cursor_cls: type[AsyncAdapt_aiosqlite_cursor] = OneTripCursor

    def _in_transaction(self) -> bool:
        """Whether SQLite has a transaction open on this connection (a flag read, no trip)."""
        connection: aiosqlite.Connection = self._connection  # type: ignore[assignment]
        return connection._connection is not None and connection._connection.in_transaction

    def commit(self) -> None:
        """Commit the open transaction, if there is one."""
        if self._in_transaction():
            super().commit()

    def rollback(self) -> None:
        """Roll back the open transaction, if there is one."""
        if self._in_transaction():
            super().rollback()


class OneTripDBAPI(AsyncAdapt_aiosqlite_dbapi):
    """The aiosqlite DBAPI shim, handing out one-trip connections."""

    def connect(self, *arg: Any, **kw: Any) -> OneTripConnection:
        """Connect as SQLAlchemy's shim does, then wrap the connection."""
        adapted = super().connect(*arg, **kw)
        return OneTripConnection(self, adapted._connection)


def one_trip_dbapi() -> OneTripDBAPI:
    """The DBAPI module to give ``create_async_engine(..., module=...)`` for SQLite."""
    return OneTripDBAPI(aiosqlite, sqlite3)
