"""python-telegram-bot's requests on aiohttp, for the bot's replies and the outbox's sends.

PTB's own ``HTTPXRequest`` spends most of a request's CPU in httpcore's connection pool, which
re-checks every pooled connection (a ``poll`` each) whenever a request starts or ends: with a
few dozen requests in flight that was most of the dispatcher's work per message, and in a
conversation a reply sent by request cost more CPU than the turn's database work. aiohttp's
connector keeps a free list instead. Fields go as a form; a request with files (a poll file, a
digest's spreadsheet) as multipart, each file with its name and type. Long polling for updates
keeps PTB's own request, whose timeouts it is tuned for.
"""

from __future__ import annotations

import aiohttp
from telegram._utils.types import ODVInput  # PTB's type of an optional default timeout
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

TIMEOUT = 20.0


class AiohttpRequest(BaseRequest):
    """A ``BaseRequest`` on one aiohttp session of up to ``connections`` connections."""

    def __init__(self, connections: int, timeout: float = TIMEOUT) -> None:
        self.connections = connections
        self.timeout = timeout
        self.session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        """The default read timeout."""
        return self.timeout

    async def initialize(self) -> None:
        """Open the session."""
        if self.session is None:
            self.session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self.connections),
                timeout=aiohttp.ClientTimeout(total=self.timeout),
                headers={"User-Agent": self.USER_AGENT},
            )

    async def shutdown(self) -> None:
        """Close the session."""
        if self.session is not None:
            await self.session.close()
            self.session = None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """Make the request; the status code and the body. Raises ``TimedOut`` or
        ``NetworkError`` as PTB's own requests do."""
        if self.session is None:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        data = _body(request_data) if request_data is not None else None
        try:
            async with self.session.request(method, url, data=data) as response:
                return response.status, await response.read()
        except TimeoutError as exc:
            raise TimedOut from exc
        except (aiohttp.ClientError, OSError) as exc:
            raise NetworkError(f"aiohttp: {type(exc).__name__}: {exc}") from exc


def _body(request_data: RequestData) -> dict[str, str] | aiohttp.FormData:
    """The request's fields as a form, or with its files as multipart."""
    if not request_data.contains_files:
        return request_data.json_parameters
    form = aiohttp.FormData()
    for name, value in request_data.json_parameters.items():
        form.add_field(name, value)
    for name, (filename, content, mime_type) in request_data.multipart_data.items():
        form.add_field(name, content, filename=filename, content_type=mime_type)
    return form
