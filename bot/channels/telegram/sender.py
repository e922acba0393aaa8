"""Sending one outbox message through python-telegram-bot, with its errors mapped for the dispatcher."""

from __future__ import annotations

from functools import partial

from telegram import Bot

from bot.channels.telegram.errors import chat_interval, telegram_call
from bot.channels.telegram.parse import CHANNEL
from bot.outbox.dispatcher import Outbound


class TelegramSender:
    """Sends texts to private chats with a started ``telegram.Bot``."""

    channel = CHANNEL

    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    def chat_interval(self, address: str) -> float:
        """One second between two messages to a private chat, three to a group."""
        return chat_interval(int(address))

    async def send(self, message: Outbound) -> str:
        """Send the text (in any window: Telegram has none); the message id Telegram gave it.
        Raises a ``SendError``."""
        sent = await telegram_call(
            partial(self.bot.send_message, chat_id=int(message.address), text=message.text)
        )
        return str(sent.message_id)
