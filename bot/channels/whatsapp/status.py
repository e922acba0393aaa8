"""``POST /twilio/status``: Twilio's reports on the WhatsApp messages the bot sent, recorded on
their outbox rows.

Every message the sender sends asks for these callbacks (``StatusCallback``). The signature
comes first, checked as for incoming messages (``bot.channels.whatsapp.signature``: the URL
``PUBLIC_BASE_URL/twilio/status``, with the same proxy rules), and a mismatch (or none) is a 403
before any field is read. A report without ``MessageSid`` or ``MessageStatus`` is a 400. Anything else
is a 200, so Twilio does not retry it: a report about a message the outbox does not know (sent
before a restore, or by another system on the account) is ignored, and one no further than what
is recorded (a late "sent" after "read") changes nothing (``storage.outbox.record_delivery``).

A failure with 21610 (or another opt-out or block) blocks the row and stops the person; one with
63016 (outside the 24-hour window) sends the row again as the language's template. The form
names the person's number (``To``); it is never logged, and only the error code is stored.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from bot.channels.whatsapp.sender import CHANNEL, OUTSIDE_WINDOW, STATUS_PATH, STOPPED_CODES
from bot.channels.whatsapp.signature import signed_form
from bot.settings import WhatsAppSettings
from storage.base import utcnow
from storage.outbox import DeliveryReport, record_delivery

log = logging.getLogger(__name__)

SessionsOf = Callable[[], async_sessionmaker[AsyncSession]]


def status_routes(
    settings: WhatsAppSettings | None,
    sessions: SessionsOf,
    on_report: Callable[[str, int | None], None] | None = None,
) -> list[Route]:
    """The status-callback route when WhatsApp is configured, else none; ``on_report`` is told
    each signed report's status and Twilio error code, for the metrics."""
    if settings is None:
        return []

    async def twilio_status(request: Request) -> Response:
        """Check the signature, then record the report."""
        return await handle_status(request, settings, sessions, on_report)

    return [Route(STATUS_PATH, twilio_status, methods=["POST"])]


async def handle_status(
    request: Request,
    settings: WhatsAppSettings,
    sessions: SessionsOf,
    on_report: Callable[[str, int | None], None] | None = None,
) -> Response:
    """403 unless Twilio signed it (413 if too large); 400 without the message's SID or status;
    else 200."""
    form = await signed_form(request, settings, STATUS_PATH)
    if isinstance(form, Response):
        return form
    sid, status = str(form.get("MessageSid", "")), str(form.get("MessageStatus", "")).lower()
    if not sid or not status:
        return PlainTextResponse("MessageSid and MessageStatus are required", status_code=400)
    report = delivery_report(sid, status, str(form.get("ErrorCode", "")))
    if on_report is not None:
        on_report(status, error_code(str(form.get("ErrorCode", ""))))
    try:
        async with sessions()() as session:
            moved = await record_delivery(session, report, utcnow())
            await session.commit()
    except SQLAlchemyError as exc:  # Twilio retries a report it got no 2xx for
        log.warning("a WhatsApp status report could not be recorded: %s", type(exc).__name__)
        return PlainTextResponse("unavailable", status_code=503)
    if not moved:
        log.debug("status %s for message %s changed nothing", status, sid)
    return Response(status_code=200)


def error_code(raw: str) -> int | None:
    """Twilio's error code, if the report carries one (digits only, of a sane length)."""
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 6 else None


def delivery_report(sid: str, status: str, raw_code: str) -> DeliveryReport:
    """What the report says, in the outbox's terms (the error by its code only)."""
    code = error_code(raw_code)
    return DeliveryReport(
        channel=CHANNEL,
        external_id=sid,
        status=status,
        stopped=code in STOPPED_CODES,
        outside_window=code == OUTSIDE_WINDOW,
        error=f"Twilio error {code}" if code else None,
    )
