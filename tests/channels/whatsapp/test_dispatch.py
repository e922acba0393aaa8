"""Notices to WhatsApp members through the real dispatcher and the real twilio client, against the
fake Twilio API: the window decides free-form or template, opt-outs stop people, 429s and 500s
are retried, and Telegram and WhatsApp members each get a notice once, on their own channel."""

from __future__ import annotations

import asyncio
import signal
from collections import Counter
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram import Bot

from bot.channels.telegram.sender import TelegramSender
from bot.channels.whatsapp.sender import STATUS_PATH, WhatsAppSender
from bot.outbox.dispatcher import DispatchConfig, Dispatcher
from storage.base import utcnow
from storage.crypto import AddressCipher
from storage.outbox import pending_count
from tests.fakes.bot_api import FakeBotApi
from tests.fakes.twilio_api import FakeTwilioApi
from tests.support.members import TEXTS, Member, add_members, draft_notice
from tests.support.outbox import drain, queue
from tests.support.processes import start_reslog, telegram_env
from tests.support.whatsapp_outbound import (
    PUBLIC_BASE_URL,
    TEMPLATES,
    fake_twilio,
    outbox_rows,
    running_sender,
    stopped_ids,
    twilio_env,
)

FAST = DispatchConfig(rate=200, backoff=0.05, idle_wait=0.05)
DRAIN_TIMEOUT = 60.0


@pytest.fixture
async def fake() -> AsyncIterator[FakeTwilioApi]:
    """A fake Twilio API on loopback."""
    async with fake_twilio() as server:
        yield server


@pytest.fixture
async def sender(fake: FakeTwilioApi) -> AsyncIterator[WhatsAppSender]:
    """The WhatsApp sender as the worker builds it."""
    async with running_sender(fake) as running:
        yield running


def on_whatsapp(number: int, language: str, hours_ago: float | None = None) -> Member:
    """A WhatsApp member who last wrote ``hours_ago`` (never, if None)."""
    last = utcnow() - timedelta(hours=hours_ago) if hours_ago is not None else None
    return Member(number, language, channel="whatsapp", last_inbound_at=last)


async def test_inside_the_window_free_form_outside_it_the_template_of_each_language_once_each(
    sessions: async_sessionmaker[AsyncSession],
    cipher: AddressCipher,
    fake: FakeTwilioApi,
    sender: WhatsAppSender,
    demo: str,
) -> None:
    recent = [on_whatsapp(905320000000 + i, ("ar", "tr", "en")[i % 3], 2) for i in range(6)]
    old = [on_whatsapp(905330000000 + i, ("ar", "tr", "en")[i % 3], 48) for i in range(6)]
    never = [on_whatsapp(905340000000 + i, ("ar", "tr", "en")[i % 3]) for i in range(3)]
    stopped = Member(905350000000, "ar", channel="whatsapp", stopped=True)
    for member in recent:
        fake.wrote(member.address, seconds_ago=2 * 3600)
    await add_members(sessions, cipher, None, demo, [*recent, *old, *never, stopped])
    assert await queue(sessions, await draft_notice(sessions, demo, urgent=True)) == 15

    await drain(sessions, Dispatcher(sessions, cipher, sender, FAST))

    assert Counter(m.to for m in fake.messages) == Counter(
        m.address for m in [*recent, *old, *never]
    )
    by_number = {m.to: m for m in fake.messages}
    for member in recent:
        message = by_number[member.address]
        assert (message.body, message.content_sid) == (TEXTS[member.language], None)
    for member in [*old, *never]:
        message = by_number[member.address]
        assert message.body is None
        assert message.content_sid == TEMPLATES[member.language]
        assert message.content_variables == {"1": TEXTS[member.language]}
    assert {m.status_callback for m in fake.messages} == {PUBLIC_BASE_URL + STATUS_PATH}
    assert {r.status for r in fake.requests} == {201}
    rows = await outbox_rows(sessions)
    assert {r.status for r in rows} == {"sent"}
    assert {r.external_id for r in rows} == {m.sid for m in fake.messages}


async def test_a_63016_from_twilio_sends_the_template_and_the_row_is_sent_once(
    sessions: async_sessionmaker[AsyncSession],
    cipher: AddressCipher,
    fake: FakeTwilioApi,
    sender: WhatsAppSender,
    demo: str,
) -> None:
    amal = on_whatsapp(963933123456, "ar", 1)  # our record: wrote an hour ago; WhatsApp's: never
    await add_members(sessions, cipher, None, demo, [amal])
    await queue(sessions, await draft_notice(sessions, demo, urgent=True))
    await drain(sessions, Dispatcher(sessions, cipher, sender, FAST))
    assert [(r.status, r.code) for r in fake.requests] == [(400, 63016), (201, None)]
    [message] = fake.messages
    assert (message.content_sid, message.text) == (TEMPLATES["ar"], TEXTS["ar"])
    [row] = await outbox_rows(sessions)
    assert (row.status, row.attempts, row.external_id) == ("sent", 1, message.sid)


async def test_no_template_for_a_language_fails_its_rows_with_the_setting_named_and_logged(
    sessions: async_sessionmaker[AsyncSession],
    cipher: AddressCipher,
    fake: FakeTwilioApi,
    demo: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    members = [on_whatsapp(905360000001, "ar"), on_whatsapp(905360000002, "tr")]
    await add_members(sessions, cipher, None, demo, members)
    await queue(sessions, await draft_notice(sessions, demo, urgent=True))
    async with running_sender(fake, templates={"tr": TEMPLATES["tr"]}) as sender:
        await drain(sessions, Dispatcher(sessions, cipher, sender, FAST))
    rows = await outbox_rows(sessions)
    assert sorted(r.status for r in rows) == ["failed", "sent"]
    [failed] = [r for r in rows if r.status == "failed"]
    assert failed.error is not None and "WHATSAPP_TEMPLATES" in failed.error
    assert "1 whatsapp messages failed" in caplog.text and "ar=HX" in caplog.text
    assert [m.to for m in fake.messages] == [members[1].address]
    assert members[0].address not in caplog.text


async def test_an_opted_out_number_is_stopped_and_not_in_the_next_audience(
    sessions: async_sessionmaker[AsyncSession],
    cipher: AddressCipher,
    fake: FakeTwilioApi,
    sender: WhatsAppSender,
    demo: str,
) -> None:
    amal, ayse = on_whatsapp(963933123456, "ar"), on_whatsapp(905321234567, "tr")
    await add_members(sessions, cipher, None, demo, [amal, ayse])
    fake.opt_out(amal.address)
    await queue(sessions, await draft_notice(sessions, demo, urgent=True))
    await drain(sessions, Dispatcher(sessions, cipher, sender, FAST))
    rows = await outbox_rows(sessions)
    statuses = {r.participant_id: r.status for r in rows}
    assert sorted(statuses.values()) == ["blocked", "sent"]
    [blocked] = [pid for pid, status in statuses.items() if status == "blocked"]
    assert await stopped_ids(sessions) == {blocked}

    assert await queue(sessions, await draft_notice(sessions, demo, urgent=True)) == 1
    await drain(sessions, Dispatcher(sessions, cipher, sender, FAST))  # a later worker
    assert len(fake.requests_to(amal.address)) == 1
    assert len(fake.messages_to(ayse.address)) == 2


async def test_a_429_pauses_the_channel_and_the_message_still_goes_once(
    sessions: async_sessionmaker[AsyncSession],
    cipher: AddressCipher,
    fake: FakeTwilioApi,
    sender: WhatsAppSender,
    demo: str,
) -> None:
    await add_members(sessions, cipher, None, demo, [on_whatsapp(905370000001, "tr")])
    await queue(sessions, await draft_notice(sessions, demo, urgent=True))
    fake.fail_next(20429, 429)  # no Retry-After: a second

    await drain(sessions, Dispatcher(sessions, cipher, sender, FAST))

    first, second = fake.requests
    assert (first.status, second.status) == (429, 201)
    assert second.at - first.at >= 1.0
    [row] = await outbox_rows(sessions)
    assert (row.status, row.attempts) == ("sent", 1)
    assert len(fake.messages) == 1


async def test_server_errors_are_retried_with_backoff_at_most_three_times(
    sessions: async_sessionmaker[AsyncSession],
    cipher: AddressCipher,
    fake: FakeTwilioApi,
    sender: WhatsAppSender,
    demo: str,
) -> None:
    await add_members(sessions, cipher, None, demo, [on_whatsapp(905380000001, "en")])
    config = DispatchConfig(rate=200, backoff=0.2, idle_wait=0.05)
    fake.fail_next(20500, 500, times=2)
    await queue(sessions, await draft_notice(sessions, demo, urgent=True))
    await drain(sessions, Dispatcher(sessions, cipher, sender, config))
    fake.fail_next(20500, 500, times=3)
    await queue(sessions, await draft_notice(sessions, demo, urgent=True))
    await drain(sessions, Dispatcher(sessions, cipher, sender, config))  # a later worker

    first, second = await outbox_rows(sessions)
    assert (first.status, first.attempts) == ("sent", 3)
    assert (second.status, second.attempts) == ("failed", 3)
    assert second.error is not None and "20500" in second.error
    assert len(fake.requests) == 6
    assert len(fake.messages) == 1
    tries = [r.at for r in fake.requests[3:]]
    assert tries[1] - tries[0] >= 0.2 and tries[2] - tries[1] >= 0.4  # the wait doubles


async def test_a_telegram_and_a_whatsapp_member_each_get_the_notice_once_on_their_channel(
    sessions: async_sessionmaker[AsyncSession],
    cipher: AddressCipher,
    fake: FakeTwilioApi,
    sender: WhatsAppSender,
    demo: str,
) -> None:
    async with FakeBotApi() as bot_api, Bot(bot_api.token, base_url=bot_api.base_url) as bot:
        telegram = Member(9100, "tr")
        whatsapp = on_whatsapp(963933123456, "ar")
        await add_members(sessions, cipher, bot_api, demo, [telegram, whatsapp])
        assert await queue(sessions, await draft_notice(sessions, demo, urgent=True)) == 2
        await asyncio.gather(
            drain(sessions, Dispatcher(sessions, cipher, TelegramSender(bot), FAST)),
            drain(sessions, Dispatcher(sessions, cipher, sender, FAST)),
        )
        telegram_sends = bot_api.calls_to("sendMessage")
    assert [(c.params["chat_id"], c.params["text"]) for c in telegram_sends] == [
        (9100, TEXTS["tr"])
    ]
    [message] = fake.messages
    assert (message.to, message.text) == (whatsapp.address, TEXTS["ar"])
    rows = await outbox_rows(sessions)
    assert sorted((r.channel, r.status) for r in rows) == [
        ("telegram", "sent"),
        ("whatsapp", "sent"),
    ]


async def test_reslog_worker_runs_the_telegram_and_whatsapp_dispatchers_side_by_side(
    sessions: async_sessionmaker[AsyncSession],
    cipher: AddressCipher,
    cli_env: dict[str, str],
    fake: FakeTwilioApi,
    demo: str,
    tmp_path: Path,
) -> None:
    async with FakeBotApi() as bot_api:
        telegram = [Member(9200 + i, ("tr", "ar")[i % 2]) for i in range(4)]
        whatsapp = [on_whatsapp(905390000000 + i, ("ar", "tr")[i % 2], 30) for i in range(4)]
        await add_members(sessions, cipher, bot_api, demo, [*telegram, *whatsapp])
        assert await queue(sessions, await draft_notice(sessions, demo, urgent=True)) == 8
        env = telegram_env(cli_env, bot_api, LOG_LEVEL="DEBUG", **twilio_env(fake))
        worker = await start_reslog("worker", env=env, cwd=tmp_path)
        try:
            async with asyncio.timeout(DRAIN_TIMEOUT):
                while True:
                    if not await _left(sessions) or worker.returncode is not None:
                        break
                    await asyncio.sleep(0.1)
        finally:
            if worker.returncode is None:
                worker.send_signal(signal.SIGTERM)
            _out, err = await asyncio.wait_for(worker.communicate(), DRAIN_TIMEOUT)
        delivered = Counter(int(c.params["chat_id"]) for c in bot_api.calls_to("sendMessage"))
    log = err.decode(errors="replace")
    assert worker.returncode == 0, log
    assert "Traceback" not in log
    assert delivered == Counter({m.user_id: 1 for m in telegram})
    assert Counter(m.to for m in fake.messages) == Counter({m.address: 1 for m in whatsapp})
    assert {m.content_sid for m in fake.messages} == {TEMPLATES["ar"], TEMPLATES["tr"]}
    assert all(m.address[1:] not in log for m in whatsapp)  # not even under LOG_LEVEL=DEBUG


async def _left(sessions: async_sessionmaker[AsyncSession]) -> int:
    """Rows of either channel not yet settled."""
    async with sessions() as session:
        return await pending_count(session, "telegram") + await pending_count(session, "whatsapp")
