"""A real SMTP server (aiosmtpd) on loopback, in the test's own event loop, keeping what arrives.

    async with FakeSmtp(credentials=("digest", "s3cret")) as smtp:
        ...  # send to smtp.host, smtp.port
        message = smtp.received[0].message  # an email.message.EmailMessage

No TLS: the client must be told ``starttls=false``. With ``credentials`` the server asks for
AUTH (LOGIN or PLAIN) over the plain connection; ``refuse`` names recipients it answers 550 for.
"""

from __future__ import annotations

import asyncio
import warnings
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session


@dataclass(frozen=True)
class Received:
    """One message the server accepted: the envelope and the parsed message."""

    mail_from: str
    recipients: tuple[str, ...]
    content: bytes

    @property
    def message(self) -> EmailMessage:
        """The message as the email package parses it."""
        parsed = message_from_bytes(self.content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed


@dataclass
class _Handler:
    """aiosmtpd's handler hooks: refuse some recipients, keep every message."""

    refuse: frozenset[str]
    received: list[Received] = field(default_factory=list)

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        """Accept a recipient unless told to refuse it."""
        if address in self.refuse:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        """Keep the message."""
        content = envelope.original_content or b""
        self.received.append(
            Received(str(envelope.mail_from), tuple(envelope.rcpt_tos), bytes(content))
        )
        return "250 OK queued"


class FakeSmtp:
    """An SMTP server on 127.0.0.1 with an ephemeral port."""

    def __init__(
        self, *, credentials: tuple[str, str] | None = None, refuse: frozenset[str] = frozenset()
    ) -> None:
        self.credentials = credentials
        self.handler = _Handler(refuse)
        self.host = "127.0.0.1"
        self.port = 0
        self._server: asyncio.Server | None = None

    @property
    def received(self) -> list[Received]:
        """Every message accepted, in order."""
        return self.handler.received

    def _authenticate(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        """Accept only the configured user name and password."""
        ok = (
            isinstance(data, LoginPassword)
            and self.credentials is not None
            and (data.login.decode(), data.password.decode()) == self.credentials
        )
        return AuthResult(success=ok, handled=False)

    def _protocol(self) -> SMTP:
        """One SMTP session."""
        if self.credentials is None:
            return SMTP(self.handler, hostname="fake-smtp.test")
        with warnings.catch_warnings():  # AUTH without TLS, on loopback, is the point here
            warnings.simplefilter("ignore", UserWarning)
            return SMTP(
                self.handler,
                hostname="fake-smtp.test",
                authenticator=self._authenticate,
                auth_required=True,
                auth_require_tls=False,
            )

    async def __aenter__(self) -> FakeSmtp:
        """Start serving."""
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(self._protocol, self.host, 0)
        self.port = int(self._server.sockets[0].getsockname()[1])
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        """Stop serving."""
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None

    def url(self, username: str | None = None, password: str | None = None) -> str:
        """The ``SMTP_URL`` that reaches this server (no TLS)."""
        login = f"{username}:{password}@" if username is not None else ""
        return f"smtp://{login}{self.host}:{self.port}?starttls=false"
