"""A digest as an e-mail, and sending it with aiosmtplib.

The message is multipart/mixed: a multipart/alternative of plain text and HTML (the HTML a
multipart/related carrying the charts, shown inline by ``cid:``), then the workbook attached.
Both bodies are the digest's Telegram text (``bot.digests.formats.telegram_html``): the HTML keeps its few
tags, the plain text drops them. An Arabic digest's HTML is ``dir="rtl" lang="ar"``.

Sending maps aiosmtplib's errors onto ``bot.outbox.send_errors``: a server that cannot be reached or
answers too slowly is Unreachable, one that refuses the login, the sender or a recipient is
Rejected. Each description is one line naming the server, never the password.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

import aiosmtplib

from bot.digests.formats.charts import DigestChart
from bot.digests.formats.telegram_html import digest_messages
from bot.digests.formats.workbook import digest_filename
from bot.outbox.send_errors import Rejected, Unreachable
from bot.settings import SmtpSettings
from handlers.digests.report import Digest
from handlers.digests.text_parts import period_text
from handlers.i18n.core import RTL_LANGUAGES, _, use_language

XLSX_TYPE = ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet")
TAG = re.compile(r"</?(?:b|i|u|code|pre|blockquote|a)(?:\s[^>]*)?>")
STYLE = (
    "body{font-family:'Noto Sans','Noto Naskh Arabic',Arial,sans-serif;max-width:44em;"
    "margin:1em auto;padding:0 1em;color:#1b2631;line-height:1.5}"
    "blockquote{margin:.4em 0;padding:.2em .8em;border-inline-start:3px solid #0d5c6b;"
    "background:#f2f5f7}img{max-width:100%;height:auto;display:block;margin:1em 0}"
)


def digest_subject(digest: Digest) -> str:
    """The e-mail's subject, in the digest's language."""
    with use_language(digest.language):
        return _("RESLOG digest: {name}, {period}").format(
            name=digest.name, period=period_text(digest.period)
        )


def digest_email(
    digest: Digest,
    charts: Sequence[DigestChart],
    workbook: bytes,
    *,
    sender: str,
    recipients: Sequence[str],
) -> EmailMessage:
    """The digest as a MIME message: text and HTML alternatives, charts inline, workbook attached."""
    messages = digest_messages(digest)
    message = EmailMessage()
    message["Subject"] = digest_subject(digest)
    message["From"] = sender
    message["To"] = ", ".join(recipients)
    message["Date"] = formatdate(digest.generated_at.timestamp(), localtime=False)
    message["Message-ID"] = make_msgid(domain="reslog.invalid")
    message.set_content(plain_text(messages))
    ids = [make_msgid(domain="reslog.invalid") for _chart in charts]
    message.add_alternative(html_body(digest, messages, charts, ids), subtype="html")
    html_part = message.get_body(("html",))
    assert html_part is not None
    for chart, content_id in zip(charts, ids, strict=True):
        html_part.add_related(
            chart.png, "image", "png", cid=content_id, filename=f"{chart.name}.png"
        )
    message.add_attachment(workbook, *XLSX_TYPE, filename=digest_filename(digest, "xlsx"))
    return message


def plain_text(messages: Sequence[str]) -> str:
    """The Telegram messages without their tags."""
    return "\n\n".join(html.unescape(TAG.sub("", text)) for text in messages) + "\n"


def html_body(
    digest: Digest, messages: Sequence[str], charts: Sequence[DigestChart], ids: Sequence[str]
) -> str:
    """An HTML page of the digest's text, then its charts by content id."""
    language = digest.language
    direction = "rtl" if language in RTL_LANGUAGES else "ltr"
    paragraphs = "\n".join(f"<p>{text.replace(chr(10), '<br>' + chr(10))}</p>" for text in messages)
    images = "\n".join(
        f'<img src="cid:{content_id[1:-1]}" alt="{html.escape(chart.title)}" width="640">'
        for chart, content_id in zip(charts, ids, strict=True)
    )
    title = html.escape(digest_subject(digest))
    return (
        f'<!DOCTYPE html>\n<html lang="{language}" dir="{direction}">\n<head>'
        f'<meta charset="utf-8"><title>{title}</title><style>{STYLE}</style></head>\n'
        f"<body>\n{paragraphs}\n{images}\n</body>\n</html>\n"
    )


async def send_email(smtp: SmtpSettings, message: EmailMessage) -> None:
    """Send the message through the SMTP server; a ``SendError`` naming the server if it fails."""
    server = f"SMTP server {smtp.host}:{smtp.port}"
    try:
        refused, _reply = await aiosmtplib.send(
            message,
            hostname=smtp.host,
            port=smtp.port,
            username=smtp.username,
            password=str(smtp.password) if smtp.password is not None else None,
            use_tls=smtp.use_tls,
            start_tls=smtp.start_tls,
            timeout=smtp.timeout,
        )
    except aiosmtplib.SMTPRecipientsRefused as exc:
        who = ", ".join(error.recipient for error in exc.recipients)
        raise Rejected(f"{server} refused every recipient: {who}") from exc
    except aiosmtplib.SMTPAuthenticationError as exc:
        raise Rejected(f"{server} refused the login of {smtp.username}: {exc.code}") from exc
    except aiosmtplib.SMTPSenderRefused as exc:
        raise Rejected(
            f"{server} refused the sender {exc.sender}: {one_line(exc.message)}"
        ) from exc
    except (aiosmtplib.SMTPConnectError, aiosmtplib.SMTPTimeoutError) as exc:
        raise Unreachable(f"{server} cannot be reached: {one_line(str(exc))}") from exc
    except aiosmtplib.SMTPServerDisconnected as exc:
        raise Unreachable(f"{server} closed the connection: {one_line(str(exc))}") from exc
    except aiosmtplib.SMTPResponseException as exc:
        raise Rejected(f"{server} answered {exc.code}: {one_line(exc.message)}") from exc
    except aiosmtplib.SMTPException as exc:
        raise Unreachable(f"{server}: {one_line(str(exc))}") from exc
    except OSError as exc:
        raise Unreachable(f"{server} cannot be reached: {one_line(str(exc))}") from exc
    if refused:
        raise Rejected(f"{server} refused some recipients: {', '.join(sorted(refused))}")


def one_line(text: str) -> str:
    """A server's message on one line."""
    return " ".join(text.split())
