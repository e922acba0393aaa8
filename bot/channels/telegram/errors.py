"""One Bot API call with Telegram's errors mapped onto ``bot.outbox.send_errors``, for every sender.

Forbidden (blocked, kicked from the group) and the BadRequests that mean the chat is gone are
ContactStopped; a 429 is Throttled with its ``retry_after``; network trouble and other Telegram
errors are Unreachable; any other BadRequest is Rejected. InvalidToken is raised as it is: it is
the configuration's problem, not the message's.
"""

from __future__ import annotations

import warnings
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import TypeVar

from telegram.error import (
    BadRequest,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
)

from bot.outbox.send_errors import ContactStopped, Rejected, Throttled, Unreachable

T = TypeVar("T")

# BadRequest descriptions that mean the person is gone rather than the message being wrong.
GONE = ("chat not found", "user is deactivated", "peer_id_invalid")
PRIVATE_CHAT_INTERVAL = 1.0  # Telegram: about one message a second to one chat
GROUP_CHAT_INTERVAL = 3.0  # and twenty a minute to one group (whose ids are negative)


def chat_interval(chat_id: int) -> float:
    """Seconds between two calls to one chat: three for a group, one for a person."""
    return GROUP_CHAT_INTERVAL if chat_id < 0 else PRIVATE_CHAT_INTERVAL


def retry_seconds(exc: RetryAfter) -> float:
    """How long a 429 asks to wait, whichever form the library gives it in."""
    with warnings.catch_warnings():  # the library announces a change of type; both are read
        warnings.simplefilter("ignore")
        retry_after: int | timedelta = exc.retry_after
    if isinstance(retry_after, timedelta):
        return retry_after.total_seconds()
    return float(retry_after)


async def telegram_call(call: Callable[[], Awaitable[T]]) -> T:
    """Make one Bot API call; its failure as a ``SendError``."""
    try:
        return await call()
    except RetryAfter as exc:
        raise Throttled(retry_seconds(exc), exc.message) from exc
    except Forbidden as exc:
        raise ContactStopped(exc.message) from exc
    except BadRequest as exc:
        if any(marker in exc.message.lower() for marker in GONE):
            raise ContactStopped(exc.message) from exc
        raise Rejected(exc.message) from exc
    except InvalidToken:
        raise
    except (NetworkError, TelegramError) as exc:  # NetworkError includes TimedOut
        raise Unreachable(exc.message) from exc
