"""Sending a digest to one Telegram chat: its HTML messages, its charts, then its workbook.

Charts go as albums of up to ten photos (one photo alone with sendPhoto). Calls to one chat
are paced as the Telegram sender paces them (a group, whose id is negative, takes about twenty
a minute). A 429 is waited out here a few times before it is given up as Throttled; every other
error is mapped onto ``bot.outbox.send_errors`` by ``bot.channels.telegram.errors``, as for notices, and the
first one stops the digest to this chat.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from functools import partial
from typing import TypeVar

from telegram import Bot, InputFile, InputMediaPhoto
from telegram.constants import ParseMode

from bot.channels.telegram.errors import chat_interval, telegram_call
from bot.digests.formats.charts import DigestChart
from bot.outbox.send_errors import Throttled

ALBUM = 10  # photos in one sendMediaGroup
CAPTION = 1024
RETRIES = 3  # 429s waited out per call
LONGEST_WAIT = 60.0  # a longer retry_after is handed back as Throttled

T = TypeVar("T")


async def send_telegram_digest(
    bot: Bot,
    chat_id: int,
    messages: Sequence[str],
    charts: Sequence[DigestChart],
    workbook: bytes,
    filename: str,
    *,
    interval: float | None = None,
) -> None:
    """Send the messages (HTML), the charts and the workbook (if any); a ``SendError`` on the
    first failure."""
    pause = chat_interval(chat_id) if interval is None else interval
    calls: list[Callable[[], Awaitable[object]]] = [
        partial(bot.send_message, chat_id, text, parse_mode=ParseMode.HTML) for text in messages
    ]
    for start in range(0, len(charts), ALBUM):
        album = charts[start : start + ALBUM]
        if len(album) == 1:
            calls.append(
                partial(bot.send_photo, chat_id, album[0].png, caption=album[0].title[:CAPTION])
            )
        else:
            media = [
                InputMediaPhoto(
                    chart.png, caption=chart.title[:CAPTION], filename=f"{chart.name}.png"
                )
                for chart in album
            ]
            calls.append(partial(bot.send_media_group, chat_id, media))
    if workbook:
        calls.append(partial(bot.send_document, chat_id, InputFile(workbook, filename=filename)))
    for index, call in enumerate(calls):
        if index:
            await asyncio.sleep(pause)
        await mapped(call)


async def mapped(call: Callable[[], Awaitable[T]]) -> T:
    """Make one Bot API call, waiting out a few short 429s; Telegram's errors as SendErrors."""
    for attempt in range(RETRIES + 1):
        try:
            return await telegram_call(call)
        except Throttled as exc:
            if attempt == RETRIES or exc.retry_after > LONGEST_WAIT:
                raise
            await asyncio.sleep(exc.retry_after)
    raise AssertionError("unreachable")  # pragma: no cover
