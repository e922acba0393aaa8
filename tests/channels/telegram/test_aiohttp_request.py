"""The dispatcher's Telegram requests on aiohttp, against the fake Bot API and a closed port."""

from __future__ import annotations

import socket

import pytest
from telegram import Bot

from bot.channels.telegram.aiohttp_request import AiohttpRequest
from bot.channels.telegram.sender import TelegramSender
from bot.outbox.dispatcher import Outbound
from bot.outbox.send_errors import ContactStopped, Unreachable
from tests.fakes.bot_api import FakeBotApi


async def test_a_message_goes_and_telegram_errors_map_as_with_ptbs_own_requests() -> None:
    async with FakeBotApi() as fake:
        user = fake.user(5_100_001, "Ayşe", "tr")
        blocked = fake.user(5_100_002, "Omar", "ar")
        fake.block(blocked)
        request = AiohttpRequest(4)
        async with Bot(fake.token, base_url=fake.base_url, request=request) as bot:
            sender = TelegramSender(bot)
            message_id = await sender.send(Outbound(str(user["id"]), "Merhaba", "tr"))
            assert message_id.isdigit()
            with pytest.raises(ContactStopped):
                await sender.send(Outbound(str(blocked["id"]), "مرحبا", "ar"))
        [call, _refused] = fake.calls_to("sendMessage")
        assert call.params["text"] == "Merhaba"


async def test_telegram_out_of_reach_is_unreachable() -> None:
    with socket.socket() as spare:
        spare.bind(("127.0.0.1", 0))
        port = spare.getsockname()[1]
    request = AiohttpRequest(2)
    await request.initialize()
    try:
        bot = Bot("123:abc", base_url=f"http://127.0.0.1:{port}/bot", request=request)
        with pytest.raises(Unreachable):
            await TelegramSender(bot).send(Outbound("1", "text", "en"))
    finally:
        await request.shutdown()
