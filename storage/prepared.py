"""Core statements run straight on the driver, a whole batch of writes in one trip, for hot paths.

Through a session, each statement costs SQLAlchemy's execution machinery (about 0.1 ms of CPU
here) and, on SQLite, one hand-over to aiosqlite's thread and back; a turn that writes four
rows and commits pays that five times. A ``Prepared`` statement is compiled once per dialect:
its SQL, the order of its parameters and the type conversions of its parameters and columns
(SQLAlchemy's own bind and result processors, so values are stored exactly as the ORM stores
them). On SQLite, ``fetch`` runs one in a single trip, and ``write`` runs a batch of them and
the commit as one function in aiosqlite's thread. On PostgreSQL both go through the session's
connection (Core, without the ORM's execution steps): the same statements, one trip each, where
the person's lock and the network dominate anyway.

An error in a batch rolls the whole batch back and is raised as SQLAlchemy's exception of the
same kind (``IntegrityError``, ``OperationalError``), so callers handle it as any other.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import aiosqlite
from sqlalchemy import Executable
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.compiler import SQLCompiler

Params = Mapping[str, Any]
Row = tuple[Any, ...]
Processor = Callable[[Any], Any] | None
DRIVER = "reslog.sqlite_driver"  # a session's aiosqlite connection, in ``session.info``


@dataclass(frozen=True)
class Compiled:
    """A statement as the driver takes it: SQL, where each parameter comes from, conversions."""

    sql: str
    names: tuple[str, ...]
    fixed: Mapping[str, Any]  # values the statement carries itself (a JSON path, a literal)
    binds: tuple[Processor, ...]
    results: tuple[tuple[int, Callable[[Any], Any]], ...]  # the columns converted, and how

    def parameters(self, params: Params) -> tuple[Any, ...]:
        """The positional parameters for these named values, converted for the driver."""
        values = []
        for name, convert in zip(self.names, self.binds, strict=True):
            value = params[name] if name in params else self.fixed[name]
            values.append(convert(value) if convert is not None and value is not None else value)
        return tuple(values)

    def row(self, raw: Sequence[Any]) -> Row:
        """A row read by the driver, with each column converted as the ORM would."""
        if not self.results:
            return tuple(raw)
        values = list(raw)
        for index, convert in self.results:
            if values[index] is not None:
                values[index] = convert(values[index])
        return tuple(values)


class Prepared:
    """A Core statement built once, compiled once for each dialect it runs on."""

    def __init__(self, statement: Executable) -> None:
        self.statement = statement
        self._compiled: dict[str, Compiled] = {}

    def compiled(self, dialect: Dialect) -> Compiled:
        """The statement compiled for this dialect (positional parameters, as SQLite takes them)."""
        kept = self._compiled.get(dialect.name)
        if kept is None:
            kept = self._compiled[dialect.name] = _compile(self.statement, dialect)
        return kept


def _compile(statement: Executable, dialect: Dialect) -> Compiled:
    """SQL, parameter order and conversions of a statement for one dialect."""
    compiled = statement.compile(dialect=dialect)  # type: ignore[attr-defined]
    if not isinstance(compiled, SQLCompiler) or compiled.positiontup is None:
        raise TypeError(f"{dialect.name} does not take positional parameters")
    names = tuple(compiled.positiontup)
    fixed = {
        name: bind.effective_value
        for name, bind in compiled.binds.items()
        if bind.value is not None or bind.callable is not None
    }
    binds = tuple(
        compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect) for name in names
    )
    columns = getattr(statement, "selected_columns", ())
    processors = [
        column.type.dialect_impl(dialect).result_processor(dialect, None) for column in columns
    ]
    results = tuple((i, convert) for i, convert in enumerate(processors) if convert is not None)
    return Compiled(compiled.string, names, fixed, binds, results)


async def fetch(session: AsyncSession, statement: Prepared, params: Params) -> list[Row]:
    """The rows of one prepared query, after writing what the session holds unwritten (as the
    ORM's autoflush does before a query)."""
    if session.new or session.dirty or session.deleted:
        await session.flush()
    if session.bind is not None and session.bind.dialect.name != "sqlite":
        connection = await session.connection()
        return [tuple(row) for row in (await connection.execute(statement.statement, params)).all()]
    driver, dialect = await _sqlite_driver(session)
    compiled = statement.compiled(dialect)
    rows = await _in_thread(driver, _read, driver, compiled.sql, compiled.parameters(params))
    return [compiled.row(row) for row in rows]


async def write(
    session: AsyncSession, batch: Iterable[tuple[Prepared, Params | Sequence[Params]]]
) -> None:
    """Run the statements in order, each with one set of values or several, and commit."""
    if session.bind is not None and session.bind.dialect.name != "sqlite":
        connection = await session.connection()
        for statement, params in batch:
            await connection.execute(statement.statement, params)
        await session.commit()
        return
    driver, dialect = await _sqlite_driver(session)
    runs: list[tuple[str, list[tuple[Any, ...]]]] = []
    for statement, params in batch:
        compiled = statement.compiled(dialect)
        sets = [params] if isinstance(params, Mapping) else list(params)
        runs.append((compiled.sql, [compiled.parameters(values) for values in sets]))
    await _in_thread(driver, _write, driver, runs)


async def _sqlite_driver(session: AsyncSession) -> tuple[aiosqlite.Connection, Dialect]:
    """The aiosqlite connection under the session's own connection, and its dialect; looked up
    once per transaction of the session (the look-up costs as much as a statement)."""
    kept = session.info.get(DRIVER)
    transaction = session.sync_session.get_transaction()
    if kept is not None and transaction is not None and kept[0] is transaction:
        return kept[1], kept[2]
    connection = await session.connection()
    raw = await connection.get_raw_connection()
    driver = raw.driver_connection
    if not isinstance(driver, aiosqlite.Connection):
        raise TypeError("a SQLite session without an aiosqlite connection")
    session.info[DRIVER] = session.sync_session.get_transaction(), driver, connection.dialect
    return driver, connection.dialect


async def _in_thread(driver: aiosqlite.Connection, function: Callable[..., Any], *args: Any) -> Any:
    """Run ``function`` in aiosqlite's thread; a driver error comes back as SQLAlchemy's."""
    try:
        return await driver._execute(function, *args)  # type: ignore[no-untyped-call]
    except sqlite3.Error as error:
        raise DBAPIError.instance(
            None, None, error, sqlite3.Error, connection_invalidated=False
        ) from error


def _read(driver: aiosqlite.Connection, sql: str, parameters: tuple[Any, ...]) -> list[Any]:
    """In aiosqlite's thread: the rows of one query."""
    cursor = driver._conn.execute(sql, parameters)
    try:
        return cursor.fetchall()
    finally:
        cursor.close()


def _write(driver: aiosqlite.Connection, runs: list[tuple[str, list[tuple[Any, ...]]]]) -> None:
    """In aiosqlite's thread: every statement, then the commit; on any error, nothing."""
    connection = driver._conn
    try:
        for sql, sets in runs:
            if len(sets) == 1:
                connection.execute(sql, sets[0]).close()
            else:
                connection.executemany(sql, sets).close()
        connection.commit()
    except BaseException:
        connection.rollback()
        raise
