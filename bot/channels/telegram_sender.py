"""Sending one outbox message through python-telegram-bot, with its errors mapped for the dispatcher."""

from __future__ import annotations

import warnings
from datetime import timedelta

from telegram import Bot
from telegram.error import (
    BadRequest,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
)

from bot.channels.telegram_parse import CHANNEL
from bot.dispatcher import Outbound
from bot.send_errors import ContactStopped, Rejected, Throttled, Unreachable

# BadRequest descriptions that mean the person is gone rather than the message being wrong.
GONE = ("chat not found", "user is deactivated", "peer_id_invalid")
PRIVATE_CHAT_INTERVAL = 1.0  # Telegram: about one message a second to one chat
GROUP_CHAT_INTERVAL = 3.0  # and twenty a minute to one group (whose ids are negative)


class TelegramSender:
    """Sends texts to private chats with a started ``telegram.Bot``."""

    channel = CHANNEL

    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    def chat_interval(self, address: str) -> float:
        """One second between two messages to a private chat, three to a group."""
        return GROUP_CHAT_INTERVAL if address.startswith("-") else PRIVATE_CHAT_INTERVAL

    async def send(self, message: Outbound) -> str:
        """Send the text (in any window: Telegram has none); the message id Telegram gave it.
        Raises a ``SendError``."""
        try:
            sent = await self.bot.send_message(chat_id=int(message.address), text=message.text)
        except RetryAfter as exc:
            with warnings.catch_warnings():  # the library announces a change of type; both are read
                warnings.simplefilter("ignore")
                retry_after = exc.retry_after
            raise Throttled(_seconds(retry_after), exc.message) from exc
        except Forbidden as exc:
            raise ContactStopped(exc.message) from exc
        except BadRequest as exc:
            if any(marker in exc.message.lower() for marker in GONE):
                raise ContactStopped(exc.message) from exc
            raise Rejected(exc.message) from exc
        except InvalidToken:
            raise  # a configuration problem, not this message's: the dispatcher stops
        except NetworkError as exc:  # includes TimedOut
            raise Unreachable(exc.message) from exc
        except TelegramError as exc:
            raise Unreachable(exc.message) from exc
        return str(sent.message_id)


def _seconds(retry_after: int | timedelta) -> float:
    """``retry_after`` as seconds, whichever form the library gives it in."""
    if isinstance(retry_after, timedelta):
        return retry_after.total_seconds()
    return float(retry_after)
