"""The digest e-mail, sent to a real SMTP server (aiosmtpd) on loopback and parsed as it arrived."""

from __future__ import annotations

import io
import re
import socket
from email.message import EmailMessage

import pytest
from openpyxl import load_workbook

from bot.digests.formats.charts import digest_charts
from bot.digests.formats.email import digest_email, send_email
from bot.digests.formats.workbook import digest_workbook
from bot.outbox.send_errors import Rejected, Unreachable
from bot.settings import SmtpSettings, smtp_settings
from tests.fakes.smtp import FakeSmtp
from tests.support.digest_samples import municipality_digest

SENDER = "RESLOG <ozet@zeytinburnu.bel.tr>"
TEAM = ["uyum@zeytinburnu.bel.tr", "birlik@marmara.org.tr"]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def message_for(language: str) -> EmailMessage:
    """The sample digest's e-mail."""
    digest = municipality_digest(language)
    return digest_email(
        digest, digest_charts(digest), digest_workbook(digest), sender=SENDER, recipients=TEAM
    )


def settings(smtp: FakeSmtp, user: str | None = None, password: str | None = None) -> SmtpSettings:
    """Settings reaching the fake server, read as SMTP_URL would be."""
    read = smtp_settings(smtp.url(user, password), SENDER)
    assert read is not None
    return read


@pytest.mark.parametrize("language", ["tr", "ar"])
async def test_the_digest_arrives_with_text_html_inline_charts_and_the_workbook(
    language: str,
) -> None:
    async with FakeSmtp(credentials=("ozet", "gizli parola")) as smtp:
        await send_email(settings(smtp, "ozet", "gizli parola"), message_for(language))
    (received,) = smtp.received
    assert set(received.recipients) == set(TEAM)
    message = received.message
    assert message.get_content_type() == "multipart/mixed"
    assert "Zeytinburnu" in str(message["Subject"])
    text = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert text is not None and html is not None
    plain = text.get_content()
    assert "Zeytinburnu" in plain.splitlines()[0] and "<blockquote>" not in plain
    assert "<b>Lütfen</b>" in plain or language == "ar"  # a feedback text as written
    page = html.get_content()
    referenced = set(re.findall(r'src="cid:([^"]+)"', page))
    images = [p for p in message.walk() if p.get_content_type() == "image/png"]
    assert all(isinstance(p, EmailMessage) for p in images)
    assert len(images) == 4 and len(referenced) == 4
    assert {str(p["Content-ID"]).strip("<>") for p in images} == referenced
    assert all(bytes(p.get_content()).startswith(b"\x89PNG") for p in images)
    if language == "ar":
        assert '<html lang="ar" dir="rtl">' in page
        assert "ملخّص" in str(message["Subject"])
    else:
        assert '<html lang="tr" dir="ltr">' in page
        assert str(message["Subject"]).startswith("RESLOG özeti: Zeytinburnu")
    (attachment,) = list(message.iter_attachments())
    assert attachment.get_content_type() == XLSX
    assert attachment.get_filename() == "reslog-digest-zeytinburnu-2026-11-24-2026-11-30.xlsx"
    book = load_workbook(io.BytesIO(bytes(attachment.get_content())))
    assert len(book.sheetnames) == 3


def free_port() -> int:
    """A loopback port nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_an_unreachable_server_is_unreachable_in_one_line_without_the_password() -> None:
    port = free_port()
    smtp = smtp_settings(f"smtp://ozet:gizli@127.0.0.1:{port}?starttls=false", SENDER)
    assert smtp is not None
    with pytest.raises(Unreachable) as caught:
        await send_email(smtp, message_for("tr"))
    description = str(caught.value)
    assert f"SMTP server 127.0.0.1:{port}" in description
    assert "\n" not in description and "gizli" not in description
    assert caught.value.retryable


async def test_a_wrong_password_is_rejected_without_repeating_it() -> None:
    async with FakeSmtp(credentials=("ozet", "gizli")) as smtp:
        with pytest.raises(Rejected) as caught:
            await send_email(settings(smtp, "ozet", "yanlis"), message_for("tr"))
    assert "refused the login" in str(caught.value) and "yanlis" not in str(caught.value)
    assert smtp.received == []


async def test_a_refused_recipient_is_named_and_the_others_still_get_it() -> None:
    async with FakeSmtp(refuse=frozenset({TEAM[1]})) as smtp:
        with pytest.raises(Rejected) as caught:
            await send_email(settings(smtp), message_for("en"))
    assert TEAM[1] in str(caught.value)
    assert [r.recipients for r in smtp.received] == [(TEAM[0],)]


async def test_every_recipient_refused_is_rejected() -> None:
    async with FakeSmtp(refuse=frozenset(TEAM)) as smtp:
        with pytest.raises(Rejected, match="refused every recipient"):
            await send_email(settings(smtp), message_for("en"))
    assert smtp.received == []
