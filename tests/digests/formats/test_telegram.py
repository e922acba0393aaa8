"""The digest sent to a Telegram group through python-telegram-bot and the fake Bot API over HTTP."""

from __future__ import annotations

import pytest
from telegram import Bot

from bot.channels.telegram.errors import chat_interval
from bot.digests.formats.charts import digest_charts
from bot.digests.formats.telegram_html import digest_messages
from bot.digests.formats.workbook import digest_filename, digest_workbook
from bot.digests.telegram import send_telegram_digest
from bot.outbox.send_errors import ContactStopped, Rejected, Throttled
from tests.fakes.bot_api import FakeBotApi
from tests.support.digest_samples import municipality_digest

GROUP = -1001234567890
PAUSE = 0.01  # the tests do not wait three seconds between calls


async def send(bot: Bot, chat_id: int, language: str = "tr") -> None:
    """Send the sample digest to a chat."""
    digest = municipality_digest(language)
    await send_telegram_digest(
        bot,
        chat_id,
        digest_messages(digest),
        digest_charts(digest),
        digest_workbook(digest),
        digest_filename(digest, "xlsx"),
        interval=PAUSE,
    )


async def test_messages_charts_and_workbook_arrive_in_the_group_in_order() -> None:
    async with FakeBotApi() as fake, Bot(fake.token, base_url=fake.base_url) as bot:
        fake.group(GROUP)
        await send(bot, GROUP, "ar")
        methods = [call.method for call in fake.calls if call.method != "getMe"]
        assert methods == ["sendMessage", "sendMediaGroup", "sendDocument"]
        message = fake.calls_to("sendMessage")[0].params
        assert message["parse_mode"] == "HTML" and "<b>" in message["text"]
        chat = fake.state.chats[GROUP]
        photos = [m for m in chat if "photo" in m]
        assert len(photos) == 4 and len({m["media_group_id"] for m in photos}) == 1
        assert all(fake.uploaded(m).content.startswith(b"\x89PNG") for m in photos)
        document = chat[-1]
        assert document["document"]["file_name"] == (
            "reslog-digest-zeytinburnu-2026-11-24-2026-11-30.xlsx"
        )
        assert fake.uploaded(document).content.startswith(b"PK")  # a zip: the XLSX


async def test_one_chart_goes_as_a_photo() -> None:
    digest = municipality_digest("tr")
    async with FakeBotApi() as fake, Bot(fake.token, base_url=fake.base_url) as bot:
        fake.group(GROUP)
        await send_telegram_digest(
            bot, GROUP, ["<b>x</b>"], digest_charts(digest)[:1], b"PK", "d.xlsx", interval=PAUSE
        )
        assert len(fake.calls_to("sendPhoto")) == 1 and not fake.calls_to("sendMediaGroup")


async def test_a_group_the_bot_was_kicked_from_is_contact_stopped() -> None:
    async with FakeBotApi() as fake, Bot(fake.token, base_url=fake.base_url) as bot:
        fake.group(GROUP)
        fake.kick(GROUP)
        with pytest.raises(ContactStopped, match="kicked from the group chat"):
            await send(bot, GROUP)
        assert len(fake.calls_to("sendMessage")) == 1  # the first failure stops it


async def test_a_chat_that_does_not_exist_is_contact_stopped() -> None:
    async with FakeBotApi() as fake, Bot(fake.token, base_url=fake.base_url) as bot:
        with pytest.raises(ContactStopped, match=r"(?i)chat not found"):
            await send(bot, -100999)


async def test_a_short_429_is_waited_out_and_a_long_one_handed_back() -> None:
    async with FakeBotApi() as fake, Bot(fake.token, base_url=fake.base_url) as bot:
        fake.group(GROUP)
        fake.fail_next("sendMediaGroup", 429, "Too Many Requests: retry after 1", retry_after=1)
        await send(bot, GROUP)
        assert len(fake.calls_to("sendMediaGroup")) == 2
        assert len(fake.calls_to("sendDocument")) == 1
        fake.fail_next("sendMessage", 429, "Too Many Requests: retry after 600", retry_after=600)
        with pytest.raises(Throttled) as caught:
            await send(bot, GROUP)
        assert caught.value.retry_after == 600


async def test_a_bad_request_is_rejected() -> None:
    async with FakeBotApi() as fake, Bot(fake.token, base_url=fake.base_url) as bot:
        fake.group(GROUP)
        fake.fail_next("sendDocument", 400, "Bad Request: file is too big")
        with pytest.raises(Rejected, match="too big"):
            await send(bot, GROUP)


def test_a_group_is_paced_at_twenty_messages_a_minute_a_person_at_one_a_second() -> None:
    assert chat_interval(GROUP) == 3.0
    assert chat_interval(424242) == 1.0
