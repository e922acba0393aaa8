"""One dispatcher per channel at a time: whoever holds the channel's lock sends.

On PostgreSQL the lock is a session advisory lock, held by a connection kept open for as long as
the process leads; on SQLite (one machine) it is an exclusive ``flock`` on a file beside the
database. Either way the lock goes with the process: a crash or a SIGKILL frees it at once.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
from pathlib import Path
from typing import IO

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine


def lock_key(name: str) -> int:
    """A stable signed 64-bit advisory-lock key for a name."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


class Leadership:
    """Try to become the one process doing ``name``; hold it until released."""

    def __init__(self, engine: AsyncEngine, name: str) -> None:
        self.engine = engine
        self.name = name
        self._connection: AsyncConnection | None = None
        self._file: IO[bytes] | None = None

    async def acquire(self) -> bool:
        """Take the lock if nobody holds it; whether we hold it now."""
        if self._connection is not None or self._file is not None:
            return True
        if self.engine.dialect.name == "postgresql":
            connection = await self.engine.connect()
            held = await connection.scalar(
                text("SELECT pg_try_advisory_lock(:key)"), {"key": lock_key(self.name)}
            )
            if held:
                self._connection = connection
                return True
            await connection.close()
            return False
        handle = self._lock_path().open("ab")
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return False
        self._file = handle
        return True

    async def release(self) -> None:
        """Give the lock back."""
        if self._connection is not None:
            with contextlib.suppress(Exception):
                await self._connection.execute(
                    text("SELECT pg_advisory_unlock(:key)"), {"key": lock_key(self.name)}
                )
            await self._connection.close()
            self._connection = None
        if self._file is not None:
            fcntl.flock(self._file.fileno(), fcntl.LOCK_UN)
            self._file.close()
            self._file = None

    def _lock_path(self) -> Path:
        """The lock file: beside the SQLite database file, or in the working folder."""
        database = self.engine.url.database
        folder = (
            Path(database).resolve().parent
            if database and database != ":memory:"
            else Path(os.getcwd())
        )
        return folder / f".reslog-{self.name}.lock"
