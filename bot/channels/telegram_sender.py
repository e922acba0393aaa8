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
from bot.send_errors import ContactStopped, Rejected, Throttled, Unreachable

# BadRequest descriptions that mean the person is gone rather than the message being wrong.
GONE = ("chat not found", "user is deactivated", "peer_id_invalid")


class TelegramSender:
    """Sends texts to private chats with a started ``telegram.Bot``."""

    channel = CHANNEL

    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    async def send(self, address: str, text: str) -> str:
        """Send a text; the message id Telegram gave it. Raises a ``SendError``."""
        try:
            message = await self.bot.send_message(chat_id=int(address), text=text)
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
        return str(message.message_id)


def _seconds(retry_after: int | timedelta) -> float:
    """``retry_after`` as seconds, whichever form the library gives it in."""
    if isinstance(retry_after, timedelta):
        return retry_after.total_seconds()
    return float(retry_after)
