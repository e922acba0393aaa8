"""Sending one outbox message on WhatsApp through the official twilio client, errors mapped.

Inside the person's 24-hour window (they wrote less than 24 hours ago, by
``Participant.last_inbound_at``, less a few minutes' margin) the text goes free-form as ``Body``;
outside it, or when Twilio answers 63016 (outside the window) to a free-form message, it goes
as the approved template of the message's language: ``ContentSid`` from ``WHATSAPP_TEMPLATES``
and ``ContentVariables`` ``{"1": text}``. No template for that language is a ``Rejected``
naming the setting to add. Every message asks Twilio to report its delivery to
``PUBLIC_BASE_URL/twilio/status``.

Twilio's errors, as the dispatcher needs them:

    21610 unsubscribed, 63014 blocked by the person, 30004 blocked   -> ContactStopped
    20429, 63018, HTTP 429 (Retry-After honoured, else a second)     -> Throttled
    HTTP 5xx, a network failure, no answer within SEND_TIMEOUT       -> Unreachable
    any other 4xx                                                    -> Rejected

The credentials are checked once, when the sender starts (refused: ``SettingsError``). The
client is twilio's own ``AsyncTwilioHttpClient`` (aiohttp) rather than the synchronous
client in a thread pool: ``create_async`` makes the same request, one event loop serves a
round's concurrent sends, and the client's known gaps are covered here: its session is closed
on leaving (twilio-python #866), it applies no timeout of its own (#925; ``asyncio.timeout``
here), and a 429's ``Retry-After`` is read before twilio drops the headers.

After a crash the dispatcher asks ``sent_since`` what became of a message under way: Twilio's
Messages list for the recipient and sender, newest first, read back to the time the row was
claimed (less a margin for the clocks), searched for the message's text (a template's rendered
body holds it as variable 1). A message found is recorded as sent; one not found is sent again.
So a WhatsApp message goes once, even after a SIGKILL. The list is read by ``date_created``
rather than filtered by ``DateSent``, since a message Twilio still holds queued has no
``date_sent`` yet. It logs request
URLs and headers, never the form, so no phone number; error texts are scrubbed of numbers
before they are stored or logged.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import re
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from typing import Any

import aiohttp
from twilio.base.exceptions import TwilioException
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.rest import Client

from bot.outbox.dispatcher import Outbound
from bot.outbox.send_errors import ContactStopped, Rejected, SendError, Throttled, Unreachable
from bot.settings import SettingsError, WhatsAppSettings
from storage.base import utcnow

log = logging.getLogger(__name__)

CHANNEL = "whatsapp"
STATUS_PATH = "/twilio/status"
WINDOW = timedelta(hours=24)
WINDOW_MARGIN = timedelta(minutes=5)  # a message must reach Twilio before the window closes
CHAT_INTERVAL = 6.0  # Meta's pair rate limit: one message every six seconds to one person
SEND_TIMEOUT = 30.0
LOOKUP_PAGE = 50
DEFAULT_RETRY_AFTER = 1.0
OUTSIDE_WINDOW = 63016
STOPPED_CODES = frozenset({21610, 63014, 30004})
THROTTLED_CODES = frozenset({20429, 63018})
PHONE_LIKE = re.compile(r"\+?\d[\d ()-]{5,}\d")


class WhatsAppSender:
    """Sends texts to WhatsApp numbers with a twilio ``Client`` on an async HTTP client."""

    channel = CHANNEL

    def __init__(
        self,
        client: Client,
        settings: WhatsAppSettings,
        clock: Callable[[], datetime] = utcnow,
        on_template: Callable[[str], None] | None = None,
    ) -> None:
        self.client = client
        self.settings = settings
        self.clock = clock
        self.on_template = on_template  # told each template sent, with its language

    def chat_interval(self, address: str) -> float:
        """Six seconds between two messages to one person (Meta's limit per recipient)."""
        return CHAT_INTERVAL

    def in_window(self, last_inbound_at: datetime | None) -> bool:
        """Whether the person wrote recently enough for a free-form message."""
        if last_inbound_at is None:
            return False
        return self.clock() - last_inbound_at < WINDOW - WINDOW_MARGIN

    async def send(self, message: Outbound) -> str:
        """Send free-form inside the window, else (or on 63016) as the language's template; the
        message SID. Raises a ``SendError``."""
        if message.template_only or not self.in_window(message.last_inbound_at):
            return await self._send_template(message)
        try:
            return await self._create(message.address, body=message.text)
        except _OutsideWindow:
            return await self._send_template(message)

    async def _send_template(self, message: Outbound) -> str:
        """Send the text as variable 1 of the approved template of its language."""
        content_sid = self.settings.templates.get(message.language)
        if content_sid is None:
            raise Rejected(
                f"no WhatsApp template for language {message.language!r} outside the 24-hour "
                f"window: add {message.language}=HX... to WHATSAPP_TEMPLATES"
            )
        variables = json.dumps({"1": template_variable(message.text)}, ensure_ascii=False)
        sid = await self._create(
            message.address, content_sid=content_sid, content_variables=variables
        )
        if self.on_template is not None:
            self.on_template(message.language)
        return sid

    async def _create(self, address: str, **content: str) -> str:
        """One Messages create request; the SID, or the mapped error."""
        try:
            async with _twilio_request():
                created = await self.client.messages.create_async(
                    to=f"whatsapp:{address}",
                    from_=f"whatsapp:{self.settings.sender}",
                    status_callback=self.settings.public_base_url + STATUS_PATH,
                    **content,
                )
        except ValueError:  # a 2xx whose body is not JSON: it may have been accepted
            raise Rejected("Twilio's answer could not be read") from None
        return str(created.sid)

    async def sent_since(self, message: Outbound, since: datetime) -> list[str]:
        """The SIDs of the messages with this text Twilio took for the address since ``since``,
        oldest first: after a crash, what a row under way became. Raises a ``SendError``."""
        wanted = template_variable(message.text)
        found: list[str] = []
        async with _twilio_request():
            listed = await self.client.messages.stream_async(
                to=f"whatsapp:{message.address}",
                from_=f"whatsapp:{self.settings.sender}",
                page_size=LOOKUP_PAGE,
            )
            async for item in listed:  # newest first
                if item.date_created is not None and item.date_created < since:
                    break
                if wanted in template_variable(item.body or ""):
                    found.append(str(item.sid))
        return found[::-1]


@asynccontextmanager
async def _twilio_request() -> AsyncIterator[None]:
    """One request to Twilio within ``SEND_TIMEOUT``; its failures raised as ``SendError``s."""
    try:
        async with asyncio.timeout(SEND_TIMEOUT):
            yield
    except SendError:
        raise
    except TwilioException as exc:
        raise twilio_error(exc) from None
    except (aiohttp.ClientError, OSError, TimeoutError) as exc:
        raise Unreachable(f"Twilio cannot be reached: {type(exc).__name__}") from None


class _OutsideWindow(Rejected):
    """Twilio refused a free-form message: the person's window has closed (63016)."""


def twilio_error(exc: Any) -> SendError:
    """The dispatcher's error for a ``TwilioRestException`` (or ``TwilioServiceException``)."""
    status = int(getattr(exc, "status", 0) or 0)
    code = getattr(exc, "code", None)
    text = scrub(str(getattr(exc, "msg", None) or getattr(exc, "title", None) or "error"))
    description = f"Twilio error {code} (HTTP {status}): {text}"
    if code == OUTSIDE_WINDOW:
        return _OutsideWindow(description)
    if code in STOPPED_CODES:
        return ContactStopped(description)
    if code in THROTTLED_CODES or status == 429:
        return Throttled(DEFAULT_RETRY_AFTER, description)
    if status >= 500 or status == 0:
        return Unreachable(description)
    return Rejected(description)


def template_variable(text: str) -> str:
    """The text as a template variable: WhatsApp refuses new lines, tabs and long runs of
    spaces in one, so every run of white space becomes one space."""
    return " ".join(text.split())


def scrub(text: str) -> str:
    """Text with anything like a phone number replaced, to store or log it."""
    return PHONE_LIKE.sub("<number>", text)


def retry_after(headers: Any) -> float:
    """The seconds a 429's Retry-After asks for, or a second when it gives none (or a date)."""
    value = headers.get("Retry-After") if headers is not None else None
    try:
        seconds = float(value) if value is not None else DEFAULT_RETRY_AFTER
    except ValueError:
        seconds = DEFAULT_RETRY_AFTER
    return min(max(seconds, 0.0), 3600.0) or DEFAULT_RETRY_AFTER


class _HttpClient(AsyncTwilioHttpClient):  # type: ignore[misc]
    """twilio's aiohttp client, turning a 429 into ``Throttled`` while its headers are at hand,
    and sending the credentials as a header (aiohttp deprecates its ``auth`` argument)."""

    async def request(
        self,
        method: str,
        url: str,
        params: dict[str, object] | None = None,
        data: dict[str, object] | None = None,
        headers: dict[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        timeout: float | None = None,  # noqa: ASYNC109 - twilio's signature; SEND_TIMEOUT applies
        allow_redirects: bool = False,
    ) -> Any:
        """Make the request; a 429 raises ``Throttled`` with its ``Retry-After``."""
        headers = dict(headers or {})
        if auth is not None:
            credentials = base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode("ascii")
            headers["Authorization"] = f"Basic {credentials}"
        response = await super().request(
            method, url, params, data, headers, None, timeout, allow_redirects
        )
        if response.status_code == 429:
            raise Throttled(
                retry_after(response.headers),
                f"Twilio error {_error_code(response.text)} (HTTP 429): too many requests",
            )
        return response


def _error_code(body: str) -> object:
    """The ``code`` of a Twilio error answer, if it has one."""
    try:
        answer = json.loads(body)
    except ValueError:
        return None
    return answer.get("code") if isinstance(answer, dict) else None


@asynccontextmanager
async def whatsapp_sender(
    settings: WhatsAppSettings, on_template: Callable[[str], None] | None = None
) -> AsyncIterator[WhatsAppSender]:
    """A sender on its own HTTP session, pointed at ``TWILIO_API_BASE_URL`` when set; the
    session is closed on leaving. ``on_template`` is told each template sent (its language)."""
    async with _HttpClient() as http:
        client = Client(
            settings.account_sid,
            str(settings.auth_token),
            http_client=http,
            # not os.environ: a TWILIO_EDGE or TWILIO_REGION there would rewrite the host name
            environment={"TWILIO_EDGE": "", "TWILIO_REGION": ""},
        )
        if settings.api_base_url:
            client.api.base_url = settings.api_base_url
        await check_credentials(client)
        yield WhatsAppSender(client, settings, on_template=on_template)


async def check_credentials(client: Client) -> None:
    """Fetch the account once: refused credentials stop start-up with one line (as a refused
    Telegram token does); Twilio out of reach is only logged, since sends are retried."""
    try:
        async with asyncio.timeout(SEND_TIMEOUT):
            await client.api.account.fetch_async()
    except TwilioException as exc:
        if getattr(exc, "status", None) in (401, 403):
            raise SettingsError(
                "TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN were refused by Twilio"
            ) from None
        log.warning("the Twilio account could not be checked: %s", twilio_error(exc))
    except (aiohttp.ClientError, OSError, TimeoutError) as exc:
        log.warning("Twilio cannot be reached to check the account: %s", type(exc).__name__)
