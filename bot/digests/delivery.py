"""Sending a written digest to one recipient, on the channel the recipient is on.

A Telegram chat or group gets the messages, the charts and the workbook from the bot; an e-mail
address gets one e-mail with the charts inline and the workbook attached. Whatever goes wrong
is raised as a ``bot.outbox.send_errors.SendError``; ``reason`` turns it into the reason staff are told.
"""

from __future__ import annotations

from dataclasses import dataclass
from email.message import EmailMessage
from typing import TYPE_CHECKING

from telegram import Bot

from bot.outbox.send_errors import ContactStopped, Rejected, SendError, Throttled, Unreachable
from bot.settings import SmtpSettings
from handlers.digests.failures import NOT_CONFIGURED, REFUSED, STOPPED, UNREACHABLE
from storage.digest_settings import EMAIL, TELEGRAM

if TYPE_CHECKING:  # the formats load matplotlib and openpyxl: only once a digest is sent
    from bot.digests.files import DigestFiles


class NotConfigured(SendError):
    """The server has no way to reach this kind of recipient (no bot token, no SMTP_URL)."""


@dataclass(frozen=True)
class DigestChannels:
    """How this process reaches digest recipients: a Telegram bot, an SMTP server, or neither."""

    bot: Bot | None
    smtp: SmtpSettings | None
    telegram_interval: float | None = None  # seconds between calls to one chat; None: Telegram's


def reason(error: SendError) -> str:
    """The reason staff are told, for a send error."""
    if isinstance(error, NotConfigured):
        return NOT_CONFIGURED
    if isinstance(error, ContactStopped):
        return STOPPED
    if isinstance(error, Unreachable | Throttled):
        return UNREACHABLE
    return REFUSED


async def deliver(files: DigestFiles, kind: str, address: str, channels: DigestChannels) -> None:
    """Send the digest to one recipient; a SendError if it did not go."""
    from bot.digests.formats.email import digest_email, send_email
    from bot.digests.telegram import send_telegram_digest

    if kind == TELEGRAM:
        if channels.bot is None:
            raise NotConfigured("TELEGRAM_BOT_TOKEN is not set")
        await send_telegram_digest(
            channels.bot,
            int(address),
            files.messages,
            files.charts,
            files.workbook,
            files.workbook_name,
            interval=channels.telegram_interval,
        )
    elif kind == EMAIL:
        if channels.smtp is None:
            raise NotConfigured("SMTP_URL is not set")
        message = digest_email(
            files.digest,
            files.charts,
            files.workbook,
            sender=channels.smtp.sender,
            recipients=[address],
        )
        await send_email(channels.smtp, message)
    else:
        raise Rejected(f"unknown recipient kind {kind!r}")


async def deliver_note(
    subject: str, html: str, kind: str, address: str, channels: DigestChannels
) -> None:
    """Send a short note (HTML in Telegram's subset) to one recipient; a SendError if it fails."""
    from bot.digests.formats.email import plain_text, send_email
    from bot.digests.telegram import send_telegram_digest

    if kind == TELEGRAM and channels.bot is not None:
        await send_telegram_digest(
            channels.bot, int(address), [html], [], b"", "", interval=channels.telegram_interval
        )
    elif kind == EMAIL and channels.smtp is not None:
        message = EmailMessage()
        message["From"] = channels.smtp.sender
        message["To"] = address
        message["Subject"] = subject
        message.set_content(plain_text([html]))
        await send_email(channels.smtp, message)
    else:
        raise NotConfigured(f"no way to reach a {kind} recipient")
