"""A municipality's digest, end to end: built from the database, sent to a Telegram group through
the fake Bot API and to a mailbox on a real SMTP server, once, whatever fails or stops."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram import Bot

from bot.digests.delivery import DigestChannels
from bot.digests.job import DigestRunError, run_digest
from bot.schedule.digests import send_due_digests
from bot.settings import SmtpSettings, smtp_settings
from handlers.digests.report import Period
from storage.crypto import AddressCipher
from storage.digest_runs import claim_delivery, claim_run
from storage.digest_settings import add_recipient, setting_for
from storage.models import DigestDelivery, DigestRun
from tests.fakes.bot_api import FakeBotApi
from tests.fakes.smtp import FakeSmtp
from tests.support.digest_cohort import (
    EMAILS,
    FOREIGNER_NUMBER,
    PHONE,
    TC_NUMBER,
    DigestCohort,
    build_digest_cohort,
)

GROUP, KICKED = -1001000000001, -1001000000002
MAILBOX = "uyum@zeytinburnu.bel.tr"
SENDER = "ozet@reslog.example"
PAUSE = 0.01
PERSONAL = (PHONE, TC_NUMBER, FOREIGNER_NUMBER, *EMAILS)


async def configure(
    sessions: async_sessionmaker[AsyncSession], cipher: AddressCipher, *chats: int
) -> tuple[int, DigestCohort]:
    """The cohort, and its weekly Turkish digest to the chats and the mailbox; its setting id."""
    async with sessions() as session:
        cohort = await build_digest_cohort(session)
        await session.commit()
        setting = await setting_for(session, municipality_id=cohort.municipality.id)
        setting.frequency, setting.weekday, setting.send_time = "weekly", 1, "08:00"  # Tuesdays
        for chat in chats:
            await add_recipient(session, cipher, setting, "telegram", str(chat))
        await add_recipient(session, cipher, setting, "email", MAILBOX)
        await session.commit()
        return setting.id, cohort


def smtp(server: FakeSmtp) -> SmtpSettings:
    """Settings for the test's SMTP server."""
    settings = smtp_settings(server.url(), SENDER)
    assert settings is not None
    return settings


def texts(fake: FakeBotApi, chat: int) -> list[str]:
    """The texts the bot sent to a chat."""
    return [m["text"] for m in fake.state.chats.get(chat, []) if "text" in m]


async def test_the_digest_reaches_the_group_and_the_mailbox_and_the_kicked_group_is_reported(
    sessions: async_sessionmaker[AsyncSession], cipher: AddressCipher
) -> None:
    setting_id, cohort = await configure(sessions, cipher, GROUP, KICKED)
    period = cohort.period
    now = period.end + timedelta(hours=6)
    async with (
        FakeBotApi() as fake,
        Bot(fake.token, base_url=fake.base_url) as bot,
        FakeSmtp() as mail,
    ):
        fake.group(GROUP)
        fake.group(KICKED)
        fake.kick(KICKED)
        channels = DigestChannels(bot=bot, smtp=smtp(mail), telegram_interval=PAUSE)
        result = await run_digest(sessions, cipher, setting_id, period, channels, now, "schedule")

        assert result.status == "partly sent"
        assert sorted(a.kind for a in result.reached) == ["email", "telegram"]
        assert [(u.kind, u.address, u.reason) for u in result.undelivered] == [
            ("telegram", str(KICKED), "stopped")
        ]
        # The group: the digest's messages, in Turkish, with the figures counted per person.
        messages = texts(fake, GROUP)
        digest_text = "\n".join(messages[:-1])
        assert all(len(text) <= 4096 for text in messages)
        assert "Yeni üyeler" in digest_text or "yeni üye" in digest_text.lower()
        joined = sum(cohort.new_members.values())
        assert str(joined) in digest_text
        assert "&lt;5" in digest_text  # small cells suppressed, escaped for Telegram's HTML
        assert not any(value in digest_text for value in PERSONAL)
        assert "[telefon]" in digest_text
        # ... the charts and the workbook, one sheet per poll after the summary.
        chat = fake.state.chats[GROUP]
        assert any("photo" in m for m in chat)
        document = next(m for m in chat if "document" in m)
        book = load_workbook(io.BytesIO(fake.uploaded(document).content))
        assert book.sheetnames[0] != "" and len(book.sheetnames) == 1 + len(cohort.poll_slugs)
        cells = [str(c.value) for s in book for row in s.iter_rows() for c in row if c.value]
        assert not any(value in cell for cell in cells for value in PERSONAL)
        # ... and, last, the note naming the group the digest missed.
        assert str(KICKED) in messages[-1]
        # The mailbox: the digest with its charts inline and its workbook, then the same note.
        assert len(mail.received) == 2
        digest_mail = mail.received[0].message
        assert mail.received[0].recipients == (MAILBOX,)
        html = digest_mail.get_body(("html",))
        assert html is not None and "cid:" in html.get_content()
        attachments = [part.get_filename() for part in digest_mail.iter_attachments()]
        assert any(name and name.endswith(".xlsx") for name in attachments)
        note = mail.received[1].message.get_body(("plain",))
        assert note is not None and str(KICKED) in note.get_content()

        # Asked again, by the scheduler or anyone: nothing goes twice.
        sent_before = len(fake.calls)
        again = await run_digest(sessions, cipher, setting_id, period, channels, now, "command")
        assert again.already is not None
        assert len(fake.calls) == sent_before and len(mail.received) == 2


async def test_the_scheduler_sends_on_time_once_and_a_run_cut_short_never_resends(
    sessions: async_sessionmaker[AsyncSession], cipher: AddressCipher
) -> None:
    setting_id, cohort = await configure(sessions, cipher, GROUP)
    period = cohort.period
    # Tuesday 10 November, 08:00 Istanbul is 05:00 UTC: the week of 3 to 9 November is due.
    on_time = period.end + timedelta(hours=8)
    # A process stopped while it was sending to the mailbox: its run and that delivery remain.
    async with sessions() as session:
        run = (await claim_run(session, setting_id, period, "schedule", on_time)).run
        await claim_delivery(session, run.id, None, "email", cipher.lookup_hash("email", MAILBOX))
        await session.commit()
    async with (
        FakeBotApi() as fake,
        Bot(fake.token, base_url=fake.base_url) as bot,
        FakeSmtp() as mail,
    ):
        fake.group(GROUP)
        channels = DigestChannels(bot=bot, smtp=smtp(mail), telegram_interval=PAUSE)
        done = await send_due_digests(sessions, cipher, channels, on_time)
        assert len(done.sent) == 1 and not done.failed
        assert texts(fake, GROUP), "the group got the digest"
        assert mail.received == [], "the mailbox may have had it already: never sent again"
        assert "uyum" not in texts(fake, GROUP)[-1]  # the address is masked in the note
        assert not await send_due_digests(sessions, cipher, channels, on_time + timedelta(hours=1))
    async with sessions() as session:
        statuses = sorted(
            (await session.execute(select(DigestDelivery.kind, DigestDelivery.status))).all()
        )
        assert statuses == [("email", "unconfirmed"), ("telegram", "sent")]
        run_row = (await session.execute(select(DigestRun))).scalar_one()
        assert run_row.status == "partly sent" and run_row.finished_at is not None


async def test_an_unreachable_mail_server_is_tried_again_later_and_the_digest_goes_once_it_answers(
    sessions: async_sessionmaker[AsyncSession], cipher: AddressCipher
) -> None:
    _setting_id, cohort = await configure(sessions, cipher, GROUP)
    period = cohort.period
    on_time = period.end + timedelta(hours=8)
    async with FakeSmtp() as closed:
        unreachable = smtp(closed)  # the port is closed once the server stops
    async with (
        FakeBotApi() as fake,
        Bot(fake.token, base_url=fake.base_url) as bot,
        FakeSmtp() as mail,
    ):
        fake.group(GROUP)
        down = DigestChannels(bot=bot, smtp=unreachable, telegram_interval=PAUSE)
        up = DigestChannels(bot=bot, smtp=smtp(mail), telegram_interval=PAUSE)
        first = await send_due_digests(sessions, cipher, down, on_time)
        assert "sending" in first.summary()
        group_messages = len(texts(fake, GROUP))
        assert not await send_due_digests(sessions, cipher, up, on_time + timedelta(minutes=1))
        retried = await send_due_digests(sessions, cipher, up, on_time + timedelta(minutes=6))
        assert "sent" in retried.summary()
        assert len(mail.received) == 1 and mail.received[0].recipients == (MAILBOX,)
        assert len(texts(fake, GROUP)) == group_messages, "the group is not sent it again"
    async with sessions() as session:
        run_row = (await session.execute(select(DigestRun))).scalar_one()
        assert run_row.status == "sent"
        attempts = (
            await session.execute(
                select(DigestDelivery.attempts).where(DigestDelivery.kind == "email")
            )
        ).scalar_one()
        assert attempts == 2


async def test_a_period_the_schedule_does_not_produce_is_never_sent(
    sessions: async_sessionmaker[AsyncSession], cipher: AddressCipher
) -> None:
    """The week shifted by a day overlaps two of the Tuesday digest's weeks (hole B)."""
    setting_id, cohort = await configure(sessions, cipher, GROUP)
    shifted = Period(
        cohort.period.start + timedelta(days=1),
        cohort.period.end + timedelta(days=1),
        cohort.period.timezone,
    )
    async with FakeBotApi() as fake, Bot(fake.token, base_url=fake.base_url) as bot:
        fake.group(GROUP)
        channels = DigestChannels(bot=bot, smtp=None, telegram_interval=PAUSE)
        now = shifted.end + timedelta(hours=8)
        with pytest.raises(DigestRunError, match="is not a period of this digest"):
            await run_digest(sessions, cipher, setting_id, shifted, channels, now, "command")
        assert texts(fake, GROUP) == []
    async with sessions() as session:
        assert (await session.execute(select(DigestRun))).first() is None
