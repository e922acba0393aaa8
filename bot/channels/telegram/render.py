"""Rendering the core's ``Outgoing`` messages with the Bot API, without ever raising.

Choices become an inline keyboard of ``columns`` buttons per row; text longer than Telegram's
limit is split at line boundaries, the keyboard riding on the last part; a file is sent as a
document. When the person pressed a button, the pressed message is edited in place if the first
reply asks for it (``replace``), otherwise its keyboard is removed so it cannot be pressed twice.

Errors from Telegram are logged with a pseudonymous reference, never the user id:

    TelegramError
     ├── RetryAfter   -> wait (up to MAX_RETRY_WAIT seconds) and try once more, else FAILED
     ├── Forbidden    -> STOPPED (the person blocked the bot): nothing more is sent this turn
     ├── BadRequest   -> "message is not modified" counts as OK; anything else FAILED
     └── other errors -> FAILED (network, timeouts, server errors)
"""

from __future__ import annotations

import asyncio
import enum
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from functools import partial
from typing import Any

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError

from bot.channels.telegram.errors import retry_seconds
from bot.channels.telegram.webhook_reply import WebhookReply
from bot.channels.text_parts import split_text as split_parts
from bot.channels.text_parts import text_length
from handlers.core.events import Choice, Outgoing

log = logging.getLogger(__name__)

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_RETRY_WAIT = 30.0
EMPTY_TEXT = "…"


class CallResult(enum.Enum):
    """What became of one Bot API call."""

    OK = "ok"
    FAILED = "failed"
    STOPPED = "stopped"


@dataclass(frozen=True)
class Pressed:
    """The bot message whose inline button was pressed."""

    chat_id: int
    message_id: int


def keyboard(message: Outgoing) -> InlineKeyboardMarkup | None:
    """The message's choices as an inline keyboard, ``columns`` buttons per row."""
    rows = _keyboard_rows(message)
    if not rows:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(c.label, callback_data=c.data) for c in row] for row in rows]
    )


def keyboard_json(message: Outgoing) -> dict[str, Any] | None:
    """``keyboard(message)`` as the Bot API's JSON, for a call written out directly (the
    webhook's reply) without building the library's objects first."""
    rows = _keyboard_rows(message)
    if not rows:
        return None
    return {
        "inline_keyboard": [
            [{"text": c.label, "callback_data": c.data} for c in row] for row in rows
        ]
    }


def _keyboard_rows(message: Outgoing) -> list[list[Choice]]:
    """The message's choices, ``columns`` to a row."""
    columns, choices = max(1, message.columns), list(message.choices)
    return [choices[i : i + columns] for i in range(0, len(choices), columns)]


def split_text(text: str, limit: int = MAX_TEXT) -> list[str]:
    """The text in Telegram-sized parts, cut at line boundaries where possible."""
    return split_parts(text, limit)


async def call(what: str, ref: str, action: Callable[[], Awaitable[Any]]) -> CallResult:
    """Make one Bot API call; log what went wrong instead of raising."""
    for attempt in range(2):
        try:
            await action()
            return CallResult.OK
        except RetryAfter as exc:
            wait = retry_seconds(exc)
            if attempt == 0 and wait <= MAX_RETRY_WAIT:
                log.info("%s for %s throttled; retrying in %.0f s", what, ref, wait)
                await asyncio.sleep(wait)
                continue
            log.warning("%s for %s throttled for %.0f s; not sent", what, ref, wait)
        except Forbidden as exc:
            log.info("%s for %s refused (%s): the person stopped the bot", what, ref, exc.message)
            return CallResult.STOPPED
        except BadRequest as exc:
            if "not modified" in exc.message.lower():
                log.debug("%s for %s: message not modified", what, ref)
                return CallResult.OK
            log.warning("%s for %s failed: %s", what, ref, exc.message)
        except TelegramError as exc:
            log.warning("%s for %s failed: %s: %s", what, ref, type(exc).__name__, exc.message)
        break
    return CallResult.FAILED


async def deliver(
    bot: Bot,
    chat_id: int,
    replies: list[Outgoing],
    pressed: Pressed | None,
    ref: str,
    webhook: WebhookReply | None = None,
) -> None:
    """Send the core's replies to one chat; edit or disarm the pressed message first.

    With a ``webhook`` reply slot, the last text message goes into the webhook's response
    instead of its own request. No replies means the core had handled this update already (a
    redelivery): the pressed message is then left as the first delivery made it.
    """
    remaining = list(replies)
    if pressed is not None and remaining:
        if remaining[0].replace and await _replace(bot, pressed, remaining[0], ref):
            remaining = remaining[1:]
        else:
            await call(
                "editMessageReplyMarkup",
                ref,
                lambda: bot.edit_message_reply_markup(
                    chat_id=pressed.chat_id, message_id=pressed.message_id, reply_markup=None
                ),
            )
    remaining = joined(remaining)
    for index, reply in enumerate(remaining):
        last = index == len(remaining) - 1
        if await send(bot, chat_id, reply, ref, webhook if last else None) is CallResult.STOPPED:
            return


def joined(replies: list[Outgoing]) -> list[Outgoing]:
    """The replies with each plain text (no buttons, no file) joined to the message after it
    when both fit in one Telegram message: a turn's "Thank you" and the next question arrive
    as one message, not two, and cost one request fewer."""
    merged: list[Outgoing] = []
    for reply in replies:
        before = merged[-1] if merged else None
        if (
            before is not None
            and not before.choices
            and before.file is None
            and before.text
            and reply.text
            and text_length(before.text) + 2 + text_length(reply.text) <= MAX_TEXT
        ):
            merged[-1] = replace(reply, text=f"{before.text}\n\n{reply.text}", replace=False)
        else:
            merged.append(reply)
    return merged


async def _replace(bot: Bot, pressed: Pressed, message: Outgoing, ref: str) -> bool:
    """Edit the pressed message into ``message``; False if it must be sent anew instead."""
    if message.file is not None or len(split_text(message.text)) != 1:
        return False
    outcome = await call(
        "editMessageText",
        ref,
        lambda: bot.edit_message_text(
            message.text,
            chat_id=pressed.chat_id,
            message_id=pressed.message_id,
            reply_markup=keyboard(message),
        ),
    )
    return outcome is CallResult.OK


async def send(
    bot: Bot, chat_id: int, message: Outgoing, ref: str, webhook: WebhookReply | None = None
) -> CallResult:
    """Send one message: its text in parts, its keyboard on the last part, its file if any.

    A text message's last part goes into the ``webhook`` reply slot when there is one.
    """
    parts = split_text(message.text)
    if webhook is not None and message.file is None and len(parts) == 1:
        webhook.send_message(chat_id, parts[0], keyboard_json(message))
        return CallResult.OK
    markup = keyboard(message)
    if message.file is not None:
        caption = parts.pop() if parts and text_length(parts[-1]) <= MAX_CAPTION else None
        outcome = await _send_parts(bot, chat_id, parts, None, ref)
        if outcome is not CallResult.OK:
            return outcome
        file = message.file
        return await call(
            "sendDocument",
            ref,
            lambda: bot.send_document(
                chat_id,
                document=file.content,
                filename=file.name,
                caption=caption,
                reply_markup=markup,
            ),
        )
    if not parts and markup is not None:
        parts = [EMPTY_TEXT]
    return await _send_parts(bot, chat_id, parts, markup, ref, webhook)


async def _send_parts(
    bot: Bot,
    chat_id: int,
    parts: list[str],
    markup: InlineKeyboardMarkup | None,
    ref: str,
    webhook: WebhookReply | None = None,
) -> CallResult:
    """Send text parts in order, the keyboard on the last one; stop at the first failure."""
    for index, part in enumerate(parts):
        last = index == len(parts) - 1
        if last and webhook is not None:
            webhook.send_message(chat_id, part, markup.to_dict() if markup is not None else None)
            return CallResult.OK
        outcome = await call(
            "sendMessage",
            ref,
            partial(bot.send_message, chat_id, part, reply_markup=markup if last else None),
        )
        if outcome is not CallResult.OK:
            return outcome
    return CallResult.OK
