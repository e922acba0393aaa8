"""A TCP proxy on loopback that can cut every connection through it, as a database restart does."""

from __future__ import annotations

import asyncio
import contextlib
from types import TracebackType

from sqlalchemy.engine import make_url

CHUNK = 65536


class TcpProxy:
    """Forwards a loopback port to a target; ``cut`` drops every connection and refuses new
    ones until ``restore``."""

    def __init__(self, target_host: str, target_port: int, database_url: str = "") -> None:
        self.target = (target_host, target_port)
        self._database_url = database_url
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self.open = True

    @classmethod
    def to_database(cls, database_url: str) -> TcpProxy:
        """A proxy to the server of a PostgreSQL URL."""
        url = make_url(database_url)
        return cls(url.host or "127.0.0.1", url.port or 5432, database_url)

    @property
    def port(self) -> int:
        """The loopback port the proxy listens on."""
        if self._server is None:
            raise RuntimeError("the proxy is not running")
        return int(self._server.sockets[0].getsockname()[1])

    @property
    def database_url(self) -> str:
        """The database URL, through the proxy."""
        url = make_url(self._database_url).set(host="127.0.0.1", port=self.port)
        return url.render_as_string(hide_password=False)

    async def __aenter__(self) -> TcpProxy:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.cut()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    def cut(self) -> None:
        """Drop every connection now, and refuse new ones."""
        self.open = False
        for writer in list(self._writers):
            writer.transport.abort()
        self._writers.clear()

    def restore(self) -> None:
        """Accept and forward connections again."""
        self.open = True

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if not self.open:
            writer.transport.abort()
            return
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.transport.abort()
            return
        self._writers.update((writer, upstream_writer))
        await asyncio.gather(
            self._pipe(reader, upstream_writer), self._pipe(upstream_reader, writer)
        )

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while chunk := await reader.read(CHUNK):
                writer.write(chunk)
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            self._writers.discard(writer)
            with contextlib.suppress(Exception):
                writer.transport.abort()
